"""Demo data: realistic Đồng Nai producers, sites, products and batches, and one account per role.

Loaded by `flask --app wsgi demo load` (and by `make run`); a second run changes nothing.
"""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

from PIL import Image
from sqlalchemy import select

from core.accounts import services as accounts
from core.accounts.models import Role, User
from core.db import province_today
from core.extensions import db
from core.wards.models import RolloutPhase, Ward
from traceability.events.demo import load_demo_journeys
from traceability.gs1.gtin import check_digit
from traceability.registry import images, places, services
from traceability.registry.models import (
    Batch,
    IpKind,
    IpStatus,
    OcopGroup,
    PortalState,
    Producer,
    ProducerKind,
    ProductCategory,
    SiteKind,
)
from traceability.stamps import counterfeit, orders, scans, serials, verdicts
from traceability.stamps.models import ReportState, Stamp, StampOrder

DEMO_PASSWORD = "demo-2026-dongnai"  # noqa: S105 - documented demo accounts
ADMIN_EMAIL = "admin@demo.dongnai.vn"

STAFF_ACCOUNTS = [
    (ADMIN_EMAIL, "Quản trị hệ thống", Role.ADMIN, ()),
    ("staff@demo.dongnai.vn", "Nguyễn Thị Thu (Sở KH&CN)", Role.STAFF, ()),
    (
        "officer@demo.dongnai.vn",
        "Trần Văn Hòa (Tổ CNS cộng đồng)",
        Role.OFFICER,
        ("26188", "26098"),
    ),
]

# Wards shown as the 2026 pilot in the demo only; the real list is set by staff.
DEMO_PILOT_WARDS = ("26188", "26098", "26080", "25396", "26341", "26425", "26206", "25210")


def gtin(company_prefix: str, item: str) -> str:
    """GTIN-14 of a GTIN-13: company prefix + item reference (12 digits) + check digit."""
    body = company_prefix + item
    return "0" + body + str(check_digit(body))


