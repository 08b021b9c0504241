"""The indicator definitions (`data/indicators.json`), read once, checked against the measures."""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path

from flask_babel import lazy_gettext as _l

from reports.indicators.measures import MEASURES

DATA = Path(__file__).with_name("data") / "indicators.json"
UNITS = ("percent", "count", "score", "hours")
DIRECTIONS = ("up", "down", "none")
SECTION_TITLES = {
    "products": _l("Products"),
    "retail": _l("Retail programme"),
    "levels": _l("Shops by digital maturity level"),
    "pillars": _l("Average score by pillar"),
    "registry": _l("Producer and product registry"),
    "stamps": _l("Stamps, scans and counterfeit reports"),
}
SECTIONS = tuple(SECTION_TITLES)


@dataclass(frozen=True)
class Indicator:
    code: str
    name_vi: str
    name_en: str
    numerator: str
    denominator: str | None
    unit: str
    direction: str
    section: str
    headline: bool = False
    by_category: bool = False
    flow: bool = False  # counts what happened in the period (else: a stock as of its last day)
    privacy: str | None = None
    default_targets: tuple[tuple[int, Decimal], ...] = ()

    def name(self, locale: str = "vi") -> str:
        return self.name_en if locale.startswith("en") else self.name_vi

    @property
    def has_targets(self) -> bool:
        return bool(self.default_targets)

    @property
    def measures(self) -> tuple[str, ...]:
        return tuple(m for m in (self.numerator, self.denominator, self.privacy) if m)


def _parse(item: dict) -> Indicator:
    targets = tuple(
        sorted((int(year), Decimal(str(value))) for year, value in item.get("targets", {}).items())
    )
    indicator = Indicator(
        code=item["code"],
        name_vi=item["name"]["vi"],
        name_en=item["name"]["en"],
        numerator=item["numerator"],
        denominator=item.get("denominator"),
        unit=item["unit"],
        direction=item["direction"],
        section=item["section"],
        headline=bool(item.get("headline")),
        by_category=bool(item.get("by_category")),
        flow=bool(item.get("flow")),
        privacy=item.get("privacy"),
        default_targets=targets,
    )
    for measure in indicator.measures:
        if measure not in MEASURES:
            raise ValueError(f"indicator {indicator.code}: no measure named {measure}")
    if indicator.unit not in UNITS or indicator.direction not in DIRECTIONS:
        raise ValueError(f"indicator {indicator.code}: unit or direction unknown")
    if indicator.section not in SECTIONS:
        raise ValueError(f"indicator {indicator.code}: section {indicator.section} unknown")
    if indicator.by_category and not all(MEASURES[m].by_category for m in indicator.measures):
        raise ValueError(f"indicator {indicator.code}: one of its measures has no categories")
    return indicator


@cache
def all_indicators() -> tuple[Indicator, ...]:
    document = json.loads(DATA.read_text(encoding="utf-8"))
    items = tuple(_parse(item) for item in document["indicators"])
    codes = [item.code for item in items]
    if len(set(codes)) != len(codes):
        raise ValueError("indicator codes repeat")
    return items


def get(code: str) -> Indicator:
    for indicator in all_indicators():
        if indicator.code == code:
            return indicator
    raise KeyError(code)


def by_code() -> dict[str, Indicator]:
    return {item.code: item for item in all_indicators()}


def headline() -> tuple[Indicator, ...]:
    return tuple(item for item in all_indicators() if item.headline)


def in_section(section: str) -> tuple[Indicator, ...]:
    return tuple(item for item in all_indicators() if item.section == section)
