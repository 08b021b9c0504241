"""Retail demo data: a few hundred shops across the demo pilot wards, assessed over 2026.

Loaded by `flask --app wsgi retail demo load` (after `flask --app wsgi demo load`, which makes the
accounts and marks the pilot wards); a second run changes nothing. Everything is drawn from one
seeded random generator, so every load makes the same shops and answers; scores are computed by
`record_score` from the answers, never written by hand.

The picture it leaves, with the default criterion (20 shops): most pilot wards deployed, some in
progress, one not started; the demo officer's two wards have drafts to finish, self-assessments
to confirm, shops due for re-assessment and shops never assessed. Dates are written as of
DEMO_WRITTEN_ON and move forward with the day the demo is loaded, as the registry demo's do.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from sqlalchemy import select

from core.accounts.models import User
from core.db import PROVINCE_TZ, province_today
from core.errors import FieldError
from core.extensions import db
from core.wards.models import RolloutPhase, Ward, WardKind
from retail.assessments import frameworks
from retail.assessments.models import (
    Assessment,
    AssessmentOrigin,
    AssessmentState,
    Framework,
)
from retail.assessments.services import record_score
from retail.shops import rules
from retail.shops.models import Shop, ShopKind, ShopState

OFFICER_EMAIL = "officer@demo.dongnai.vn"
STAFF_EMAIL = "staff@demo.dongnai.vn"
SEED = 2026
DEMO_WRITTEN_ON = dt.date(2026, 12, 1)
FIRST_DAY = dt.date(2026, 3, 5)  # the pilot started on 1/3/2026
LAST_DAY = dt.date(2026, 11, 28)
REASSESSED_FROM = dt.date(2026, 9, 1)


@dataclass(frozen=True)
class WardPlan:
    """How many shops a pilot ward gets and what has happened to them by the demo's day."""

    shops: int
    assessed: int  # shops with a completed first assessment
    reassessed: int  # of those assessed before June, re-assessed since September
    drafts: int
    awaiting: int  # self-assessments sent by owners, not yet confirmed
    closed: int = 1


# In order: the demo officer's two wards first (one deployed, one in progress, both with work
# left), then the other pilot wards: deployed, in progress, exactly at 20, not started.
WARD_PLANS = (
    WardPlan(shops=52, assessed=27, reassessed=5, drafts=4, awaiting=2),
    WardPlan(shops=40, assessed=16, reassessed=2, drafts=3, awaiting=1),
    WardPlan(shops=45, assessed=24, reassessed=4, drafts=1, awaiting=0),
    WardPlan(shops=38, assessed=22, reassessed=3, drafts=1, awaiting=0),
    WardPlan(shops=30, assessed=11, reassessed=1, drafts=2, awaiting=0),
    WardPlan(shops=34, assessed=20, reassessed=2, drafts=0, awaiting=1),
    WardPlan(shops=28, assessed=6, reassessed=0, drafts=1, awaiting=0),
    WardPlan(shops=25, assessed=0, reassessed=0, drafts=0, awaiting=0, closed=0),
)

