"""The request-path API refuses a query string with characters a URI may not hold unescaped.

The values below would otherwise be kept (non-AI parameters are kept leniently for the
resolver), so only the character check can refuse them.
"""

import pytest

from traceability.gs1.digital_link import DigitalLinkError, parse_digital_link_path

GTIN = "09506000134352"


@pytest.mark.parametrize(
    ("query", "char"),
    [
        ("linkType=a b", "' '"),
        ("linkType=all&x=<script>", "'<'"),
        ('x="A"', "'\"'"),
        (b"x=caf\xc3\xa9", "'Ã'"),  # raw UTF-8 bytes, read one character per byte
    ],
)
def test_illegal_characters_in_the_query_string_are_refused(query, char):
    with pytest.raises(DigitalLinkError) as caught:
        parse_digital_link_path(f"/01/{GTIN}", query)
    assert caught.value.code == "illegal_character"
    assert "query string" in str(caught.value) and char in str(caught.value)


def test_the_same_query_string_percent_encoded_is_accepted():
    link = parse_digital_link_path(f"/01/{GTIN}", "linkType=a%20b&x=%3Cscript%3E")
    assert link.other_query == (("linkType", "a b"), ("x", "<script>"))
