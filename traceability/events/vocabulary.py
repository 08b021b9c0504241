"""CBV 2.0 vocabulary: business steps, dispositions, … as bare words, CURIEs or full URIs."""

from __future__ import annotations

CBV = "https://ref.gs1.org/cbv/"


def expand(kind: str, value: str | None) -> str | None:
    """The full URI of a CBV value (`kind`: "BizStep", "Disp", "BTT", "SDT", "ER"):
    `shipping`, `cbv:BizStep-shipping`, `urn:epcglobal:cbv:bizstep:shipping` →
    `https://ref.gs1.org/cbv/BizStep-shipping`; any other URI is returned unchanged."""
    raise NotImplementedError  # hash/identifiers helper


def is_shipping(biz_step: str | None) -> bool:
    return biz_step == CBV + "BizStep-shipping"