# Kinds in the proportions of a Đồng Nai ward's shop fronts, and how far each has gone digital
# on average (0-1): convenience stores and pharmacies far ahead of market stalls.
KINDS = {
    ShopKind.GROCERY: (34, 0.38),
    ShopKind.MARKET_STALL: (20, 0.25),
    ShopKind.FOOD_SERVICE: (16, 0.45),
    ShopKind.AGRI_SUPPLIES: (7, 0.35),
    ShopKind.PHARMACY: (6, 0.62),
    ShopKind.CONVENIENCE: (5, 0.72),
    ShopKind.FASHION: (5, 0.5),
    ShopKind.ELECTRONICS: (4, 0.66),
    ShopKind.OTHER: (3, 0.4),
}
SHOP_PREFIXES = {
    ShopKind.GROCERY: ("Tạp hóa", "Cửa hàng tạp hóa", "Tiệm tạp hóa"),
    ShopKind.MARKET_STALL: (
        "Sạp rau",
        "Sạp trái cây",
        "Sạp thịt heo",
        "Sạp cá",
        "Sạp gạo",
        "Sạp đồ khô",
        "Sạp vải",
        "Sạp hoa",
    ),
    ShopKind.FOOD_SERVICE: (
        "Quán cơm",
        "Quán phở",
        "Cà phê",
        "Bún bò",
        "Tiệm bánh mì",
        "Hủ tiếu",
        "Trà sữa",
        "Quán bún riêu",
    ),
    ShopKind.AGRI_SUPPLIES: (
        "Đại lý vật tư nông nghiệp",
        "Cửa hàng phân bón",
        "Đại lý thức ăn chăn nuôi",
    ),
    ShopKind.PHARMACY: ("Nhà thuốc", "Quầy thuốc"),
    ShopKind.CONVENIENCE: ("Cửa hàng tiện lợi", "Siêu thị mini"),
    ShopKind.FASHION: ("Shop thời trang", "Giày dép", "Quần áo"),
    ShopKind.ELECTRONICS: ("Điện thoại", "Điện máy", "Sửa chữa điện thoại"),
    ShopKind.OTHER: ("Văn phòng phẩm", "Tiệm vàng", "Tiệm hoa", "Tiệm sửa xe"),
}
SHOP_NAMES = (
    "Cô Ba", "Chị Hai", "Thanh Hương", "Minh Phát", "Phúc Lộc", "Hoàng Long", "Kim Ngân",
    "Thành Đạt", "Tân Phát", "Hồng Nhung", "Bảo Anh", "Ngọc Ánh", "Thu Trang", "Út Mười",
    "Bà Tư", "Anh Sáu", "Phương Nam", "Hưng Thịnh", "An Khang", "Vạn Phúc", "Thiên Phú",
    "Mỹ Linh", "Đức Tài", "Gia Huy", "Hòa Bình", "Quang Vinh", "Tường Vy", "Như Ý",
    "Kim Phượng", "Hai Lúa", "Năm Sang", "Tư Hùng", "Bảy Liên", "Thảo Nguyên", "Đại Phát",
    "Tấn Lộc", "Hạnh Phúc", "Minh Châu", "Ngọc Hân", "Trường Thịnh", "Phú Quý", "Sáu Hiền",
)  # fmt: skip
FAMILY_NAMES = (
    ("Nguyễn", 31), ("Trần", 11), ("Lê", 9), ("Phạm", 7), ("Huỳnh", 5), ("Hoàng", 4),
    ("Phan", 4), ("Võ", 4), ("Vũ", 3), ("Đặng", 2), ("Bùi", 2), ("Đỗ", 2), ("Hồ", 2),
    ("Ngô", 2), ("Dương", 1), ("Lý", 1), ("Trương", 1), ("Đinh", 1),
)  # fmt: skip
WOMEN = (
    ("Thị", "Ngọc", "Thu", "Kim", "Thanh", "Mỹ"),
    ("Hương", "Lan", "Mai", "Hoa", "Hạnh", "Trang", "Thảo", "Linh", "Yến", "Dung", "Nga",
     "Phượng", "Loan", "Hằng", "Nhung", "Tuyết", "Vân", "Xuân"),
)  # fmt: skip
MEN = (
    ("Văn", "Minh", "Hữu", "Đức", "Quốc", "Thanh", "Công"),
    ("Hùng", "Dũng", "Tuấn", "Nam", "Sơn", "Phúc", "Tâm", "Bình", "Cường", "Hải", "Long",
     "Thành", "Tài", "Lộc", "Quang", "Vinh", "Khoa", "Hiếu"),
)  # fmt: skip
STREETS = (
    "Đường Hùng Vương", "Đường Trần Hưng Đạo", "Đường Nguyễn Trãi", "Đường Lê Lợi",
    "Đường Cách Mạng Tháng Tám", "Đường Hai Bà Trưng", "Đường Nguyễn Văn Cừ",
    "Đường Lý Thường Kiệt", "Đường Phan Bội Châu", "Đường 30 Tháng 4", "Quốc lộ 1A",
    "Đường Võ Thị Sáu", "Đường Nguyễn Ái Quốc", "Đường Đồng Khởi", "Đường Hoàng Văn Bổn",
)  # fmt: skip
HAMLETS = (
    "Ấp 1", "Ấp 2", "Ấp 3", "Ấp 4", "Ấp Trung Tâm", "Ấp Hòa Bình", "Ấp Tân Hòa",
    "Ấp Phú Lợi", "Ấp Hiệp Nghĩa", "Ấp Bình Thạch", "Ấp Bảo Định", "Ấp Suối Cả",
)  # fmt: skip
# Mobile prefixes after the leading 0 (Viettel, VinaPhone, MobiFone, Vietnamobile).
MOBILE_PREFIXES = (
    "86", "96", "97", "98", "32", "33", "34", "35", "36", "37", "38", "39", "88", "91", "94",
    "81", "82", "83", "84", "85", "89", "90", "93", "70", "76", "77", "78", "79", "56", "58",
)  # fmt: skip
PLACE_PREFIXES = ("Phường ", "Xã ", "Thị trấn ")
# Shops take payments by QR long before they keep data or write a digital plan.
PILLAR_BIAS = {"customer": 0.12, "infrastructure": 0.05, "strategy": -0.1, "data": -0.12}


