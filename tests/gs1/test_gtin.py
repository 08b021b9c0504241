"""GTIN check digits, validation and normalisation, against the shared GS1 vectors."""

import pytest

from traceability.gs1.gtin import (
    GtinError,
    check_digit,
    gs1_prefix,
    gtin14_to_display,
    has_valid_check_digit,
    is_vietnam_prefix,
    normalise_gtin,
    validate_gtin,
)

# What each error code's message must talk about, so a user knows what to fix.
MESSAGE_NAMES_REASON = {
    "empty": "empty",
    "not_digits": "digits 0-9",
    "bad_length": "8, 12, 13 or 14 digits",
    "bad_check_digit": "check digit",
}


def test_mod10_check_digit_matches_syntax_engine_vectors(conformance_dir, lint_csum_case):
    assert has_valid_check_digit(lint_csum_case["value"]) is lint_csum_case["valid"]


def test_gtin_parsing_matches_biip_vectors(conformance_dir, gtin_parse_case):
    value = gtin_parse_case["value"]
    if gtin_parse_case["valid"]:
        gtin14 = normalise_gtin(value)
        assert len(gtin14) == 14
        assert gtin14.lstrip("0") == value.lstrip("0")
        return
    with pytest.raises(GtinError) as caught:
        normalise_gtin(value)
    error = caught.value
    assert error.code in MESSAGE_NAMES_REASON
    assert MESSAGE_NAMES_REASON[error.code] in str(error)
    if gtin_parse_case["expected_check_digit"] is not None:
        assert error.code == "bad_check_digit"
        assert error.expected == gtin_parse_case["expected_check_digit"]
        assert error.got == int(value[-1])
        assert f"should be {error.expected}" in str(error)


def test_syntax_engine_vectors_as_gtins(conformance_dir, lint_csum_case):
    value = lint_csum_case["value"]
    if lint_csum_case["valid"] and len(value) in (8, 12, 13, 14):
        validate_gtin(value)
        return
    with pytest.raises(GtinError) as caught:
        validate_gtin(value)
    assert MESSAGE_NAMES_REASON[caught.value.code] in str(caught.value)
    if lint_csum_case["valid"]:
        assert caught.value.code == "bad_length"


def test_payload_check_digit_matches_vectors(conformance_dir, payload_case):
    assert check_digit(payload_case["payload"]) == payload_case["expected_check_digit"]


def test_normalise_to_gtin14_matches_vectors(conformance_dir, normalise_case):
    assert normalise_gtin(normalise_case["input"]) == normalise_case["expected_gtin14"]


def test_check_digit_error_names_both_digits():
    with pytest.raises(GtinError) as caught:
        normalise_gtin("8934567890128")
    assert caught.value.code == "bad_check_digit"
    assert (caught.value.expected, caught.value.got) == (check_digit("893456789012"), 8)
    assert str(caught.value) == (
        f"GTIN check digit is 8 but should be {caught.value.expected}: re-read the barcode number"
    )


@pytest.mark.parametrize(
    ("value", "code", "words"),
    [
        ("", "empty", "empty"),
        (" 8934567890120", "not_digits", "remove spaces"),
        ("8934567890120 ", "not_digits", "position 14"),
        ("89345678901O0", "not_digits", "'O' at position 12"),
        ("８９３４５６７８９０１２０", "not_digits", "only the digits 0-9"),
        ("893456789012", "bad_check_digit", "should be"),
        ("8934567890", "bad_length", "has 10"),
        ("089345678901280", "bad_length", "has 15"),
    ],
)
def test_invalid_gtin_is_refused_with_a_clear_reason(value, code, words):
    with pytest.raises(GtinError) as caught:
        normalise_gtin(value)
    assert caught.value.code == code
    assert words in str(caught.value)
    assert caught.value.value == value


def test_check_digit_refuses_non_digits():
    with pytest.raises(GtinError):
        check_digit("12a4")
    with pytest.raises(GtinError):
        check_digit("12²4")


def test_check_digit_of_generated_payload_makes_a_valid_gtin():
    for payload in ("893456789012", "0893000000001", "1234567", "0"):
        gtin = payload + str(check_digit(payload))
        assert has_valid_check_digit(gtin)
        wrong = gtin[:-1] + str((int(gtin[-1]) + 1) % 10)
        assert not has_valid_check_digit(wrong)


@pytest.mark.parametrize(
    ("gtin", "expected"),
    [
        ("08930000000019", True),
        ("8930000000019", True),
        ("18930000000016", True),
        ("05901234123457", False),
        ("00893123456782", False),  # a GTIN-12 (UPC) whose company prefix begins 0893
        ("89312346", True),  # GTIN-8 with GS1-8 Prefix 893
        ("95012346", False),
    ],
)
def test_vietnam_prefix(gtin, expected):
    assert is_vietnam_prefix(gtin) is expected


def test_gs1_prefix_of_gtin8_is_its_gs1_8_prefix():
    assert gs1_prefix("00000089312346") == "893"
    assert gs1_prefix("08930000000019") == "893"


@pytest.mark.parametrize(
    ("gtin14", "printed"),
    [
        ("08930000000019", "8930000000019"),
        ("00614141000036", "614141000036"),
        ("00000096385074", "96385074"),
        ("00000902914511", "000902914511"),
        ("18930000000016", "18930000000016"),
    ],
)
def test_gtin14_to_display(gtin14, printed):
    assert gtin14_to_display(gtin14) == printed
    assert normalise_gtin(printed) == gtin14