PRODUCERS = [
    {
        "account": ("buoi@demo.dongnai.vn", "Lê Văn Tâm"),
        "verified": True,
        "producer": {
            "legal_name": "Hợp tác xã Nông nghiệp Bưởi Tân Triều",
            "kind": ProducerKind.COOPERATIVE,
            "tax_code": "3603456781",
            "gs1_company_prefix": "8938512",
            "ward_code": "26188",
            "address": "Ấp Bình Thạch, Tân Bình",
            "contact_name": "Lê Văn Tâm",
            "phone": "0251 3865 123",
        },
        "sites": [
            {
                "name": "Vườn bưởi Bình Thạch",
                "kind": SiteKind.GROWING_AREA,
                "planting_area_code": "VN-DNOR-0108",
                "ward_code": "26188",
                "latitude": Decimal("11.0472"),
                "longitude": Decimal("106.8733"),
                "area_ha": Decimal("32.5"),
                "crop_or_species": "Bưởi đường lá cam, bưởi ổi",
                "certifications": ["VietGAP"],
            },
        ],
        "products": [
            {
                "item": "00011",
                "name": "Bưởi đường lá cam Tân Triều",
                "category": ProductCategory.OCOP,
                "ocop_group": OcopGroup.FOOD,
                "ocop_stars": 4,
                "ocop_certificate_no": "112/OCOP-ĐN",
                "ocop_decision_no": "2781/QĐ-UBND",
                "ocop_valid_from": dt.date(2024, 3, 15),
                "standards": ["VietGAP"],
                "ip_status": IpStatus.PROTECTED,
                "ip_kind": IpKind.COLLECTIVE_MARK,
                "ip_number": "4-0236541-000",
                "submit": True,
                "verify": True,
                "description": "Bưởi trồng bên sông Đồng Nai, tép mọng, vị ngọt thanh.",
                "batches": [
                    ("BTT2611A", dt.date(2026, 11, 2), Decimal("1200")),
                    ("BTT2610B", dt.date(2026, 10, 20), Decimal("950")),
                ],
            },
            {
                "item": "00028",
                "name": "Bưởi ổi Tân Triều",
                "category": ProductCategory.KEY_PRODUCT,
                "standards": ["VietGAP"],
                "ip_status": IpStatus.FILED,
                "ip_kind": IpKind.COLLECTIVE_MARK,
                "submit": True,
                "verify": False,
                "batches": [("BOI2611", dt.date(2026, 11, 10), Decimal("600"))],
            },
        ],
    },
    {
        "account": ("chomchom@demo.dongnai.vn", "Phạm Thị Lan"),
        "verified": True,
        "producer": {
            "legal_name": "Hợp tác xã Chôm chôm Bảo Vinh",
            "kind": ProducerKind.COOPERATIVE,
            "tax_code": "3603567892",
            "gs1_company_prefix": "8938523",
            "ward_code": "26098",
            "address": "Ấp Bảo Quang",
            "contact_name": "Phạm Thị Lan",
            "phone": "0251 3877 456",
        },
        "sites": [
            {
                "name": "Vùng chôm chôm Bảo Quang",
                "kind": SiteKind.GROWING_AREA,
                "planting_area_code": "VN-DNOR-0215",
                "ward_code": "26098",
                "latitude": Decimal("10.9561"),
                "longitude": Decimal("107.2598"),
                "area_ha": Decimal("58"),
                "crop_or_species": "Chôm chôm Java, chôm chôm Thái",
                "certifications": ["GlobalGAP"],
            },
        ],
        "products": [
            {
                "item": "00015",
                "name": "Chôm chôm Java Long Khánh",
                "category": ProductCategory.OCOP,
                "ocop_group": OcopGroup.FOOD,
                "ocop_stars": 3,
                "ocop_certificate_no": "087/OCOP-ĐN",
                "ocop_valid_from": dt.date(2023, 12, 1),
                "standards": ["GlobalGAP"],
                "ip_status": IpStatus.PROTECTED,
                "ip_kind": IpKind.COLLECTIVE_MARK,
                "ip_number": "4-0298765-000",
                "submit": True,
                "verify": True,
                "batches": [("CCLK2606", dt.date(2026, 6, 18), Decimal("3000"))],
            },
        ],
    },
    {
        "account": ("dieu@demo.dongnai.vn", "Nguyễn Văn Phước"),
        "verified": True,
        "producer": {
            "legal_name": "Công ty TNHH Chế biến Hạt điều Bù Đăng",
            "kind": ProducerKind.ENTERPRISE,
            "tax_code": "3801234563",
            "gs1_company_prefix": "8938534",
            "gln": None,
            "ward_code": "25396",
            "address": "Khu phố Tân Hưng, Đức Phong",
            "contact_name": "Nguyễn Văn Phước",
            "phone": "0271 3968 789",
            "website": "https://dieubudang.example.vn",
        },
        "sites": [
            {
                "name": "Nhà máy chế biến Đức Phong",
                "kind": SiteKind.PROCESSING,
                "ward_code": "25396",
                "latitude": Decimal("11.8162"),
                "longitude": Decimal("107.2452"),
                "certifications": ["HACCP", "ISO 22000"],
            },
            {
                "name": "Vùng điều Minh Hưng",
                "kind": SiteKind.GROWING_AREA,
                "ward_code": "25396",
                "planting_area_code": "VN-BPOR-0431",
                "area_ha": Decimal("120"),
                "crop_or_species": "Điều PN1",
            },
        ],
        "products": [
            {
                "item": "00019",
                "name": "Hạt điều rang muối Bình Phước",
                "category": ProductCategory.OCOP,
                "ocop_group": OcopGroup.FOOD,
                "ocop_stars": 5,
                "ocop_certificate_no": "015/OCOP-TW",
                "ocop_decision_no": "1453/QĐ-BNN",
                "ocop_valid_from": dt.date(2024, 1, 10),
                "standards": ["HACCP", "ISO 22000"],
                "ip_status": IpStatus.PROTECTED,
                "ip_kind": IpKind.GEOGRAPHICAL_INDICATION,
                "ip_number": "00087",
                "submit": True,
                "verify": True,
                "batches": [
                    ("HD261105", dt.date(2026, 11, 5), Decimal("800")),
                    ("HD261020", dt.date(2026, 10, 20), Decimal("1500")),
                ],
            },
            {
                "item": "00026",
                "name": "Nhân điều W320 Bù Đăng",
                "category": ProductCategory.AGRICULTURAL,
                "standards": ["HACCP"],
                "ip_status": IpStatus.NONE,
                "submit": False,
                "verify": False,
                "batches": [],
            },
        ],
    },
    {
        "account": ("tieu@demo.dongnai.vn", "Võ Thị Hạnh"),
        "verified": True,
        "producer": {
            "legal_name": "Hộ kinh doanh Hồ tiêu Xuân Mỹ",
            "kind": ProducerKind.HOUSEHOLD,
            "tax_code": "075186001234",
            "gs1_company_prefix": "8938545",
            "ward_code": "26341",
            "address": "Ấp 3, Xuân Mỹ",
            "contact_name": "Võ Thị Hạnh",
            "phone": "0912 345 678",
        },
        "sites": [
            {
                "name": "Vườn tiêu Xuân Mỹ",
                "kind": SiteKind.GROWING_AREA,
                "ward_code": "26341",
                "area_ha": Decimal("4.2"),
                "crop_or_species": "Tiêu Vĩnh Linh",
                "certifications": ["Organic (TCVN 11041)"],
            },
        ],
        "products": [
            {
                "item": "00017",
                "name": "Tiêu đen hữu cơ Cẩm Mỹ",
                "category": ProductCategory.OCOP,
                "ocop_group": OcopGroup.FOOD,
                "ocop_stars": 3,
                "ocop_certificate_no": "140/OCOP-ĐN",
                "ocop_valid_from": dt.date(2023, 12, 20),
                "standards": ["Organic (TCVN 11041)"],
                "ip_status": IpStatus.NONE,
                "submit": True,
                "verify": True,
                "batches": [("TIEU2604", dt.date(2026, 4, 2), Decimal("250"))],
            },
        ],
    },
    {
        "account": ("caphe@demo.dongnai.vn", "Đặng Minh Khoa"),
        "verified": True,
        "producer": {
            "legal_name": "Hợp tác xã Cà phê Xuân Lộc",
            "kind": ProducerKind.COOPERATIVE,
            "tax_code": "3603678903",
            "gs1_company_prefix": "8938556",
            "ward_code": "26425",
            "address": "Ấp Trung Tâm, Xuân Trường",
            "contact_name": "Đặng Minh Khoa",
            "phone": "0251 3741 222",
        },
        "sites": [
            {
                "name": "Vùng cà phê Xuân Trường",
                "kind": SiteKind.GROWING_AREA,
                "ward_code": "26425",
                "area_ha": Decimal("75"),
                "crop_or_species": "Cà phê vối (Robusta)",
                "certifications": ["Rainforest Alliance"],
            },
        ],
        "products": [
            {
                "item": "00013",
                "name": "Cà phê rang xay Xuân Lộc",
                "category": ProductCategory.OCOP,
                "ocop_group": OcopGroup.DRINKS,
                "ocop_stars": 4,
                "ocop_certificate_no": "095/OCOP-ĐN",
                "ocop_valid_from": dt.date(2025, 2, 1),
                "standards": ["Rainforest Alliance"],
                "ip_status": IpStatus.FILED,
                "ip_kind": IpKind.TRADEMARK,
                "submit": True,
                "verify": True,
                "batches": [("CPXL2609", dt.date(2026, 9, 12), Decimal("400"))],
            },
        ],
    },
    {
        "account": ("saurieng@demo.dongnai.vn", "Hoàng Văn Bình"),
        "verified": False,
        "producer": {
            "legal_name": "Hợp tác xã Sầu riêng Định Quán",
            "kind": ProducerKind.COOPERATIVE,
            "tax_code": "3603789014",
            "gs1_company_prefix": "8938567",
            "ward_code": "26206",
            "address": "Ấp Hiệp Nghĩa, Ngọc Định",
            "contact_name": "Hoàng Văn Bình",
            "phone": "0251 3850 333",
        },
        "sites": [
            {
                "name": "Vườn sầu riêng Ngọc Định",
                "kind": SiteKind.GROWING_AREA,
                "ward_code": "26206",
                "planting_area_code": "VN-DNOR-0533",
                "area_ha": Decimal("41"),
                "crop_or_species": "Sầu riêng Ri6, Monthong",
                "certifications": ["VietGAP"],
            },
        ],
        "products": [
            {
                "item": "00012",
                "name": "Sầu riêng Ri6 Định Quán",
                "category": ProductCategory.AGRICULTURAL,
                "standards": ["VietGAP"],
                "ip_status": IpStatus.NONE,
                "submit": False,
                "verify": False,
                "batches": [("SR2608A", dt.date(2026, 8, 15), Decimal("5000"))],
            },
        ],
    },
]


