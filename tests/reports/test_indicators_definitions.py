"""The indicator definitions: read once, each naming measures that exist and say what they count."""

from __future__ import annotations

from decimal import Decimal

from reports.indicators import definitions
from reports.indicators.measures import MEASURES


def test_the_plans_indicators_and_their_default_targets():
    indicators = definitions.by_code()
    assert len(indicators) == len(definitions.all_indicators()) == 34
    assert [i.code for i in definitions.headline()] == [
        "portal_listed_share",
        "ip_supported_share",
        "wards_deployed",
        "digital_payment_share",
    ]
    assert indicators["portal_listed_share"].default_targets == (
        (2026, Decimal(35)),
        (2030, Decimal(70)),
    )
    assert dict(indicators["ip_supported_share"].default_targets) == {2026: 45, 2030: 60}
    assert dict(indicators["wards_deployed"].default_targets) == {2026: 25, 2030: 95}
    assert dict(indicators["digital_payment_share"].default_targets) == {2026: 90, 2030: 90}
    portal = indicators["portal_listed_share"]
    assert portal.name("vi").startswith("Sản phẩm có mã số mã vạch")
    assert portal.name("en") == "Barcoded products identified on the national traceability portal"
    assert (portal.numerator, portal.denominator, portal.unit) == (
        "products_portal_listed",
        "products_gtin",
        "percent",
    )


def test_every_measure_named_exists_and_says_what_it_counts():
    for indicator in definitions.all_indicators():
        for code in indicator.measures:
            assert code in MEASURES, (indicator.code, code)
        if indicator.by_category:
            assert MEASURES[indicator.numerator].by_category
            assert indicator.privacy is None or MEASURES[indicator.privacy].by_category
    for measure in MEASURES.values():
        assert measure.counts, measure.code


def test_flows_are_the_stamp_section():
    flows = {i.code for i in definitions.all_indicators() if i.flow}
    assert flows == {i.code for i in definitions.in_section("stamps")}
