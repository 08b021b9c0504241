"""Result links: only a hash is stored, revoked and unknown links are 404, the public page hides
the owner, and the result page shows the level, the chart, the change and the next steps."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass

import pytest
from sqlalchemy import select

from core.accounts.models import Role, User
from core.audit import AuditEntry
from core.errors import Conflict, NotFound
from core.extensions import db
from core.formatting import format_number
from retail.assessments import frameworks, links
from retail.assessments.models import (
    AssessmentState,
    Framework,
    FrameworkState,
    LinkPurpose,
    ShopLink,
)
from retail.shops import rules
from retail.shops import services as shop_services
from retail.shops.models import Shop, ShopKind
from tests import factories
from tests.permissions_retail_results import all_answers, submitted_assessment

WARD, OTHER_WARD = "26188", "25993"
OWNER, PHONE = "Nguyễn Thị Ba", "+84912345678"
VI = {"Accept-Language": "vi-VN,vi;q=0.9"}


@dataclass
class World:
    officer: User
    other_officer: User
    staff: User
    shop: Shop
    framework: Framework


@pytest.fixture
def world(app_ctx) -> World:
    officer = factories.user(Role.OFFICER, wards=(WARD,))
    shop = shop_services.create_shop(
        {
            "name": "Tạp hóa Cô Ba",
            "owner_name": OWNER,
            "phone": PHONE,
            "ward_code": WARD,
            "address": "12 Đường số 3",
            "kind": ShopKind.GROCERY,
        },
        officer,
    )
    made = World(
        officer=officer,
        other_officer=factories.user(Role.OFFICER, wards=(OTHER_WARD,)),
        staff=factories.staff(),
        shop=shop,
        framework=frameworks.seed_default(),
    )
    db.session.commit()
    return made


def owner_data_absent(html: str) -> None:
    """Neither the owner's name nor the phone, in any way it is written, is on the page."""
    national = rules.show_phone(PHONE)
    for secret in (OWNER, PHONE, national, national.replace(" ", ""), "912345678"):
        assert secret not in html, secret


def login(client, user: User) -> None:
    client.login(user.email, factories.PASSWORD)


# --- the link's lifecycle -------------------------------------------------------------------


def test_only_the_hash_of_a_link_is_stored(world):
    assessment = submitted_assessment(world.shop, world.officer)
    link, raw = links.create_result_link(assessment, world.officer)
    db.session.commit()
    assert len(raw) >= 43  # token_urlsafe(32): 256 random bits
    assert link.token_hash == hashlib.sha256(raw.encode()).hexdigest()
    row = db.session.execute(select(ShopLink.__table__).where(ShopLink.id == link.id)).one()
    assert raw not in repr(tuple(row))
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.action.like("shop_link.%")))
    assert all(raw not in repr(e.detail) for e in entries)
    assert links.find(raw, LinkPurpose.RESULT) is link


def test_two_links_never_share_a_token(world):
    assessment = submitted_assessment(world.shop, world.officer)
    tokens = {links.create_result_link(assessment, world.officer)[1] for _ in range(5)}
    assert len(tokens) == 5


def test_find_refuses_revoked_unknown_other_purpose_and_overlong_tokens(world):
    assessment = submitted_assessment(world.shop, world.officer)
    link, raw = links.create_result_link(assessment, world.officer)
    assert links.find(raw, LinkPurpose.SELF_ASSESSMENT) is None
    assert links.find(raw + "x", LinkPurpose.RESULT) is None
    assert links.find("x" * 65, LinkPurpose.RESULT) is None
    assert links.find("", LinkPurpose.RESULT) is None
    links.revoke(link, world.officer)
    assert links.find(raw, LinkPurpose.RESULT) is None


def test_a_draft_has_no_result_to_send(world):
    draft = submitted_assessment(world.shop, world.officer)
    draft.state = AssessmentState.DRAFT
    with pytest.raises(Conflict):
        links.create_result_link(draft, world.officer)


def test_another_wards_officer_cannot_make_or_revoke_links(world):
    assessment = submitted_assessment(world.shop, world.officer)
    with pytest.raises(NotFound):
        links.create_result_link(assessment, world.other_officer)
    link, _raw = links.create_result_link(assessment, world.staff)
    with pytest.raises(NotFound):
        links.revoke(link, world.other_officer)
    with pytest.raises(NotFound):
        links.create_self_link(world.shop, world.other_officer)


def test_revoking_is_audited_and_happens_once(world):
    assessment = submitted_assessment(world.shop, world.officer)
    link, _raw = links.create_result_link(assessment, world.officer)
    links.revoke(link, world.officer)
    first = link.revoked_at
    links.revoke(link, world.officer)
    assert link.revoked_at == first
    actions = db.session.scalars(
        select(AuditEntry.action).where(AuditEntry.object_type == "shop_links")
    ).all()
    assert actions.count("shop_link.revoke") == 1 and actions.count("shop_link.create") == 1