FRESH_FRUIT = ("Bưởi", "Chôm chôm", "Sầu riêng")


DEMO_STAMP_ORDER = {"quantity": 24, "kind": "sheet", "rows": 6, "cols": 4, "size_mm": 30.0}

# Verdicts a consumer must see told plainly (tried from the printed demo URLs): a batch past its
# use-by date, and a stamp the Department confirmed copies of on fake products.
DEMO_EXPIRED_BATCH = {
    "lot_code": "BTT2609C",
    "produced_on": dt.date(2026, 9, 5),
    "quantity": Decimal("700"),
}
DEMO_FAKE_REPORT = {
    "message": "Bưởi mua ở chợ, tem giống hệt nhưng quả nhỏ và chua, vỏ không có mã vùng trồng.",
    "where_bought": "Sạp trái cây chợ Tân Biên, Biên Hòa",
}


# The demo's dates are written as of this day. Loaded later, every batch date moves forward by
# as much, so the pomelo stamps stay fresh and the June rambutan and the expired batch stay expired,
# whenever a newcomer runs `make run`.
DEMO_WRITTEN_ON = dt.date(2026, 12, 1)


def demo_day(day: dt.date) -> dt.date:
    """A date of the demo data, moved to the day the demo is loaded."""
    return day + max(dt.timedelta(0), province_today() - DEMO_WRITTEN_ON)


