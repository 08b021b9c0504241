"""GS1 Digital Link URIs: the GS1 Syntax Engine vectors, error messages and round trips."""

import pytest

from traceability.gs1.ai import lookup, parse_bracketed
from traceability.gs1.digital_link import (
    CANONICAL_STEM,
    DigitalLink,
    DigitalLinkError,
    build_digital_link,
    generate_digital_link,
    parse_digital_link,
    parse_digital_link_path,
    uri_escape,
    uri_unescape,
)

GTIN = "09506000134352"
VN_GTIN = "08930000000019"

# Options of the GS1 Syntax Engine this module implements, by their vector names.
SUPPORTED_OPTIONS = {
    "permitZeroSuppressedGTINinDLuris": "permit_zero_suppressed_gtin",
    "permitConvenienceAlphas": "permit_convenience_alphas",
}


def _options(case):
    """The case's options this module implements. A case that needs another one is skipped
    when it expects success; a refusal still runs: without the option the parser is stricter."""
    unsupported = sorted(set(case["options"]) - set(SUPPORTED_OPTIONS))
    if unsupported and case["valid"]:
        pytest.skip(f"needs GS1 Syntax Engine option(s) {', '.join(unsupported)}, not implemented")
    return {
        SUPPORTED_OPTIONS[name]: value
        for name, value in case["options"].items()
        if name in SUPPORTED_OPTIONS
    }


# Why the GS1 Syntax Engine refuses a URI (its public API's message, or for the cases its public
# API does not see as Digital Links, the unit test's note), and the codes that say the same here.
REFUSAL_CODES = {
    "URI must contain a domain and path info": {"missing_domain", "no_path"},
    "No GS1 DL keys found in path info": {"no_primary_key", "trailing_slash"},
    "Domain contains illegal characters": {"bad_domain"},
    "URI contains illegal characters": {"illegal_character"},
    "value is too short": {"too_short"},
    "value is too long": {"too_long"},
    "value query element is empty": {"empty_value"},
    "value path element is empty": {"empty_value"},
    "in query parameters": {"unknown_ai"},  # "Unknown AI (999) in query parameters"
    "is not a valid DL URI data attribute": {"unknown_ai"},  # unknown AIs are never permitted
    "A non-CSET 82 character": {"bad_character"},
    "from query params should be in the path info": {"qualifier_in_query"},
    "is duplicated": {"duplicate_ai"},
    "contains illegal null char": {"null_character"},
    "not a valid key-qualifier sequence": {"not_a_qualifier"},
    "Alpha not in convenience map": {"no_primary_key"},
    'Partial prefix of map entry "cpsn"': {"no_primary_key"},
    "Mixed-case scheme forbidden": {"bad_scheme"},
}
# Refused by the engine's unit test before any rule has a name: not http(s) at all.
NOT_A_DL_URI = {"", "ftp://"}


def refusal_codes(case) -> set[str]:
    """The codes a refusal of this vector may carry; a vector nobody has mapped fails."""
    if case["uri"] in NOT_A_DL_URI:
        return {"bad_scheme"}
    reason = (case.get("public_api_result") or "").removeprefix("rejected: ")
    found = [codes for text, codes in REFUSAL_CODES.items() if text in reason]
    if not found and case.get("note"):
        found = [codes for text, codes in REFUSAL_CODES.items() if text in case["note"]]
    assert len(found) == 1, f"no single reason for line {case['source_line']}: {reason!r}"
    return found[0]


def test_parse_vectors(conformance_dir, dl_parse_case):
    options = _options(dl_parse_case)
    if not dl_parse_case["valid"]:
        with pytest.raises(DigitalLinkError) as caught:
            parse_digital_link(dl_parse_case["uri"], **options)
        assert caught.value.code in refusal_codes(dl_parse_case), str(caught.value)
        assert str(caught.value)
        return
    link = parse_digital_link(dl_parse_case["uri"], **options)
    assert link.element_string() == dl_parse_case["expected_element_string"]
    if dl_parse_case.get("expected_ais"):
        expected = [(pair["ai"], pair["value"]) for pair in dl_parse_case["expected_ais"]]
        assert list(link.ais) == expected


