"""A shop owner's self-assessment from a link: sent once, not completed until the ward's officer
confirms it (other wards' officers get 404), or discarded, which kills the link."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select, update

from core.accounts.models import Role
from core.audit import AuditEntry
from core.db import province_today
from core.errors import Conflict, NotFound, ValidationFailed
from core.extensions import db
from retail.assessments import frameworks, links, result_forms, scoring
from retail.assessments.models import (
    Assessment,
    AssessmentOrigin,
    AssessmentState,
    ShopLink,
)
from retail.shops import services as shop_services
from retail.shops.models import ShopKind
from tests import factories
from tests.permissions_retail_results import all_answers, submitted_assessment
from tests.retail.test_results_links import VI, owner_data_absent

WARD, OTHER_WARD = "26188", "25993"
EXPIRED = "Biểu mẫu đã hết hạn. Vui lòng gửi lại."


@pytest.fixture
def world(app_ctx):
    officer = factories.user(Role.OFFICER, wards=(WARD,))
    shop = shop_services.create_shop(
        {
            "name": "Sạp vải Chợ Biên Hòa",
            "owner_name": "Nguyễn Thị Ba",
            "phone": "+84912345678",
            "ward_code": WARD,
            "address": "Chợ Biên Hòa, sạp 12",
            "market": "Chợ Biên Hòa",
            "kind": ShopKind.MARKET_STALL,
        },
        officer,
    )
    framework = frameworks.seed_default()
    db.session.commit()
    return {
        "officer": officer,
        "other": factories.user(Role.OFFICER, wards=(OTHER_WARD,)),
        "staff": factories.staff(),
        "shop": shop,
        "framework": framework,
    }


def form_data(document: dict, answers: dict) -> dict:
    return {result_forms.field_name(key): str(value) for key, value in answers.items()}


def count(state: AssessmentState | None = None) -> int:
    stmt = select(func.count()).select_from(Assessment)
    if state is not None:
        stmt = stmt.where(Assessment.state == state)
    return db.session.scalar(stmt)


def completed(shop) -> bool:
    """What "the shop has completed the assessment" means: a submitted or verified one."""
    stmt = select(func.count()).where(
        Assessment.shop_id == shop.id, Assessment.state.in_(links.WITH_RESULT)
    )
    return db.session.scalar(stmt) > 0


def send(world) -> tuple[ShopLink, str, Assessment]:
    link, raw = links.create_self_link(world["shop"], world["officer"])
    document = world["framework"].document
    assessment = links.send_self_assessment(link, world["framework"], all_answers(document))
    db.session.commit()
    return link, raw, assessment


# --- the officer asks, the owner answers -------------------------------------------------------


def test_the_owner_answers_from_the_link_and_it_waits_for_the_officer(client, world):
    document = world["framework"].document
    client.login(world["officer"].email, factories.PASSWORD)
    made = client.submit(f"/retail/shops/{world['shop'].id}/self-link", token_from="/login")
    assert made.status_code == 200 and made.headers["Cache-Control"] == "private, no-store"
    url = re.search(r'id="shop-link">([^<]+)<', made.get_data(as_text=True)).group(1)
    path = "/s/" + url.rsplit("/s/", 1)[1]

    owner = client.application.test_client()  # another phone: no session of the officer's
    page = owner.get(path, headers=VI)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    owner_data_absent(html)
    assert "Sạp vải Chợ Biên Hòa" in html
    assert page.headers["X-Robots-Tag"] == "noindex" and page.headers["Cache-Control"] == "no-store"
    questions = [q for _, q in scoring.questions(document)]
    assert html.count('class="question') == len(questions)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)

    answers = all_answers(document, pick=lambda values: sorted(values)[1])
    sent = owner.post(path, data={**form_data(document, answers), "csrf_token": token}, headers=VI)
    assert sent.status_code == 200
    assert "Cảm ơn bạn, câu trả lời đã được gửi" in sent.get_data(as_text=True)

    assessment = db.session.scalars(select(Assessment)).one()
    assert assessment.origin is AssessmentOrigin.SELF
    assert assessment.state is AssessmentState.AWAITING_CONFIRMATION
    assert assessment.assessor_id is None and assessment.submitted_at is None
    expected = scoring.score(document, answers)
    assert assessment.answers == answers
    assert assessment.level == expected.level
    assert assessment.total == float(expected.total)
    assert not completed(world["shop"])  # not until the officer confirms

    # The link now only thanks; sending again saves nothing.
    again = owner.get(path, headers=VI)
    assert "không thể gửi câu trả lời lần nữa" in again.get_data(as_text=True)
    owner.post(path, data={**form_data(document, answers), "csrf_token": token})
    assert count() == 1


def test_a_partly_answered_form_is_shown_again_and_saves_nothing(client, world):
    document = world["framework"].document
    _link, raw = links.create_self_link(world["shop"], world["officer"])
    db.session.commit()
    answers = all_answers(document)
    skipped = next(iter(answers))
    del answers[skipped]
    token = client.csrf_token(f"/s/{raw}")
    response = client.post(
        f"/s/{raw}", data={**form_data(document, answers), "csrf_token": token}, headers=VI
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Còn câu hỏi chưa trả lời" in html
    assert f'id="{result_forms.field_name(skipped)}-error"' in html
    # What was answered is still chosen, so nothing has to be typed again.
    kept = result_forms.field_name(next(iter(answers)))
    assert re.search(rf'checked[^>]*name="{kept}"|name="{kept}"[^>]*checked', html)
    assert count() == 0


def test_the_public_form_needs_its_csrf_token(client, world):
    document = world["framework"].document
    _link, raw = links.create_self_link(world["shop"], world["officer"])
    db.session.commit()
    response = client.post(f"/s/{raw}", data=form_data(document, all_answers(document)), headers=VI)
    assert response.status_code == 200  # shown again, with the answers, asking to send again
    assert EXPIRED in response.get_data(as_text=True)
    assert count() == 0


def test_a_revoked_or_unknown_self_link_is_404(client, world):
    link, raw = links.create_self_link(world["shop"], world["officer"])
    links.revoke(link, world["officer"])
    db.session.commit()
    for token in (raw, "nope"):
        response = client.get(f"/s/{token}", headers=VI)
        assert response.status_code == 404
        assert "Liên kết này không còn hiệu lực" in response.get_data(as_text=True)


def test_a_link_sends_once_even_when_two_sends_race(world):
    document = world["framework"].document
    link, _raw = links.create_self_link(world["shop"], world["officer"])
    db.session.flush()
    # Another request claims the link after this one loaded it: this copy still looks unused.
    winner = submitted_assessment(world["shop"], world["officer"])
    db.session.execute(
        update(ShopLink)
        .where(ShopLink.id == link.id)
        .values(assessment_id=winner.id)
        .execution_options(synchronize_session=False)
    )
    assert link.assessment_id is None
    with pytest.raises(Conflict):
        links.send_self_assessment(link, world["framework"], all_answers(document))


def test_an_incomplete_answer_set_is_refused_by_the_service_too(world):
    link, _raw = links.create_self_link(world["shop"], world["officer"])
    answers = all_answers(world["framework"].document)
    answers.popitem()
    with pytest.raises(ValidationFailed) as refused:
        links.send_self_assessment(link, world["framework"], answers)
    assert list(refused.value.errors) == ["answers"]


# --- confirming or discarding --------------------------------------------------------------------


def test_the_wards_officer_confirms_and_then_it_counts(client, world):
    _link, raw, assessment = send(world)
    client.login(world["officer"].email, factories.PASSWORD)
    review = client.get(f"/retail/assessments/{assessment.id}/confirm", headers=VI)
    assert review.status_code == 200
    assert "Xác nhận bản tự đánh giá" in review.get_data(as_text=True)
    done = client.submit(f"/retail/assessments/{assessment.id}/confirm", token_from="/login")
    assert done.status_code == 302
    assert done.headers["Location"].endswith(f"/retail/assessments/{assessment.id}/result")
    db.session.expire_all()
    confirmed = db.session.get(Assessment, assessment.id)
    assert confirmed.state is AssessmentState.SUBMITTED
    assert confirmed.assessor_id == world["officer"].id
    assert confirmed.submitted_at is not None and confirmed.assessed_on == province_today()
    assert completed(world["shop"])
    assert db.session.scalar(
        select(func.count()).where(AuditEntry.action == "assessment.self_confirm")
    )
    assert client.get(f"/retail/assessments/{assessment.id}/result").status_code == 200
    # The owner's link still thanks them.
    assert client.get(f"/s/{raw}").status_code == 200
    with pytest.raises(Conflict):
        links.confirm(confirmed, world["officer"])


def test_another_wards_officer_gets_404_on_confirm(client, world):
    _link, _raw, assessment = send(world)
    client.login(world["other"].email, factories.PASSWORD)
    assert client.get(f"/retail/assessments/{assessment.id}/confirm").status_code == 404
    response = client.submit(f"/retail/assessments/{assessment.id}/confirm", token_from="/login")
    assert response.status_code == 404
    assert (
        client.submit(
            f"/retail/assessments/{assessment.id}/discard", token_from="/login"
        ).status_code
        == 404
    )
    db.session.expire_all()
    assert db.session.get(Assessment, assessment.id).state is AssessmentState.AWAITING_CONFIRMATION
    with pytest.raises(NotFound):
        links.confirm(assessment, world["other"])


def test_staff_may_confirm_any_ward(world):
    _link, _raw, assessment = send(world)
    links.confirm(assessment, world["staff"])
    assert assessment.state is AssessmentState.SUBMITTED


def test_discarding_removes_it_and_the_link_stops_working(client, world):
    _link, raw, assessment = send(world)
    assessment_id, shop_id = assessment.id, world["shop"].id
    client.login(world["officer"].email, factories.PASSWORD)
    done = client.submit(f"/retail/assessments/{assessment_id}/discard", token_from="/login")
    assert done.status_code == 302
    assert done.headers["Location"].endswith(f"/retail/shops/{shop_id}/self-link")
    db.session.expire_all()
    assert db.session.get(Assessment, assessment_id) is None
    assert not completed(world["shop"])
    assert client.get(f"/s/{raw}").status_code == 404


def test_a_confirmed_self_assessment_cannot_be_discarded(world):
    _link, _raw, assessment = send(world)
    links.confirm(assessment, world["officer"])
    with pytest.raises(Conflict):
        links.discard(assessment, world["officer"])
    assert db.session.get(Assessment, assessment.id) is not None


def test_the_self_link_page_lists_what_waits(client, world):
    _link, _raw, assessment = send(world)
    client.login(world["officer"].email, factories.PASSWORD)
    html = client.get(f"/retail/shops/{world['shop'].id}/self-link", headers=VI)
    text = html.get_data(as_text=True)
    assert f"/retail/assessments/{assessment.id}/confirm" in text
    assert "Đã gửi câu trả lời" in text


def test_the_shop_page_panel_links_to_what_waits(world, app):
    from flask import render_template_string

    _link, _raw, assessment = send(world)
    with app.test_request_context("/", headers=VI):
        html = render_template_string(
            '{% include "retail/results/_shop_panel.html" %}', shop=world["shop"]
        )
    assert f"/retail/assessments/{assessment.id}/confirm" in html
    assert f"/retail/shops/{world['shop'].id}/self-link" in html
