"""CBV 2.0 vocabulary: business steps, dispositions, … as bare words, CURIEs or full URIs.

EPCIS 2.0 JSON-LD lets a document write a CBV value as a bare word (`shipping`, which the
standard context expands), a CURIE (`cbv:BizStep-shipping`) or the full URI; EPCIS 1.x XML wrote
URNs (`urn:epcglobal:cbv:bizstep:shipping`). We store, index, query and hash the full URI
(`https://ref.gs1.org/cbv/BizStep-shipping`), so every spelling of one value is one string.

The word lists are CBV 2.0's (the same as the enumerations of the EPCIS 2.0.1 JSON Schema): the
capture validator refuses a bare word that is not in them and accepts any other URI as an
extension (CBV §6.1: "other" vocabularies are URIs).
"""

from __future__ import annotations

import functools

CBV = "https://ref.gs1.org/cbv/"
GS1_VOC = "https://gs1.org/voc/"

# Our extension namespace for readable facts EPCIS has no field for (dnt:destinationName, …).
DNT_NS = "https://truyxuat.dongnai.gov.vn/epcis/"
DNT_PREFIX = "dnt"

# Prefixes every EPCIS 2.0 document may use without declaring them (the standard context).
STANDARD_PREFIXES: dict[str, str] = {
    "cbv": CBV,
    "gs1": GS1_VOC,
    "epcis": "https://ref.gs1.org/epcis/",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "dcterms": "http://purl.org/dc/terms/",
}


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


BIZ_STEPS = _words(
    """accepting arriving assembling collecting commissioning consigning creating_class_instance
    cycle_counting decommissioning departing destroying disassembling dispensing encoding
    entering_exiting holding inspecting installing killing loading other packing picking receiving
    removing repackaging repairing replacing reserving retail_selling sampling sensor_reporting
    shipping staging_outbound stock_taking stocking storing transporting unloading unpacking
    void_shipping"""
)
DISPOSITIONS = _words(
    """active available completeness_inferred completeness_verified conformant container_closed
    container_open damaged destroyed dispensed disposed encoded expired in_progress in_transit
    inactive mismatch_class mismatch_instance mismatch_quantity needs_replacement
    no_pedigree_match non_conformant non_sellable_other partially_dispensed recalled reserved
    retail_sold returned sellable_accessible sellable_not_accessible stolen unavailable
    unknown"""
)
BIZ_TRANSACTION_TYPES = _words(
    "bol cert desadv inv pedigree po poc prodorder recadv rma testprd testres upevt"
)
SOURCE_DEST_TYPES = _words("owning_party possessing_party location")
ERROR_REASONS = _words("did_not_occur incorrect_data")
# Sensor measurement types and alert types live in the GS1 Web Vocabulary (gs1:Temperature).
MEASUREMENT_TYPES = _words(
    """AbsoluteHumidity AbsorbedDose AbsorbedDoseRate Acceleration Radioactivity Altitude
    AmountOfSubstance AmountOfSubstancePerUnitVolume Angle AngularAcceleration AngularMomentum
    AngularVelocity Area Capacitance Conductance Conductivity Count Density Dimensionless
    DoseEquivalent DoseEquivalentRate DynamicViscosity ElectricCharge ElectricCurrent
    ElectricCurrentDensity ElectricFieldStrength Energy Exposure Force Frequency Illuminance
    Inductance Irradiance KinematicViscosity Length LinearMomentum Luminance LuminousFlux
    LuminousIntensity MagneticFlux MagneticFluxDensity MagneticVectorPotential Mass
    MassConcentration MassFlowRate MassPerAreaTime MemoryCapacity MolalityOfSolute MolarEnergy
    MolarMass MolarVolume Power Pressure RadiantFlux RadiantIntensity RelativeHumidity Resistance
    Resistivity SolidAngle SpecificVolume Speed SurfaceDensity SurfaceTension Temperature Time
    Torque Voltage Volume VolumeFlowRate VolumeFraction VolumetricFlux Wavenumber"""
)
SENSOR_ALERT_TYPES = frozenset({"ALARM_CONDITION", "ERROR_CONDITION"})
COMPONENTS = _words(
    """x y z axial_distance azimuth height spherical_radius polar_angle elevation_angle easting
    northing latitude longitude altitude"""
)