def test_valid_parse_vectors_through_the_request_path_api(conformance_dir, dl_valid_parse_case):
    options = _options(dl_valid_parse_case)
    uri = dl_valid_parse_case["uri"]
    path_start = uri.index("/", uri.index("://") + 3)
    path, _, query = uri[path_start:].partition("#")[0].partition("?")
    link = parse_digital_link_path(path, query.encode(), **options)
    whole = parse_digital_link(uri, **options)
    assert link.element_string() == dl_valid_parse_case["expected_element_string"]
    assert (link.ais, link.other_query) == (whole.ais, whole.other_query)
    assert uri[:path_start] + link.stem == whole.stem


def test_generate_vectors(conformance_dir, dl_generate_case):
    stem = dl_generate_case["stem"] or CANONICAL_STEM
    ai_data = dl_generate_case["ai_data"]
    unknown = [ai for ai, _ in parse_bracketed(ai_data) if lookup(ai) is None]
    if unknown and dl_generate_case["should_succeed"]:
        pytest.skip(
            f"AI(s) {unknown} succeed only with the engine's permitUnknownAIs option and"
            " vUNKNOWN_AI_NOT_DL_ATTR disabled, not implemented"
        )
    if not dl_generate_case["should_succeed"]:
        with pytest.raises(DigitalLinkError) as caught:
            generate_digital_link(ai_data, stem)
        assert str(caught.value)
        return
    uri = generate_digital_link(ai_data, stem)
    assert uri == dl_generate_case["expected_uri"]
    # What we print on a stamp must read back as the same AI data.
    given = dict(parse_bracketed(ai_data))
    assert dict(parse_digital_link(uri).ais) == given


def test_uri_escape_vectors(conformance_dir, uri_escape_case):
    text = uri_escape_case["input"]
    assert uri_escape(text, query=False) == uri_escape_case["expected_path_component"]
    assert uri_escape(text, query=True) == uri_escape_case["expected_query_component"]


def test_uri_unescape_vectors(conformance_dir, uri_unescape_case):
    text = uri_unescape_case["input"]
    assert uri_unescape(text, query=False) == uri_unescape_case["expected_path_component"]
    assert uri_unescape(text, query=True) == uri_unescape_case["expected_query_component"]


def test_unescape_refuses_null():
    with pytest.raises(DigitalLinkError) as caught:
        uri_unescape("A%00B", query=False)
    assert caught.value.code == "null_character"


def test_unescape_decodes_utf8_sequences():
    assert uri_unescape("L%C3%B4", query=False) == "Lô"
    assert uri_unescape(uri_escape("Lô 1+2", query=True), query=True) == "Lô 1+2"


# -- Parsing a consumer's scan -----------------------------------------------------------------


def test_parse_typical_stamp_uri():
    link = parse_digital_link(
        f"https://truyxuat.example.vn/01/{VN_GTIN}/10/LOT01/21/ABC?17=261231&linkType=gs1:pip"
    )
    assert link.primary_key == ("01", VN_GTIN)
    assert link.qualifiers == (("10", "LOT01"), ("21", "ABC"))
    assert link.attributes == (("17", "261231"),)
    assert link.other_query == (("linkType", "gs1:pip"),)
    assert link.stem == "https://truyxuat.example.vn"
    assert link.get("21") == "ABC" and link.get("22") is None
    assert link.element_string() == f"^01{VN_GTIN}10LOT01^21ABC^17261231"


def test_request_path_api_keeps_stem_and_percent_escapes():
    link = parse_digital_link_path(
        f"/qr/v1/01/{GTIN}/10/A%2FB/21/X+Y", b"linkType=all&3103=000500&x=%41"
    )
    assert link.stem == "/qr/v1"
    assert link.qualifiers == (("10", "A/B"), ("21", "X+Y"))
    assert link.attributes == (("3103", "000500"),)
    assert link.other_query == (("linkType", "all"), ("x", "A"))


def test_request_path_api_applies_uri_rules():
    with pytest.raises(DigitalLinkError) as caught:
        parse_digital_link_path(f"/01/{GTIN}/10/A B", "")
    assert caught.value.code == "illegal_character"
    with pytest.raises(DigitalLinkError) as caught:
        parse_digital_link_path(f"/01/{GTIN}", "10=ABC")
    assert caught.value.code == "qualifier_in_query"


