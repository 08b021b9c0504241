"""The AI table read from the GS1 Barcode Syntax Dictionary, value validation and linters."""

import pytest

from traceability.gs1 import ai as ai_module
from traceability.gs1.ai import (
    DICTIONARY_PATH,
    LINTERS,
    AIValueError,
    check_associations,
    definitions,
    element_string,
    lookup,
    parse_bracketed,
    parse_dictionary,
    validate_value,
)

GTIN = "09520123456788"
SSCC = "006141411234567890"


def test_vendored_dictionary_is_the_shared_one(conformance_dir):
    shared = conformance_dir / "gs1-syntax-dictionary.txt"
    assert DICTIONARY_PATH.read_bytes() == shared.read_bytes()


def test_vendored_dictionary_keeps_its_licence_header():
    header = DICTIONARY_PATH.read_text(encoding="utf-8")[:6000]
    assert "Licensed under the Apache License, Version 2.0" in header
    assert "Copyright (c) 2021-2026 GS1 AISBL" in header


def test_gtin_definition():
    gtin = lookup("01")
    assert gtin is not None
    assert gtin.title == "GTIN"
    assert gtin.fixed_length and gtin.dl_attribute and gtin.dl_primary_key
    assert gtin.qualifier_sequences == (("22", "10", "21"), ("235",))
    assert gtin.ex == ("255", "37")
    [component] = gtin.components
    assert (component.type, component.min_length, component.max_length) == ("N", 14, 14)
    assert component.linters == ("csum", "gcppos2")
    assert not component.optional


def test_variable_length_and_optional_components():
    gdti = lookup("253")
    assert not gdti.fixed_length
    assert [(c.type, c.min_length, c.max_length, c.optional) for c in gdti.components] == [
        ("N", 13, 13, False),
        ("X", 1, 17, True),
    ]
    assert (gdti.min_length, gdti.max_length) == (13, 30)
    assert gdti.dl_primary_key and gdti.qualifier_sequences == ()


def test_attributes_req_and_ex():
    count = lookup("37")
    assert count.req == ((("00",),), (("02",), ("8026",)))
    digsig = lookup("8030")
    assert ("01", "21") in digsig.req[0]
    assert lookup("3922").ex == ("392n", "393n")


def test_ranges_are_expanded():
    assert [ai for ai in ("3100", "3105", "3106", "3109") if lookup(ai)] == ["3100", "3105"]
    assert all(lookup(str(n)) for n in range(91, 100))
    assert lookup("3105").title == "NET WEIGHT (kg)"


def test_unknown_ais_are_not_in_the_table():
    for ai in ("89", "1", "0100", "999", "", "ab"):
        assert lookup(ai) is None


def test_qualifiers_with_alternatives():
    assert lookup("414").qualifier_sequences == (("254",), ("7040",))
    assert lookup("8006").qualifier_sequences == (("22", "10", "21"),)
    keys = sorted(ai for ai, d in definitions().items() if d.dl_primary_key)
    assert "00" in keys and "8018" in keys and "10" not in keys


def test_dl_attribute_flags():
    assert lookup("10").dl_attribute
    assert not lookup("21").dl_attribute
    assert not lookup("8200").dl_attribute


def test_table_is_read_only():
    with pytest.raises(TypeError):
        definitions()["01"] = lookup("00")  # type: ignore[index]


def test_every_linter_named_in_the_dictionary_is_implemented():
    named = {
        linter
        for definition in definitions().values()
        for component in definition.components
        for linter in component.linters
    }
    assert named
    assert named <= set(LINTERS), sorted(named - set(LINTERS))


def test_parse_dictionary_entry_forms():
    table = parse_dictionary(
        "# comment\n"
        "\n"
        "12-14  *?  N2,yesno [X..3],pcenc  req=01+21,02 ex=11n dlpkey=10,21|235  # TEST\n"
        "99         X..9                                                     # PLAIN\n"
    )
    assert sorted(table) == ["12", "13", "14", "99"]
    entry = table["13"]
    assert entry.fixed_length and entry.dl_attribute and entry.title == "TEST"
    assert entry.components[1].optional and entry.components[1].linters == ("pcenc",)
    assert entry.req == ((("01", "21"), ("02",)),)
    assert entry.qualifier_sequences == (("10", "21"), ("235",))
    plain = table["99"]
    assert not plain.fixed_length and not plain.dl_attribute and not plain.dl_primary_key