def shelf_life(product) -> int:
    """Fresh fruit keeps for weeks; roasted nuts, pepper and coffee for a year."""
    return 45 if product.name.startswith(FRESH_FRUIT) else 365


def load_demo() -> bool:
    """Load the demo data unless it is there already. Returns True when something was added."""
    if db.session.scalar(select(User.id).where(User.email == ADMIN_EMAIL)):
        return False
    if db.session.scalar(select(Ward.code).limit(1)) is None:
        raise RuntimeError("load the wards first: flask --app wsgi wards load")
    created = {}
    for email, name, role, wards in STAFF_ACCOUNTS:
        created[role] = accounts.create_user(
            email=email, password=DEMO_PASSWORD, full_name=name, role=role, ward_codes=wards
        )
    staff = created[Role.STAFF]
    for code in DEMO_PILOT_WARDS:
        ward = db.session.get(Ward, code)
        ward.rollout_phase = RolloutPhase.PILOT_2026
        ward.rollout_started_on = dt.date(2026, 3, 1)
    for entry in PRODUCERS:
        email, name = entry["account"]
        user = services.register_producer(
            {"email": email, "password": DEMO_PASSWORD, "full_name": name}, entry["producer"]
        )
        producer: Producer = user.producer
        if entry["verified"]:
            services.verify_producer(producer, staff)
        sites = [places.create_site(producer, dict(s), user) for s in entry["sites"]]
        for spec in entry["products"]:
            spec = dict(spec)
            batches = spec.pop("batches")
            submit, verify = spec.pop("submit"), spec.pop("verify")
            spec["gtin"] = gtin(entry["producer"]["gs1_company_prefix"], spec.pop("item"))
            product = services.create_product(producer, spec, user)
            made = []
            for lot, written_day, quantity in batches:
                day = demo_day(written_day)
                made.append(
                    places.create_batch(
                        {
                            "product_id": product.id,
                            "site_id": sites[-1].id,
                            "lot_code": lot,
                            "produced_on": day,
                            "expires_on": day + dt.timedelta(days=shelf_life(product)),
                            "quantity": quantity,
                            "unit": "kg",
                        },
                        user,
                    )
                )
            if submit and entry["verified"]:
                _add_demo_photo(product, user)
                services.submit_product(product, user)
                if verify:
                    services.verify_product(product, staff)
                    if spec.get("ocop_stars", 0) >= 4:
                        services.set_portal_status(
                            product,
                            state=PortalState.LISTED,
                            reference=f"TXNG-{product.gtin[-6:]}",
                            on=dt.date(2026, 10, 1),
                            actor=staff,
                        )
                    if made:
                        # A sheet of stamps to print and scan; web processes render it.
                        _order_printed_when_fresh(made[0], user)
    _load_bad_news(staff)
    load_demo_journeys()
    # The origin log: yesterday's checkpoint and today's, so that the demo can show the proofs.
    from traceability.ledger.demo import load_demo_log

    load_demo_log()
    db.session.flush()
    return True