# --- the public page --------------------------------------------------------------------------


def test_the_public_page_shows_the_result_and_hides_the_owner(client, world):
    assessment = submitted_assessment(world.shop, world.officer)
    _link, raw = links.create_result_link(assessment, world.officer)
    db.session.commit()
    response = client.get(f"/r/{raw}", headers=VI)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Tạp hóa Cô Ba" in html and "Phường Tân Triều" in html
    owner_data_absent(html)
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Robots-Tag"] == "noindex"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert html.count('class="bar"') == 6  # the chart, drawn on the server
    assert "Create a link" not in html and "/links" not in html  # no officer controls


@pytest.mark.parametrize("revoked", [True, False], ids=["revoked", "unknown"])
def test_a_revoked_or_unknown_link_is_a_kind_404_in_vietnamese(client, world, revoked):
    assessment = submitted_assessment(world.shop, world.officer)
    link, raw = links.create_result_link(assessment, world.officer)
    if revoked:
        links.revoke(link, world.officer)
    else:
        raw = raw[:-4] + "AAAA"
    db.session.commit()
    response = client.get(f"/r/{raw}", headers=VI)
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert "Liên kết này không còn hiệu lực" in html
    assert "cán bộ" in html  # ask the officer for a new link
    assert "Tạp hóa Cô Ba" not in html
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Robots-Tag"] == "noindex"


def test_public_link_pages_are_rate_limited(client, world, app, monkeypatch):
    monkeypatch.setitem(app.config, "RATELIMIT_SHOP_LINKS", "2 per minute")
    codes = [client.get("/r/not-a-token").status_code for _ in range(3)]
    assert codes == [404, 404, 429]


# --- the officer's page: making, showing and revoking links ----------------------------------


def test_the_officer_makes_a_link_that_is_shown_once_and_opens_the_result(client, world):
    assessment = submitted_assessment(world.shop, world.officer)
    db.session.commit()
    login(client, world.officer)
    page = client.get(f"/retail/assessments/{assessment.id}/result", headers=VI)
    assert page.status_code == 200
    made = client.submit(f"/retail/assessments/{assessment.id}/links", token_from="/login")
    assert made.status_code == 200
    assert made.headers["Cache-Control"] == "private, no-store"
    html = made.get_data(as_text=True)
    url = re.search(r'id="shop-link">([^<]+)<', html).group(1)
    assert url.startswith("https://trace.example.vn/r/")
    assert '<svg xmlns="http://www.w3.org/2000/svg" class="qr"' in html
    token = url.rsplit("/", 1)[1]
    # The result page lists the link, never its token again.
    again = client.get(f"/retail/assessments/{assessment.id}/result").get_data(as_text=True)
    assert token not in again and "/retail/links/" in again


def test_the_officer_revokes_a_link_after_being_asked(client, world):
    assessment = submitted_assessment(world.shop, world.officer)
    link, raw = links.create_result_link(assessment, world.officer)
    db.session.commit()
    login(client, world.officer)
    ask = client.get(f"/retail/links/{link.id}/revoke")
    assert ask.status_code == 200 and "danger" in ask.get_data(as_text=True)
    assert client.get(f"/r/{raw}").status_code == 200  # asking revoked nothing
    done = client.submit(f"/retail/links/{link.id}/revoke", token_from="/login")
    assert done.status_code == 302
    assert done.headers["Location"].endswith(f"/retail/assessments/{assessment.id}/result")
    assert client.get(f"/r/{raw}").status_code == 404


def test_another_wards_officer_gets_404_on_the_result_page(client, world):
    assessment = submitted_assessment(world.shop, world.officer)
    db.session.commit()
    login(client, world.other_officer)
    assert client.get(f"/retail/assessments/{assessment.id}/result").status_code == 404


def test_a_draft_has_no_result_page(client, world):
    draft = submitted_assessment(world.shop, world.officer)
    draft.state = AssessmentState.DRAFT
    db.session.commit()
    login(client, world.officer)
    response = client.get(f"/retail/assessments/{draft.id}/result", headers=VI)
    assert response.status_code == 409


# --- what the result shows ------------------------------------------------------------------


def best_in(document: dict, pillar_key: str) -> dict:
    """Every question at its lowest option, except `pillar_key`'s at their best."""
    answers = all_answers(document, pick=min)
    for pillar in document["pillars"]:
        if pillar["key"] == pillar_key:
            for q in pillar["questions"]:
                answers[q["key"]] = max(q["options"], key=lambda o: o["points"])["value"]
    return answers


def test_the_first_assessment_says_so(client, world):
    assessment = submitted_assessment(world.shop, world.officer)
    db.session.commit()
    login(client, world.officer)
    html = client.get(f"/retail/assessments/{assessment.id}/result", headers=VI)
    assert "Lần đánh giá đầu tiên của cửa hàng." in html.get_data(as_text=True)
    assert links.previous_of(assessment) is None