def test_zero_suppressed_gtin_is_refused_by_default_and_expanded_on_request():
    uri = "https://brand.example.com/01/8930000000019"
    with pytest.raises(DigitalLinkError) as caught:
        parse_digital_link(uri)
    assert caught.value.code == "too_short"
    assert "14-digit GTIN" in str(caught.value)
    link = parse_digital_link(uri, permit_zero_suppressed_gtin=True)
    assert link.primary_key == ("01", VN_GTIN)


@pytest.mark.parametrize(
    ("uri", "code", "message"),
    [
        (
            f"https://a/01/{GTIN}/10/ABC%20DEF",
            "bad_character",
            "AI (10) value 'ABC DEF' contains a character not in GS1 character set 82",
        ),
        (
            f"https://a/01/{GTIN}/10/L%C3%B4",
            "bad_character",
            "'ô' at position 2",
        ),
        (
            f"https://a/01/{GTIN}/10/ABC/22/X",
            "qualifier_order",
            "qualifier (22) comes after (10): the order must be 22, 10, 21",
        ),
        (
            f"https://a/01/{GTIN}/",
            "trailing_slash",
            "the path must end after a value, not with '/'",
        ),
        (f"https://a/01/{GTIN}/10/", "empty_value", "AI (10) has an empty value in the path"),
        (f"https://a/01/{GTIN}/235/X/10/Y", "mixed_qualifiers", "22, 10, 21 or 235"),
        (f"https://a/01/{GTIN}/99/X", "not_a_qualifier", "AI (99) is not a key qualifier of (01)"),
        (f"https://a/00/{'0' * 17}0/10/X", "not_a_qualifier", "(00) takes no qualifiers"),
        (f"https://a/01/{GTIN}/10/A/10/B", "duplicate_ai", "AI (10) appears more than once"),
        (f"https://a/01/{GTIN}?10=A", "qualifier_in_query", "put it in the path as /10/"),
        (f"https://a/01/{GTIN}/235/X?22=A", "qualifier_conflict", "cannot join (01), (235)"),
        (f"https://a/01/{GTIN}?8200=http://x", "not_dl_attribute", "AI (8200) is not allowed"),
        (f"https://a/01/{GTIN}?89=X", "unknown_ai", "'89' is numeric but not a known GS1 AI"),
        (f"https://a/01/{GTIN}?17=261331", "bad_date", "month 13"),
        (f"https://a/01/{GTIN[:-1]}3", "bad_check_digit", "should be 2"),
        (f"https://a/01/{GTIN}?3103=000195&3102=000100", "invalid_pair", "(3102)"),
        (f"https://a/01/{GTIN}?8030=abc", "missing_required", "AI (8030) needs"),
        ("https://a/gtin/09506000134352", "no_primary_key", "no GS1 primary key"),
        ("ftp://a/01/09506000134352", "bad_scheme", "https://"),
        ("https://a b/01/09506000134352", "illegal_character", "' ' at position 10"),
        ("https://a@b/01/09506000134352", "bad_domain", "'@'"),
        ("https://example.com", "no_path", "no path"),
    ],
)
def test_errors_say_what_is_wrong(uri, code, message):
    with pytest.raises(DigitalLinkError) as caught:
        parse_digital_link(uri)
    assert caught.value.code == code
    assert message in str(caught.value)


def test_associations_can_be_left_to_the_caller():
    uri = f"https://a/01/{GTIN}?8030=abc"
    link = parse_digital_link(uri, validate_associations=False)
    assert link.attributes == (("8030", "abc"),)


def test_fragment_and_empty_query_parameters_are_ignored():
    link = parse_digital_link(f"https://a/01/{GTIN}?&&17=261231&&flag#frag")
    assert link.attributes == (("17", "261231"),)
    assert link.other_query == (("flag", ""),)


# -- Building the URI printed on a QR stamp ----------------------------------------------------


def test_build_digital_link():
    uri = build_digital_link(
        "https://truyxuat.example.vn/",
        ("01", VN_GTIN),
        [("10", "L&T=1"), ("21", "A/B+C")],
        [("17", "261231"), ("99", "x+y")],
    )
    assert uri == (
        f"https://truyxuat.example.vn/01/{VN_GTIN}/10/L%26T%3D1/21/A%2FB%2BC?17=261231&99=x%2By"
    )