def _add_demo_photo(product, user: User) -> None:
    """A plain placeholder photo (a product needs one for the national portal's ten items)."""
    photo = io.BytesIO()
    shade = int(product.gtin[-3:]) % 120
    Image.new("RGB", (640, 480), (60 + shade, 140, 80 + shade // 2)).save(photo, "JPEG")
    photo.seek(0)
    images.add_product_image(product, photo, user, alt=product.name)


def _order_printed_when_fresh(batch: Batch, user: User) -> None:
    """A sheet of stamps for a demo batch, ordered as it was when it was made.

    No order is taken for a batch past its use-by date, and the demo's dates are fixed: a fruit
    batch of June was stamped in June and has expired since, as its consumer page then says.
    """
    use_by = batch.expires_on
    if use_by is not None and verdicts.batch_expired(batch):
        batch.expires_on = None
        orders.create_order(batch, DEMO_STAMP_ORDER, user)
        batch.expires_on = use_by
    else:
        orders.create_order(batch, DEMO_STAMP_ORDER, user)


def _load_bad_news(staff: User) -> None:
    """An expired batch with a stamp order, and a stamp with a confirmed counterfeit report."""
    order = db.session.scalars(select(StampOrder).order_by(StampOrder.id).limit(1)).one()
    product = order.product
    owner = db.session.scalars(select(User).where(User.producer_id == order.producer_id)).first()
    produced_on = demo_day(DEMO_EXPIRED_BATCH["produced_on"])
    expired = places.create_batch(
        {
            **DEMO_EXPIRED_BATCH,
            "produced_on": produced_on,
            "product_id": product.id,
            "site_id": order.batch.site_id,
            "expires_on": produced_on + dt.timedelta(days=shelf_life(product)),
            "unit": "kg",
        },
        owner,
    )
    _order_printed_when_fresh(expired, owner)
    # The last stamp of the first sheet: its copies were found on fake pomelos at a market.
    copied = db.session.scalars(
        select(Stamp).where(Stamp.order_id == order.id).order_by(Stamp.seq.desc()).limit(1)
    ).one()
    found = scans.resolve(copied.gtin, order.batch.lot_code, copied.serial)
    report = counterfeit.create_report(found, dict(DEMO_FAKE_REPORT), client="demo")
    counterfeit.change_report_state(
        report, ReportState.CONFIRMED, "Đoàn kiểm tra xác nhận hàng giả tại chợ Tân Biên.", staff
    )


def demo_stamp_urls(limit: int = 3) -> list[tuple[str, str]]:
    """A few demo stamps' Digital Link URIs with what each shows on the consumer page: genuine
    stamps, then one of the expired batch and the stamp with a confirmed counterfeit report."""
    stamp_row = select(Stamp.gtin, Batch.lot_code, Stamp.serial).join(
        Batch, Batch.id == Stamp.batch_id
    )
    genuine = stamp_row.where(
        Batch.lot_code != DEMO_EXPIRED_BATCH["lot_code"], Stamp.flagged.is_(False)
    )
    shown = [
        ("genuine", row) for row in db.session.execute(genuine.order_by(Stamp.id).limit(limit))
    ]
    for what, condition in (
        ("expired batch", Batch.lot_code == DEMO_EXPIRED_BATCH["lot_code"]),
        ("confirmed fake", Stamp.flagged),
    ):
        row = db.session.execute(stamp_row.where(condition).order_by(Stamp.id).limit(1)).first()
        if row is not None:
            shown.append((what, row))
    return [(what, serials.stamp_url(*row)) for what, row in shown]