@pytest.mark.parametrize(
    "line", ["1X  N2", "10  N2 [X..3", "10  *?  req=01", "14-12  N2", "1-100  N2"]
)
def test_parse_dictionary_refuses_malformed_entries(line):
    with pytest.raises(ValueError, match="line 1"):
        parse_dictionary(line)


VALID_VALUES = [
    ("01", GTIN),
    ("00", SSCC),
    ("10", "ABC-12/3"),
    ("10", "A" * 20),
    ("17", "261231"),
    ("17", "240229"),  # leap year
    ("11", "250600"),  # yymmd0: day 00 means "no day given"
    ("253", "1231231231232"),
    ("253", "1231231231232TEST5678901234567"),
    ("8013", "1987654Ad4X4bL5ttr2310c2K"),  # GS1 GenSpecs §7.9.5 example
    ("422", "704"),  # Viet Nam
    ("7030", "999ABC"),
    ("3912", "70412500"),  # VND
    ("4307", "VN"),
    ("4321", "1"),
    ("8006", "09520123456788" + "0102"),
    ("7258", "1/2"),
    ("4330", "001234-"),
    ("4330", "001234"),
    ("8001", "00010002000110"),
    ("4309", "18000000003600000000"),
    ("7241", "05"),
    ("7252", "9"),
    ("7040", "1AB-"),
    ("4300", "ABC%20D"),
    ("8007", "GB82WEST12345698765432"),
    ("8008", "25010112"),
    ("8008", "2501011230"),
    ("4324", "2501012359"),
    ("401", "1234AB"),
    ("8010", "0200#-/"),
    ("8030", "Ab0-_=="),
    ("91", "x" * 90),
    ("7041", "BX"),
    ("8110", "0123456789"),
    ("8011", "123"),
    ("7250", "20000229"),
]

INVALID_VALUES = [
    ("01", "09520123456789", "bad_check_digit"),
    ("01", "0952012345678", "too_short"),
    ("01", "095201234567880", "too_long"),
    ("01", "0952012345678A", "bad_character"),
    ("00", "006141411234567891", "bad_check_digit"),
    ("10", "ABC DEF", "bad_character"),
    ("10", "Lô", "bad_character"),
    ("10", "A" * 21, "too_long"),
    ("10", "", "too_short"),
    ("17", "261331", "bad_date"),
    ("17", "250229", "bad_date"),
    ("17", "250431", "bad_date"),
    ("17", "260031", "bad_date"),
    ("7006", "250600", "bad_date"),
    ("7250", "19000229", "bad_date"),
    ("8013", "1987654Ad4X4bL5ttr2310cXK", "bad_check_pair"),
    ("422", "999", "bad_country"),
    ("4307", "XX", "bad_country"),
    ("3912", "00012500", "bad_currency"),
    ("4321", "2", "bad_value"),
    ("8006", "09520123456788" + "0201", "bad_value"),
    ("8006", "09520123456788" + "0100", "bad_value"),
    ("7258", "2/1", "bad_value"),
    ("7258", "0/1", "bad_value"),
    ("4330", "001234+", "bad_value"),
    ("8001", "00000002000110", "bad_value"),
    ("8001", "00010002000150", "bad_value"),
    ("4309", "18000000013600000000", "bad_value"),
    ("7241", "11", "bad_value"),
    ("7252", "3", "bad_value"),
    ("7040", "1AB.", "bad_value"),
    ("4300", "ABC%2", "bad_value"),
    ("8007", "GB82WEST12345698765433", "bad_value"),
    ("8008", "2501012530", "bad_time"),
    ("8008", "2501011260", "bad_time"),
    ("7003", "2501012400", "bad_time"),
    ("401", "12AB", "bad_gcp"),
    ("8010", "02a0", "bad_character"),
    ("8030", "abc+", "bad_character"),
    ("8011", "0123", "bad_value"),
    ("91", "x" * 91, "too_long"),
    ("7041", "bx", "bad_value"),
    ("8110", "12A4", "bad_value"),
    ("423", "7047", "too_short"),
]