@pytest.mark.parametrize(
    ("primary", "qualifiers", "attributes", "stem", "code"),
    [
        (("10", "LOT"), (), (), CANONICAL_STEM, "not_primary_key"),
        (("01", GTIN), [("21", "S"), ("10", "L")], (), CANONICAL_STEM, "qualifier_order"),
        (("01", GTIN), (), [("21", "S")], CANONICAL_STEM, "qualifier_in_query"),
        (("01", GTIN), (), [("8200", "http://x")], CANONICAL_STEM, "not_dl_attribute"),
        (("01", GTIN), (), [("17", "261231"), ("17", "261231")], CANONICAL_STEM, "duplicate_ai"),
        (("01", GTIN), [("10", "Lô")], (), CANONICAL_STEM, "bad_character"),
        (("01", GTIN[1:]), (), (), CANONICAL_STEM, "too_short"),
        (("01", GTIN), (), (), "https://a/b?c=d", "bad_stem"),
        (("01", GTIN), (), (), "id.gs1.org", "bad_scheme"),
    ],
)
def test_build_refuses_what_a_parser_would_refuse(primary, qualifiers, attributes, stem, code):
    with pytest.raises(DigitalLinkError) as caught:
        build_digital_link(stem, primary, qualifiers, attributes)
    assert caught.value.code == code


def test_generate_from_pairs_and_reorders_qualifiers():
    uri = generate_digital_link(
        [("21", "S1"), ("17", "261231"), ("10", "L1"), ("01", VN_GTIN)], "https://x.vn"
    )
    assert uri == f"https://x.vn/01/{VN_GTIN}/10/L1/21/S1?17=261231"


def test_generate_refuses_conflicting_repeats():
    with pytest.raises(DigitalLinkError) as caught:
        generate_digital_link(f"(01){GTIN}(10)A(10)B")
    assert caught.value.code == "duplicate_ai"
    assert "different values" in str(caught.value)


ROUND_TRIPS = [
    (("01", VN_GTIN), (), ()),
    (("01", VN_GTIN), (("22", "2A"), ("10", "L-1/2"), ("21", "S+1%")), (("17", "261231"),)),
    (("01", VN_GTIN), (("235", "TPX-1"),), (("10", "ABC"), ("99", "a&b=c+d"))),
    (("00", "006141411234567890"), (), (("02", "09520123456788"), ("37", "25"))),
    (("414", "9520123456788"), (("254", "32a/b"),), ()),
    (("8004", "9520614141234567"), (("7040", "1AB-"),), (("01", GTIN),)),
    (("8018", "123456789012345675"), (("8019", "123"),), (("7252", "1"),)),
    (("253", "1231231231232TEST"), (), (("99", "!\"%&'()*+,-./:;<=>?_"),)),
]


@pytest.mark.parametrize(("primary", "qualifiers", "attributes"), ROUND_TRIPS)
def test_build_then_parse_round_trip(primary, qualifiers, attributes):
    stem = "https://truyxuat.example.vn/r"
    uri = build_digital_link(stem, primary, qualifiers, attributes)
    link = parse_digital_link(uri)
    assert link == DigitalLink(primary, qualifiers, attributes, (), stem)
    assert link.to_uri() == uri


try:
    from hypothesis import given
    from hypothesis import strategies as st
except ImportError:  # pragma: no cover - hypothesis is optional
    given = None

if given is not None:
    from traceability.gs1.ai import CSET82
    from traceability.gs1.gtin import check_digit

    _cset82_text = st.text(alphabet=CSET82, min_size=1, max_size=20)
    _gtin = st.text(alphabet="0123456789", min_size=13, max_size=13).map(
        lambda payload: payload + str(check_digit(payload))
    )

    @given(gtin=_gtin, lot=_cset82_text, serial=_cset82_text, internal=_cset82_text)
    def test_round_trip_any_cset82_values(gtin, lot, serial, internal):
        qualifiers = (("10", lot), ("21", serial))
        attributes = (("99", internal),)
        uri = build_digital_link(CANONICAL_STEM, ("01", gtin), qualifiers, attributes)
        link = parse_digital_link(uri)
        assert (link.primary_key, link.qualifiers, link.attributes) == (
            ("01", gtin),
            qualifiers,
            attributes,
        )
        path, _, query = uri.removeprefix(CANONICAL_STEM).partition("?")
        assert parse_digital_link_path(path, query).ais == link.ais
else:  # pragma: no cover

    def test_round_trip_any_cset82_values():
        pytest.skip("hypothesis is not installed")