def test_the_change_since_the_previous_assessment(client, world):
    document = world.framework.document
    start = dt.datetime(2026, 3, 2, 3, 0, tzinfo=dt.UTC)
    first = submitted_assessment(world.shop, world.officer, when=start)  # every pillar 0
    # A draft and a self-assessment waiting in between are not "the previous assessment".
    between = submitted_assessment(world.shop, world.officer, when=start + dt.timedelta(days=9))
    between.state = AssessmentState.AWAITING_CONFIRMATION
    second = submitted_assessment(
        world.shop,
        world.officer,
        best_in(document, "customer"),
        when=start + dt.timedelta(days=180),
    )
    db.session.commit()
    assert links.previous_of(second) is first
    # Customer at its best: 100; the others 0. Total = 100 × 25 (its weight) / 100 = 25,
    # which reaches level 1 (min 10) but not 2 (min 30). Before: everything 0, level 0.
    result = links.result_of(second, "vi")
    assert (second.total, second.level) == (25, 1)
    assert result.level_change == 1 and result.total_change == 25
    changes = {p.key: p.change for p in result.pillars}
    assert changes == {key: (100 if key == "customer" else 0) for key in changes}

    login(client, world.officer)
    html = client.get(f"/retail/assessments/{second.id}/result", headers=VI).get_data(as_text=True)
    assert "02/03/2026" in html  # the date of the previous one, as Vietnamese write it
    assert '<span class="up">+100</span>' in html
    assert '<span class="up">+25</span>' in html and '<span class="up">+1</span>' in html
    assert html.count("±0") == 5
    assert html.count('class="previous"') >= 6  # a tick per pillar (and the legend's)


def test_numbers_follow_the_page_language(client, world):
    document = world.framework.document
    # The first pillar's first question at its second-lowest option: some odd share of 100.
    answers = all_answers(document, pick=min)
    first_q = document["pillars"][0]["questions"][0]
    answers[first_q["key"]] = sorted(o["value"] for o in first_q["options"])[1]
    assessment = submitted_assessment(world.shop, world.officer, answers)
    db.session.commit()
    login(client, world.officer)
    for lang in ("vi", "en"):
        html = client.get(f"/retail/assessments/{assessment.id}/result?lang={lang}")
        shown = format_number(round(assessment.total, 1), lang)
        assert f"<b>{shown}</b>/100" in html.get_data(as_text=True)


ADVICE_DOC = {
    "key": "results-test",
    "version": 1,
    "name": {"vi": "Bộ thử"},
    "levels": [
        {"level": 0, "min": 0, "name": {"vi": "Chưa", "en": "None"}},
        {"level": 1, "min": 50, "name": {"vi": "Có", "en": "Some"}},
    ],
    "pillars": [
        {
            "key": "pay",
            "weight": 50,
            "name": {"vi": "Thanh toán"},
            "questions": [
                {
                    "key": f"p{i}",
                    "text": {"vi": f"Câu p{i}"},
                    "options": [
                        {
                            "value": 0,
                            "points": 0,
                            "label": {"vi": "Không"},
                            "advice": {"vi": f"Lời khuyên p{i}"},
                        },
                        {"value": 1, "points": i, "label": {"vi": "Có"}},
                    ],
                }
                for i in (1, 2, 3, 4)
            ],
        },
        {
            "key": "sell",
            "weight": 50,
            "name": {"vi": "Bán hàng"},
            "questions": [
                {
                    "key": "s1",
                    "text": {"vi": "Câu s1"},
                    "options": [
                        {
                            "value": 0,
                            "points": 0,
                            "label": {"vi": "Không"},
                            "advice": {"vi": "Mở trang bán hàng <online>"},
                        },
                        {"value": 1, "points": 1, "label": {"vi": "Có"}},
                    ],
                }
            ],
        },
    ],
}


def test_the_three_most_useful_next_steps_are_shown_in_order(client, world):
    framework = Framework(
        key=ADVICE_DOC["key"],
        version=1,
        name_vi="Bộ thử",
        document=ADVICE_DOC,
        state=FrameworkState.PUBLISHED,
    )
    db.session.add(framework)
    answers = {"p1": 0, "p2": 0, "p3": 0, "p4": 0, "s1": 0}
    assessment = submitted_assessment(world.shop, world.officer, answers, framework=framework)
    db.session.commit()
    # Pillar "pay" has max 1+2+3+4 = 10 points; "sell" max 1. Gains in total score:
    # p1 1×50/10 = 5, p2 10, p3 15, p4 20, s1 1×50/1 = 50 → s1, p4, p3.
    login(client, world.officer)
    html = client.get(f"/retail/assessments/{assessment.id}/result", headers=VI)
    steps = re.findall(r'<span class="step-text">([^<]+)</span>', html.get_data(as_text=True))
    assert steps == ["Mở trang bán hàng &lt;online&gt;", "Lời khuyên p4", "Lời khuyên p3"]
