"""CBV vocabulary: every spelling of one value is one full URI; the word lists are CBV 2.0's.

The word lists are checked against the enumerations of the EPCIS 2.0.1 JSON Schema in the shared
conformance data, so a word missing or invented here fails.
"""

from __future__ import annotations

import json

import pytest

from tests.conftest import SHARED
from traceability.events import vocabulary
from traceability.events.vocabulary import CBV, expand, is_standard, word_of

SCHEMA = SHARED / "conformance" / "epcis" / "schema" / "epcis-json-schema-2.0.1.json"


def _schema_words(definition: str) -> set[str]:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    for option in schema["definitions"][definition]["anyOf"]:
        if "enum" in option:
            return set(option["enum"])
    raise AssertionError(f"{definition} has no enumeration")


@pytest.mark.parametrize(
    ("definition", "words"),
    [
        ("bizStep", vocabulary.BIZ_STEPS),
        ("disposition", vocabulary.DISPOSITIONS),
        ("bizTransaction-type", vocabulary.BIZ_TRANSACTION_TYPES),
        ("source-dest-type", vocabulary.SOURCE_DEST_TYPES),
        ("error-reason", vocabulary.ERROR_REASONS),
        ("measurementType", vocabulary.MEASUREMENT_TYPES),
        ("sensorAlertType", vocabulary.SENSOR_ALERT_TYPES),
        ("component", vocabulary.COMPONENTS),
    ],
)
def test_the_word_lists_are_the_schemas(definition, words):
    assert set(words) == _schema_words(definition)


@pytest.mark.parametrize(
    ("kind", "value", "full"),
    [
        ("BizStep", "shipping", CBV + "BizStep-shipping"),
        ("BizStep", "cbv:BizStep-shipping", CBV + "BizStep-shipping"),
        ("BizStep", "urn:epcglobal:cbv:bizstep:shipping", CBV + "BizStep-shipping"),
        ("BizStep", CBV + "BizStep-shipping", CBV + "BizStep-shipping"),
        ("Disp", "in_transit", CBV + "Disp-in_transit"),
        ("Disp", "urn:epcglobal:cbv:disp:in_transit", CBV + "Disp-in_transit"),
        ("disposition", "cbv:Disp-recalled", CBV + "Disp-recalled"),
        ("BTT", "urn:epcglobal:cbv:btt:po", CBV + "BTT-po"),
        ("BTT", "po", CBV + "BTT-po"),
        ("SDT", "urn:epcglobal:cbv:sdt:owning_party", CBV + "SDT-owning_party"),
        ("SDT", "location", CBV + "SDT-location"),
        ("ER", "urn:epcglobal:cbv:er:incorrect_data", CBV + "ER-incorrect_data"),
        ("ER", "did_not_occur", CBV + "ER-did_not_occur"),
        ("MeasurementType", "gs1:Temperature", "https://gs1.org/voc/Temperature"),
        ("MeasurementType", "Temperature", "https://gs1.org/voc/Temperature"),
        ("SensorAlertType", "ALARM_CONDITION", "https://gs1.org/voc/ALARM_CONDITION"),
        ("Comp", "latitude", CBV + "Comp-latitude"),
    ],
)
def test_every_spelling_expands_to_the_full_uri(kind, value, full):
    assert expand(kind, value) == full
    assert expand(kind, full) == full


@pytest.mark.parametrize(
    "value",
    [
        "https://truyxuat.dongnai.gov.vn/epcis/bizstep/harvesting",
        "urn:example:bizstep:harvesting",
        # An EPCIS 1.x URN of another kind is not this kind's.
        "urn:epcglobal:cbv:disp:in_transit",
    ],
)
def test_other_uris_are_returned_unchanged(value):
    assert expand("BizStep", value) == value
    assert not is_standard("BizStep", value)


def test_none_stays_none():
    assert expand("BizStep", None) is None
    assert expand("BizStep", "") == ""
    assert not is_standard("Disp", None)


def test_a_bare_word_cbv_lacks_expands_but_is_not_standard():
    # The validator refuses it; the hash still expands it as the standard context would.
    assert expand("BizStep", "harvesting") == CBV + "BizStep-harvesting"
    assert not is_standard("BizStep", "harvesting")
    assert word_of("BizStep", "harvesting") is None


@pytest.mark.parametrize(
    ("kind", "value"),
    [
        ("BizStep", "commissioning"),
        ("BizStep", "urn:epcglobal:cbv:bizstep:sensor_reporting"),
        ("Disp", CBV + "Disp-conformant"),
        ("BTT", "cbv:BTT-cert"),
        ("ER", "incorrect_data"),
    ],
)
def test_standard_words_in_any_spelling(kind, value):
    assert is_standard(kind, value)
    assert word_of(kind, value) == expand(kind, value).rsplit("-", 1)[-1].rsplit("/", 1)[-1]


def test_an_unknown_kind_is_a_programming_error():
    with pytest.raises(ValueError, match="unknown CBV vocabulary kind"):
        expand("Colour", "red")


def test_is_shipping_takes_the_full_uri():
    assert vocabulary.is_shipping(expand("BizStep", "shipping"))
    assert not vocabulary.is_shipping("shipping")
    assert not vocabulary.is_shipping(None)


def test_our_extension_namespace():
    assert vocabulary.DNT_NS == "https://truyxuat.dongnai.gov.vn/epcis/"
    assert vocabulary.DNT_PREFIX == "dnt"