def demo_day(day: dt.date) -> dt.date:
    """A date of the demo data, moved to the day the demo is loaded (never backwards)."""
    return day + max(dt.timedelta(0), province_today() - DEMO_WRITTEN_ON)


class _Draw:
    """The demo's random choices: one seeded generator, the values already taken."""

    def __init__(self, taken_phones: set[str], taken_registrations: set[str]):
        self.rng = random.Random(SEED)  # noqa: S311 - the same demo on every load, not secrets
        self.phones = taken_phones
        self.registrations = taken_registrations

    def moment(self, day: dt.date) -> dt.datetime:
        """A time of the working day (7:30-17:30 in Đồng Nai), in UTC."""
        minutes = self.rng.randint(7 * 60 + 30, 17 * 60 + 30)
        local = dt.datetime.combine(demo_day(day), dt.time(minutes // 60, minutes % 60))
        return local.replace(tzinfo=PROVINCE_TZ).astimezone(dt.UTC)

    def day_between(self, first: dt.date, last: dt.date) -> dt.date:
        return first + dt.timedelta(days=self.rng.randint(0, max(0, (last - first).days)))

    def phone(self) -> str | None:
        if self.rng.random() < 0.08:
            return None  # some owners would rather not give one
        while True:
            text = "0" + self.rng.choice(MOBILE_PREFIXES) + f"{self.rng.randrange(10**7):07d}"
            try:
                phone = rules.parse_phone(text)
            except FieldError:
                continue
            if phone not in self.phones:
                self.phones.add(phone)
                return phone

    def registration(self, ward: Ward) -> str | None:
        if self.rng.random() < 0.62:
            return None
        province = "38" if ward.former_province.startswith("Bình Phước") else "36"
        while True:
            number = province + f"{self.rng.randrange(10**8):08d}"
            if number not in self.registrations:
                self.registrations.add(number)
                return number

    def owner(self) -> str:
        family = self.rng.choices([f for f, _ in FAMILY_NAMES], [w for _, w in FAMILY_NAMES])[0]
        middles, givens = WOMEN if self.rng.random() < 0.58 else MEN
        return f"{family} {self.rng.choice(middles)} {self.rng.choice(givens)}"


def _places(ward: Ward) -> list[str]:
    """The names of the units merged into the ward (for markets and neighbourhoods)."""
    names = []
    for part in (ward.predecessors or "").split(";"):
        name = part.partition(":")[2].strip()
        for prefix in PLACE_PREFIXES:
            name = name.removeprefix(prefix)
        if name:
            names.append(name)
    return names or [ward.name.split(" ", 1)[-1]]


def _address(draw: _Draw, ward: Ward, places: list[str]) -> str:
    rng = draw.rng
    if ward.kind is WardKind.PHUONG:
        number = str(rng.randint(1, 480))
        if rng.random() < 0.25:
            number += f"/{rng.randint(2, 40)}"
        return f"{number} {rng.choice(STREETS)}, khu phố {rng.randint(1, 12)}"
    return f"Tổ {rng.randint(1, 15)}, {rng.choice(HAMLETS)}, {rng.choice(places)}"


def _shop_name(draw: _Draw, kind: ShopKind, used: set[str]) -> str:
    rng = draw.rng
    for _attempt in range(40):
        name = f"{rng.choice(SHOP_PREFIXES[kind])} {rng.choice(SHOP_NAMES)}"
        if rules.fold(name) not in used:
            break
    else:
        name = f"{name} {len(used) + 1}"
    used.add(rules.fold(name))
    return name


@dataclass
class _DemoShop:
    shop: Shop
    propensity: float  # 0-1: how far the shop has gone digital; drives its answers


def _make_shops(draw: _Draw, ward: Ward, plan: WardPlan, creator: User) -> list[_DemoShop]:
    rng = draw.rng
    places = _places(ward)
    used: set[str] = set()
    kinds = list(KINDS)
    made = []
    urban = 0.05 if ward.kind is WardKind.PHUONG else 0.0
    for _ in range(plan.shops):
        kind = rng.choices(kinds, [KINDS[k][0] for k in kinds])[0]
        shop = Shop(
            name=_shop_name(draw, kind, used),
            owner_name=draw.owner(),
            phone=draw.phone(),
            registration_no=draw.registration(ward),
            ward_code=ward.code,
            address=_address(draw, ward, places),
            market=f"Chợ {rng.choice(places)}" if kind is ShopKind.MARKET_STALL else "",
            kind=kind,
            state=ShopState.ACTIVE,
            created_by_id=creator.id,
            updated_by_id=creator.id,
        )
        propensity = min(0.97, max(0.03, rng.gauss(KINDS[kind][1] + urban, 0.17)))
        made.append(_DemoShop(shop, propensity))
    return made


def _answers(draw: _Draw, document: dict, propensity: float, pillars: int | None = None) -> dict:
    """Answers a shop of this propensity gives (only the first `pillars` pillars for a draft)."""
    answers = {}
    for index, pillar in enumerate(document["pillars"]):
        if pillars is not None and index >= pillars:
            break
        bias = PILLAR_BIAS.get(pillar["key"], 0.0)
        for question in pillar["questions"]:
            values = sorted(option["value"] for option in question["options"])
            level = min(1.0, max(0.0, propensity + bias))
            position = round(level * (len(values) - 1) + draw.rng.gauss(0, 0.55))
            answers[question["key"]] = values[min(len(values) - 1, max(0, position))]
    return answers


def _assessment(
    shop: Shop, framework: Framework, answers: dict, *, assessor: User | None, **fields
) -> Assessment:
    assessment = Assessment(
        shop=shop,
        framework=framework,
        answers=answers,
        assessor_id=assessor.id if assessor else None,
        created_by_id=assessor.id if assessor else None,
        updated_by_id=assessor.id if assessor else None,
        **fields,
    )
    if fields.get("state") is not AssessmentState.DRAFT:
        record_score(assessment)
    return assessment


def _completed(
    draw: _Draw, item: _DemoShop, framework: Framework, day: dt.date, assessor: User, staff: User
) -> Assessment:
    """A submitted assessment on `day`; older ones were mostly verified by the Department."""
    submitted_at = draw.moment(day)
    state, verified_at = AssessmentState.SUBMITTED, None
    if day < LAST_DAY - dt.timedelta(days=60) and draw.rng.random() < 0.45:
        state = AssessmentState.VERIFIED
        verified_at = submitted_at + dt.timedelta(days=draw.rng.randint(2, 12))
    return _assessment(
        item.shop,
        framework,
        _answers(draw, framework.document, item.propensity),
        assessor=assessor,
        state=state,
        step=len(framework.document["pillars"]) - 1,
        assessed_on=submitted_at.astimezone(PROVINCE_TZ).date(),
        submitted_at=submitted_at,
        verified_at=verified_at,
        verified_by_id=staff.id if verified_at else None,
        created_at=submitted_at - dt.timedelta(minutes=draw.rng.randint(15, 50)),
        updated_at=verified_at or submitted_at,
    )


def _ward_history(
    draw: _Draw, items: list[_DemoShop], plan: WardPlan, framework: Framework, people: dict
) -> list[Assessment]:
    """The assessments of one ward's shops, and their registration times."""
    rng, document = draw.rng, framework.document
    assessor, staff = people["assessor"], people["staff"]
    order = list(items)
    rng.shuffle(order)
    assessed = order[: plan.assessed]
    drafts = order[plan.assessed : plan.assessed + plan.drafts]
    awaiting = order[plan.assessed + plan.drafts : plan.assessed + plan.drafts + plan.awaiting]
    rest = order[plan.assessed + plan.drafts + plan.awaiting :]
    days = sorted(draw.day_between(FIRST_DAY, LAST_DAY) for _ in assessed)
    made = []
    early = []
    for item, day in zip(assessed, days, strict=True):
        item.shop.created_at = draw.moment(day - dt.timedelta(days=rng.randint(0, 20)))
        made.append(_completed(draw, item, framework, day, assessor, staff))
        if day < dt.date(2026, 6, 1):
            early.append(item)
    for item in early[: plan.reassessed]:
        item.propensity = min(0.97, item.propensity + rng.uniform(0.08, 0.25))
        day = draw.day_between(REASSESSED_FROM, LAST_DAY)
        made.append(_completed(draw, item, framework, day, assessor, staff))
    pillars = len(document["pillars"])
    for item in drafts:
        saved = draw.moment(draw.day_between(dt.date(2026, 10, 15), LAST_DAY))
        item.shop.created_at = saved - dt.timedelta(days=rng.randint(0, 10))
        answered = rng.randint(1, pillars - 2)
        answers = _answers(draw, document, item.propensity, pillars=answered)
        made.append(
            _assessment(
                item.shop,
                framework,
                answers,
                assessor=assessor,
                state=AssessmentState.DRAFT,
                step=answered - 1,
                created_at=saved - dt.timedelta(minutes=20),
                updated_at=saved,
            )
        )
    for item in awaiting:
        sent = draw.moment(draw.day_between(dt.date(2026, 11, 1), LAST_DAY))
        item.shop.created_at = sent - dt.timedelta(days=rng.randint(5, 40))
        answers = _answers(draw, document, item.propensity)
        made.append(
            _assessment(
                item.shop,
                framework,
                answers,
                assessor=None,
                origin=AssessmentOrigin.SELF,
                state=AssessmentState.AWAITING_CONFIRMATION,
                step=pillars - 1,
                created_at=sent - dt.timedelta(minutes=30),
                updated_at=sent,
            )
        )
    for index, item in enumerate(rest):
        item.shop.created_at = draw.moment(draw.day_between(dt.date(2026, 2, 20), LAST_DAY))
        if index < plan.closed:
            item.shop.state = ShopState.CLOSED
            item.shop.closed_on = demo_day(dt.date(2026, 10, 30))
    for item in items:
        item.shop.updated_at = item.shop.created_at
    return made


def _pilot_wards(officer: User) -> list[Ward]:
    """The pilot wards, the demo officer's first."""
    stmt = select(Ward).where(Ward.rollout_phase == RolloutPhase.PILOT_2026).order_by(Ward.code)
    wards = list(db.session.scalars(stmt))
    mine = {w.code for w in officer.wards}
    return sorted(wards, key=lambda w: (w.code not in mine, w.code))


def _account(email: str) -> User:
    user = db.session.scalar(select(User).where(User.email == email))
    if user is None:
        raise RuntimeError("load the demo accounts first: flask --app wsgi demo load")
    return user


def load_demo() -> bool:
    """Load the retail demo unless it is there already. Returns True when something was added."""
    officer, staff = _account(OFFICER_EMAIL), _account(STAFF_EMAIL)
    demo_people = (officer.id, staff.id)
    if db.session.scalar(select(Shop.id).where(Shop.created_by_id.in_(demo_people)).limit(1)):
        return False
    framework = frameworks.seed_default()
    phones = select(Shop.phone).where(Shop.phone.is_not(None))
    registrations = select(Shop.registration_no).where(Shop.registration_no.is_not(None))
    draw = _Draw(set(db.session.scalars(phones)), set(db.session.scalars(registrations)))
    mine = {w.code for w in officer.wards}
    for ward, plan in zip(_pilot_wards(officer), WARD_PLANS, strict=False):
        people = {"assessor": officer if ward.code in mine else staff, "staff": staff}
        items = _make_shops(draw, ward, plan, people["assessor"])
        db.session.add_all(item.shop for item in items)
        db.session.add_all(_ward_history(draw, items, plan, framework, people))
    db.session.flush()
    return True
