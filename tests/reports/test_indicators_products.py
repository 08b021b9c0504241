"""Product and producer indicators on a handful of records, every answer counted by hand.

The world (see `world`): producer A in Phường Tân Triều (a phường throughout), producer B in Xã
Trảng Bom (a phường from 30/4/2026), producer C in Phường Trảng Dài.

| # | maker | category | submitted | listed on portal | other |
|---|---|---|---|---|---|
| 1 | A | agricultural | 10/1 | 15/3 | |
| 2 | A | agricultural | 10/1 | 2/6 | |
| 3 | A | OCOP | 1/2 | 25/2 | verified 20/2, IP filed, OCOP valid 1/1/2025–20/4/2026 |
| 4 | A | key product | 1/2 | — | IP protected |
| 5 | A | agricultural | draft | 1/2 | a draft: never counted |
| 6 | A | agricultural | 10/1 | — | withdrawn 10/4 |
| 7 | B | OCOP | 5/3 | 10/5 | OCOP valid 1/3/2026–28/2/2029 |
| 8 | B | agricultural | 5/3 | — | |
| 9 | B | agricultural | 5/3 | 20/3 | rejected: never counted |
"""

from __future__ import annotations

from fractions import Fraction

import pytest

from reports.indicators.models import Scope
from tests.reports import engine_data as data
from tests.reports.engine_data import TAN_TRIEU, TRANG_BOM, TRANG_DAI, Read


@pytest.fixture
def world(app_ctx):
    from traceability.registry.models import IpStatus, PortalState, ProductCategory, ReviewState

    a, a_owner = data.producer(TAN_TRIEU, created="2026-01-05", verified="2026-02-10")
    b, b_owner = data.producer(TRANG_BOM, created="2026-03-01", verified="2026-05-20")
    data.producer(TRANG_DAI, created="2026-06-01")
    listed = PortalState.LISTED
    data.product(
        a, a_owner, submitted="2026-01-10", portal_state=listed, portal_state_on="2026-03-15"
    )
    data.product(
        a, a_owner, submitted="2026-01-10", portal_state=listed, portal_state_on="2026-06-02"
    )
    data.product(
        a,
        a_owner,
        category=ProductCategory.OCOP,
        submitted="2026-02-01",
        verified="2026-02-20",
        ip_status=IpStatus.FILED,
        ocop_valid_from="2025-01-01",
        ocop_valid_to="2026-04-20",
        portal_state=listed,
        portal_state_on="2026-02-25",
    )
    data.product(
        a,
        a_owner,
        category=ProductCategory.KEY_PRODUCT,
        submitted="2026-02-01",
        ip_status=IpStatus.PROTECTED,
    )
    data.product(a, a_owner, submitted=None, portal_state=listed, portal_state_on="2026-02-01")
    data.product(a, a_owner, submitted="2026-01-10", withdrawn_at="2026-04-10")
    data.product(
        b,
        b_owner,
        category=ProductCategory.OCOP,
        submitted="2026-03-05",
        ocop_valid_from="2026-03-01",
        ocop_valid_to="2029-02-28",
        portal_state=listed,
        portal_state_on="2026-05-10",
    )
    data.product(b, b_owner, submitted="2026-03-05")
    data.product(
        b,
        b_owner,
        submitted="2026-03-05",
        review_state=ReviewState.REJECTED,
        portal_state=listed,
        portal_state_on="2026-03-20",
    )


def test_portal_share_in_march_per_ward_group_and_province(world):
    march = Read("2026-03")
    # A: products 1, 2, 3, 4, 6 registered (5 is a draft); 1 and 3 listed by 31/3 → 2 of 5.
    assert march.value("portal_listed_share", ward=TAN_TRIEU) == Fraction(200, 5)
    # B: 7 and 8 (9 was rejected); none listed by 31/3 (7 on 10/5; 9 does not count).
    assert march.value("portal_listed_share", ward=TRANG_BOM) == 0
    assert march.figure("portal_listed_share", ward=TRANG_BOM).denominator == 2
    assert march.value("portal_listed_share") == Fraction(200, 7)
    # Trảng Bom is still a xã on 31/3: rural; Tân Triều urban.
    assert march.value("portal_listed_share", group="urban") == 40
    assert march.value("portal_listed_share", group="rural") == 0
    # C has no product: Trảng Dài has no denominator, so no value.
    assert march.value("portal_listed_share", ward=TRANG_DAI) is None


def test_portal_share_in_may_counts_the_reclassified_commune_as_urban(world):
    may = Read("2026-05")
    # A: 6 withdrawn on 10/4 → 1, 2, 3, 4; listed 1 and 3 (2 only on 2/6) → 2 of 4.
    assert may.value("portal_listed_share", ward=TAN_TRIEU) == 50
    # B: 7 listed on 10/5, 8 not → 1 of 2.
    assert may.value("portal_listed_share", ward=TRANG_BOM) == 50
    # Trảng Bom is a phường from 30/4: both wards urban, 3 of 6; no rural product at all.
    assert may.value("portal_listed_share", group="urban") == 50
    assert may.figure("portal_listed_share", group="urban").denominator == 6
    assert may.value("portal_listed_share", group="rural") is None
    assert may.value("portal_listed_share") == 50


def test_april_is_counted_by_the_type_on_its_last_day(world):
    # 30/4 is the day of the change: April's figures (as of 30/4) count Trảng Bom as urban.
    april = Read("2026-04")
    assert april.figure("portal_listed_share", group="rural").denominator == 0
    # A: 1, 2, 3, 4 (6 withdrawn 10/4) + B: 7, 8 → 6 products, all urban.
    assert april.figure("portal_listed_share", group="urban").denominator == 6