@pytest.mark.parametrize(("ai", "value"), VALID_VALUES)
def test_valid_values(ai, value):
    validate_value(ai, value)


@pytest.mark.parametrize(("ai", "value", "code"), INVALID_VALUES)
def test_invalid_values_name_the_ai_and_the_rule(ai, value, code):
    with pytest.raises(AIValueError) as caught:
        validate_value(ai, value)
    assert caught.value.code == code
    assert caught.value.ai == ai
    assert f"AI ({ai})" in str(caught.value)
    assert repr(value) in str(caught.value)


def test_unknown_ai_is_refused():
    with pytest.raises(AIValueError) as caught:
        validate_value("89", "X")
    assert caught.value.code == "unknown_ai"
    assert "(89)" in str(caught.value)


def test_character_set_message_names_the_character():
    with pytest.raises(AIValueError) as caught:
        validate_value("10", "ABC DEF")
    assert str(caught.value) == (
        "AI (10) value 'ABC DEF' contains a character not in GS1 character set 82:"
        " ' ' at position 4"
    )


def test_length_message_gives_the_rule():
    with pytest.raises(AIValueError, match=r"exactly 14 characters, not 13"):
        validate_value("01", GTIN[1:])
    with pytest.raises(AIValueError, match=r"13 to 30 characters, not 31"):
        validate_value("253", "1231231231232" + "X" * 18)


def test_check_digit_message_gives_the_right_digit():
    with pytest.raises(AIValueError, match=r"has check digit 9 but it should be 8"):
        validate_value("01", GTIN[:-1] + "9")


@pytest.mark.parametrize("data", ["", "2", "1987654Ad4X4bL5ttr2310c 2K"[:-1]])
def test_csumalpha_short_or_bad_payload(data):
    with pytest.raises(ai_module._LintFailure):
        LINTERS["csumalpha"](data)


@pytest.mark.parametrize(
    "ais",
    [
        [("01", GTIN), ("10", "A"), ("21", "B")],
        [("00", SSCC), ("02", GTIN), ("37", "25")],
        [("01", GTIN), ("3103", "000195"), ("3922", "0299")],
        [("8030", "abc"), ("01", GTIN), ("21", "S1")],
        [("414", "9520123456788"), ("254", "32a/b")],
    ],
)
def test_associations_satisfied(ais):
    check_associations(ais)


@pytest.mark.parametrize(
    ("ais", "code", "ai"),
    [
        ([("10", "A")], "missing_required", "10"),
        ([("01", GTIN), ("02", GTIN)], "invalid_pair", "02"),
        ([("01", GTIN), ("3103", "000195"), ("3102", "000100")], "invalid_pair", "3102"),
        ([("8030", "abc"), ("01", GTIN)], "missing_required", "8030"),
        ([("00", SSCC), ("37", "25")], "missing_required", "37"),
        ([("01", GTIN), ("21", "S"), ("235", "T")], "invalid_pair", "21"),
    ],
)
def test_associations_broken(ais, code, ai):
    with pytest.raises(AIValueError) as caught:
        check_associations(ais)
    assert (caught.value.code, caught.value.ai) == (code, ai)
    assert f"AI ({ai})" in str(caught.value)


def test_parse_bracketed():
    assert parse_bracketed(f"(01){GTIN}(10)AB\\(1)(21)x(y") == [
        ("01", GTIN),
        ("10", "AB(1)"),
        ("21", "x(y"),
    ]
    with pytest.raises(AIValueError):
        parse_bracketed(f"01{GTIN}")


def test_element_string_uses_fnc1_only_after_variable_length_ais():
    assert element_string([("01", GTIN), ("10", "A"), ("17", "261231"), ("21", "B")]) == (
        f"^01{GTIN}10A^1726123121B"
    )
    assert element_string([("01", GTIN)], fnc1="\x1d") == f"\x1d01{GTIN}"