# kind → (its words, the prefix of the full URI, its name in EPCIS 1.x URNs)
_KINDS: dict[str, tuple[frozenset[str], str, str | None]] = {
    "BizStep": (BIZ_STEPS, CBV + "BizStep-", "bizstep"),
    "Disp": (DISPOSITIONS, CBV + "Disp-", "disp"),
    "BTT": (BIZ_TRANSACTION_TYPES, CBV + "BTT-", "btt"),
    "SDT": (SOURCE_DEST_TYPES, CBV + "SDT-", "sdt"),
    "ER": (ERROR_REASONS, CBV + "ER-", "er"),
    "Comp": (COMPONENTS, CBV + "Comp-", None),
    "MeasurementType": (MEASUREMENT_TYPES, GS1_VOC, None),
    "SensorAlertType": (SENSOR_ALERT_TYPES, GS1_VOC, None),
}
# The names callers may use for a kind: the CBV names and the EPCIS field names.
_ALIASES = {
    "bizstep": "BizStep",
    "disp": "Disp",
    "disposition": "Disp",
    "persistentdisposition": "Disp",
    "btt": "BTT",
    "biztransaction": "BTT",
    "sdt": "SDT",
    "source": "SDT",
    "destination": "SDT",
    "er": "ER",
    "reason": "ER",
    "errorreason": "ER",
    "comp": "Comp",
    "component": "Comp",
    "measurementtype": "MeasurementType",
    "type": "MeasurementType",
    "sensoralerttype": "SensorAlertType",
    "exception": "SensorAlertType",
}


def _kind(kind: str) -> tuple[frozenset[str], str, str | None]:
    name = kind if kind in _KINDS else _ALIASES.get(kind.lower())
    if name is None:
        raise ValueError(f"unknown CBV vocabulary kind {kind!r}")
    return _KINDS[name]


@functools.lru_cache(maxsize=4096)
def expand(kind: str, value: str | None) -> str | None:
    """The full URI of a CBV value (`kind`: "BizStep", "Disp", "BTT", "SDT", "ER"):
    `shipping`, `cbv:BizStep-shipping`, `urn:epcglobal:cbv:bizstep:shipping` →
    `https://ref.gs1.org/cbv/BizStep-shipping`; any other URI is returned unchanged."""
    if not value:
        return value  # None, or an empty string: nothing to expand
    _, prefix, urn_name = _kind(kind)
    if ":" not in value:
        # A bare word: what the standard context's @vocab makes of it, CBV word or not (the
        # validator decides whether a bare word is allowed; see is_standard).
        return prefix + value
    scheme, _, rest = value.partition(":")
    if scheme in ("cbv", "gs1") and "/" not in rest:
        return STANDARD_PREFIXES[scheme] + rest
    if urn_name and value.startswith("urn:epcglobal:cbv:"):
        urn_kind, _, word = value[len("urn:epcglobal:cbv:") :].partition(":")
        if urn_kind == urn_name and word:
            return prefix + word
    return value


def word_of(kind: str, value: str | None) -> str | None:
    """The bare CBV word of a value in any spelling (`shipping`), or None when it is no CBV
    word (an extension URI, or a word CBV does not have)."""
    full = expand(kind, value)
    words, prefix, _ = _kind(kind)
    if full and full.startswith(prefix) and full[len(prefix) :] in words:
        return full[len(prefix) :]
    return None


def is_standard(kind: str, value: str | None) -> bool:
    """Whether a value is a CBV 2.0 word of its kind, in any spelling."""
    return word_of(kind, value) is not None


def is_shipping(biz_step: str | None) -> bool:
    return biz_step == CBV + "BizStep-shipping"