def test_quarter_and_year_are_stocks_as_of_their_last_day(world):
    q2 = Read("2026-Q2")
    # As of 30/6: A lists 1 (15/3), 2 (2/6), 3 → 3 of 4; B lists 7 → 1 of 2; together 4 of 6.
    assert q2.value("portal_listed_share", ward=TAN_TRIEU) == 75
    assert q2.value("portal_listed_share") == Fraction(400, 6)
    q1 = Read("2026-Q1")
    assert q1.value("portal_listed_share") == Fraction(200, 7)  # the same as March
    year = Read("2026")
    assert year.value("portal_listed_share") == Fraction(400, 6)  # nothing changed after June


def test_portal_share_by_category(world):
    march = Read("2026-03")
    # A's agricultural products 1, 2, 6: only 1 listed by 31/3.
    agri = march.figure("portal_listed_share", ward=TAN_TRIEU, category="agricultural")
    assert (agri.numerator, agri.denominator, agri.value) == (1, 3, Fraction(100, 3))
    assert march.value("portal_listed_share", ward=TAN_TRIEU, category="ocop") == 100
    assert march.value("portal_listed_share", ward=TAN_TRIEU, category="key_product") == 0
    # The province's OCOP products: 3 (listed) and 7 (not yet) → 50 %.
    assert march.value("portal_listed_share", category="ocop") == 50
    assert march.value("portal_listed_share", category="other") is None
    # The privacy base per category: producers with such products.
    assert march.figure("portal_listed_share", category="ocop").base == 2
    assert march.figure("portal_listed_share", category="key_product").base == 1
    # Every category: producers A and B once each, although A has three categories.
    assert march.figure("portal_listed_share").base == 2


def test_ip_support_of_ocop_and_key_products(world):
    march = Read("2026-03")
    # A: 3 (filed) and 4 (protected) of its 2 OCOP/key products; B: 7 has none.
    assert march.value("ip_supported_share", ward=TAN_TRIEU) == 100
    assert march.value("ip_supported_share", ward=TRANG_BOM) == 0
    assert march.value("ip_supported_share") == Fraction(200, 3)
    assert march.value("ip_supported_share", category="ocop") == 50
    assert march.value("ip_supported_share", category="key_product") == 100
    # Open data's base: the producers with OCOP or key products (A; B for its OCOP product 7).
    assert march.figure("ip_supported_share", ward=TAN_TRIEU).base == 1
    assert march.figure("ip_supported_share").base == 2
    assert march.figure("ip_supported_share", category="ocop").base == 2
    assert march.figure("ip_supported_share", category="key_product").base == 1
    # In January none of them had been submitted yet.
    assert Read("2026-01").value("ip_supported_share") is None


def test_products_verified_by_the_review_date(world):
    assert Read("2026-01").value("products_verified") == 0
    feb = Read("2026-02")
    assert feb.value("products_verified") == 1  # product 3, on 20/2
    assert feb.value("products_verified", ward=TAN_TRIEU, category="ocop") == 1
    assert feb.value("products_verified", ward=TRANG_BOM) == 0


def test_ocop_certificates_valid_expiring_expired(world):
    march = Read("2026-03")
    # 31/3: 3 ends on 20/4 (within 90 days, still valid); 7 runs to 2029.
    assert march.value("ocop_valid") == 2
    assert march.value("ocop_expiring_90") == 1
    assert march.value("ocop_expiring_90", ward=TAN_TRIEU) == 1
    assert march.value("ocop_expired") == 0
    may = Read("2026-05")
    # 31/5: 3 ended on 20/4.
    assert (may.value("ocop_valid"), may.value("ocop_expiring_90"), may.value("ocop_expired")) == (
        1,
        0,
        1,
    )
    assert may.value("ocop_expired", ward=TAN_TRIEU) == 1
    # Their base: producers with an OCOP product (A and B), not every producer with products.
    assert may.figure("ocop_valid").base == 2
    assert may.figure("ocop_valid", ward=TAN_TRIEU).base == 1


def test_ocop_expiry_boundaries(app_ctx):
    from traceability.registry.models import ProductCategory

    maker, owner = data.producer(TAN_TRIEU, verified="2026-01-06")
    # As of 31/3/2026, 90 days on is 29/6/2026.
    for valid_to in ("2026-06-29", "2026-06-30", "2026-03-31", "2026-03-30"):
        data.product(
            maker,
            owner,
            category=ProductCategory.OCOP,
            ocop_valid_from="2025-01-01",
            ocop_valid_to=valid_to,
        )
    march = Read("2026-03")
    # Valid: 29/6, 30/6, 31/3 (its last day is the day itself); expired: 30/3.
    assert march.value("ocop_valid") == 3
    # Expiring within 90 days: 29/6 (exactly 90) and 31/3 (0 days); 30/6 is 91 days away.
    assert march.value("ocop_expiring_90") == 2
    assert march.value("ocop_expired") == 1


def test_producers_registered_and_verified(world):
    march = Read("2026-03")
    # Registered: A (5/1), B (1/3); C only on 1/6. Verified: A on 10/2; B on 20/5.
    assert march.measure("producers_registered") == 2
    assert march.value("producers_verified") == 1
    assert march.value("producers_verified", ward=TRANG_BOM) == 0
    june = Read("2026-06")
    assert june.measure("producers_registered") == 3
    assert june.measure("producers_registered", Scope.WARD, TRANG_DAI) == 1
    assert june.value("producers_verified") == 2
    assert june.value("producers_verified", group="urban") == 2  # Trảng Bom urban in June
    assert Read("2026-03").value("producers_verified", group="rural") == 0
