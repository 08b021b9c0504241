"""The assessment pages without JavaScript, through the test client: each step is a plain form
that saves the draft and goes on; review, submit, result, verify, correct, history, photos, and
the JSON save the phone's script uses."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from PIL import Image

from core.accounts.models import Role
from core.extensions import db
from retail.assessments import evidence, frameworks, services
from retail.assessments.forms import field_name
from retail.assessments.models import Assessment, AssessmentState
from tests import factories
from tests.retail.test_assessments_services import (
    WARD,
    answers_where_best,
    assessed,
    fill,
    make_shop,
    pillar_answers,
)


@pytest.fixture
def officer(app_ctx):
    return factories.user(Role.OFFICER, wards=(WARD,))


@pytest.fixture
def document(app_ctx):
    return frameworks.seed_default().document


@pytest.fixture
def shop(officer, document):
    shop = make_shop(officer)
    db.session.commit()
    return shop


@pytest.fixture
def browser(client, officer):
    client.login(officer.email, factories.PASSWORD)
    return client


def form_of(document: dict, number: int, answers: dict, go: str = "next") -> dict:
    pillar = document["pillars"][number - 1]
    own = {q["key"] for q in pillar["questions"]}
    data = {field_name(k): str(v) for k, v in answers.items() if k in own}
    data["go"] = go
    return data


def draft_of(shop) -> Assessment:
    db.session.expire_all()
    return services.open_draft(shop)


def text(response) -> str:
    return response.get_data(as_text=True)


def test_an_officer_assesses_a_shop_step_by_step_without_javascript(browser, shop, document):
    start = browser.get(f"/retail/shops/{shop.id}/assess")
    assert start.status_code == 200
    assert "Bắt đầu đánh giá" in text(start)
    response = browser.submit(f"/retail/shops/{shop.id}/assess", token_from=start.request.path)
    draft = draft_of(shop)
    assert response.headers["Location"] == f"/retail/assessments/{draft.id}/step/1"

    steps = len(document["pillars"])
    answers = answers_where_best(document, "customer")
    for number in range(1, steps + 1):
        url = f"/retail/assessments/{draft.id}/step/{number}"
        page = browser.get(url)
        assert page.status_code == 200
        html = text(page)
        assert f"Bước {number}/{steps}" in html
        assert document["pillars"][number - 1]["name"]["vi"] in html
        response = browser.submit(url, form_of(document, number, answers), token_from=url)
        assert response.status_code == 302
        following = "review" if number == steps else f"step/{number + 1}"
        assert response.headers["Location"] == f"/retail/assessments/{draft.id}/{following}"

    assert draft_of(shop).answers == answers
    review = browser.get(f"/retail/assessments/{draft.id}/review")
    assert 'class="unanswered"' not in text(review)
    response = browser.submit(
        f"/retail/assessments/{draft.id}/submit", token_from=review.request.path
    )
    assert response.headers["Location"] == f"/retail/assessments/{draft.id}"
    db.session.expire_all()
    done = db.session.get(Assessment, draft.id)
    assert done.state is AssessmentState.SUBMITTED
    result = text(browser.get(f"/retail/assessments/{draft.id}"))
    # Customer best (100) and the rest worst: 100 × 25 / 100 = 25, level 1 "Khởi động".
    assert "<b>25</b>" in result
    assert "Mức 1" in result and "Khởi động" in result


def test_back_saves_the_step_and_goes_to_the_previous_one(browser, shop, document):
    draft = services.start(shop, factories.staff())
    db.session.commit()
    url = f"/retail/assessments/{draft.id}/step/2"
    answers = pillar_answers(document, "strategy", best=True)
    response = browser.submit(url, form_of(document, 2, answers, go="back"), token_from=url)
    assert response.headers["Location"] == f"/retail/assessments/{draft.id}/step/1"
    assert draft_of(shop).answers == answers
    page = text(browser.get(url))
    for key, value in answers.items():
        assert re.search(rf'name="{field_name(key)}"[^>]*value="{value}"[^>]*checked', page) or (
            re.search(rf'checked[^>]*name="{field_name(key)}"[^>]*value="{value}"', page)
        ), f"{key}={value} is not shown as chosen"


def test_a_step_left_blank_keeps_the_saved_answers(browser, shop, officer):
    draft = services.start(shop, officer)
    services.save_step(draft, 1, {"cashless_methods": 3}, officer)
    db.session.commit()
    url = f"/retail/assessments/{draft.id}/step/1"
    browser.submit(url, {"go": "next"}, token_from=url)
    assert draft_of(shop).answers == {"cashless_methods": 3}


def test_a_tampered_option_is_refused_on_the_form(browser, shop, officer):
    draft = services.start(shop, officer)
    db.session.commit()
    url = f"/retail/assessments/{draft.id}/step/1"
    response = browser.submit(url, {field_name("cashless_methods"): "9"}, token_from=url)
    assert response.status_code == 422
    assert draft_of(shop).answers == {}


def test_a_step_that_does_not_exist_is_404(browser, shop, officer):
    draft = services.start(shop, officer)
    db.session.commit()
    assert browser.get(f"/retail/assessments/{draft.id}/step/0").status_code == 404
    assert browser.get(f"/retail/assessments/{draft.id}/step/7").status_code == 404


def test_the_review_marks_unanswered_questions_and_submit_names_them(
    browser, shop, officer, document
):
    draft = services.start(shop, officer)
    answers = answers_where_best(document)
    del answers["online_sales"], answers["backup"]
    fill(draft, answers, officer)
    db.session.commit()
    review = text(browser.get(f"/retail/assessments/{draft.id}/review"))
    assert review.count('class="unanswered"') == 2
    response = browser.submit(
        f"/retail/assessments/{draft.id}/submit",
        token_from=f"/retail/assessments/{draft.id}/review",
        follow_redirects=True,
    )
    html = text(response)
    texts = {q["key"]: q["text"]["vi"] for p in document["pillars"] for q in p["questions"]}
    assert texts["online_sales"] in html and texts["backup"] in html
    assert draft_of(shop).state is AssessmentState.DRAFT


def test_a_returning_officer_continues_at_the_first_open_step(browser, shop, officer, document):
    draft = services.start(shop, officer)
    services.save_step(draft, 1, pillar_answers(document, "customer", best=True), officer)
    db.session.commit()
    response = browser.get(f"/retail/shops/{shop.id}/assess")
    assert response.headers["Location"] == f"/retail/assessments/{draft.id}/step/2"


@pytest.mark.parametrize(
    ("lang", "pillar", "total"), [("vi", "73,3", "18,3"), ("en", "73.3", "18.3")]
)
def test_the_result_shows_scores_to_one_decimal_in_the_pages_language(
    browser, shop, officer, document, lang, pillar, total
):
    # Customer best except cashless_methods (worth 4 of the pillar's 4+3+3+3+2 = 15 points):
    # 11/15 = 73.33…; total 73.33… × 25 / 100 = 18.33….
    answers = answers_where_best(document, "customer") | {"cashless_methods": 0}
    done = assessed(shop, answers, officer, dt.date(2026, 3, 1))
    db.session.commit()
    html = text(browser.get(f"/retail/assessments/{done.id}?lang={lang}"))
    assert f"<b>{total}</b>" in html
    assert f">{pillar} " in html or f">{pillar}<" in html


def test_verify_and_correct_from_the_result_page(browser, shop, officer, document):
    done = assessed(shop, answers_where_best(document), officer, dt.date(2026, 3, 1))
    db.session.commit()
    page = text(browser.get(f"/retail/assessments/{done.id}"))
    assert f"/retail/assessments/{done.id}/verify" in page
    browser.submit(
        f"/retail/assessments/{done.id}/verify", token_from=f"/retail/assessments/{done.id}"
    )
    db.session.expire_all()
    assert db.session.get(Assessment, done.id).state is AssessmentState.VERIFIED
    page = text(browser.get(f"/retail/assessments/{done.id}"))
    assert f"/retail/assessments/{done.id}/verify" not in page
    # The verified assessment's steps are closed: a form posted to them changes nothing.
    url = f"/retail/assessments/{done.id}/step/1"
    assert browser.get(url).headers["Location"] == f"/retail/assessments/{done.id}"
    response = browser.submit(url, {field_name("cashless_methods"): "4"}, token_from="/login")
    assert response.headers["Location"] == f"/retail/assessments/{done.id}"
    db.session.expire_all()
    assert db.session.get(Assessment, done.id).answers["cashless_methods"] == 0

    response = browser.submit(
        f"/retail/assessments/{done.id}/correct", token_from=f"/retail/assessments/{done.id}"
    )
    fix = draft_of(shop)
    assert fix.corrects_id == done.id
    assert response.headers["Location"] == f"/retail/assessments/{fix.id}/review"


def test_the_history_page_shows_the_change_of_each_pillar_and_the_level(
    browser, shop, officer, document
):
    assessed(shop, answers_where_best(document, "customer"), officer, dt.date(2026, 1, 10))
    assessed(shop, answers_where_best(document, "operations"), officer, dt.date(2026, 7, 10))
    db.session.commit()
    html = text(browser.get(f"/retail/shops/{shop.id}/assessments"))
    # Customer 100 → 0, operations 0 → 100; total 25 → 25 (same level 1).
    assert '<span class="change down">−100</span>' in html
    assert '<span class="change up">+100</span>' in html
    assert html.index("10/07/2026") < html.index("10/01/2026")  # newest first
    assert "Đến hạn đánh giá lại từ ngày 10/01/2027" in html


def test_the_shop_page_links_to_the_assessment(browser, shop):
    html = text(browser.get(f"/retail/shops/{shop.id}"))
    assert f"/retail/shops/{shop.id}/assess" in html
    assert f"/retail/shops/{shop.id}/assessments" in html


# --- the phone's JSON save ----------------------------------------------------------------------


def json_save(client, draft, body, token=True):
    headers = {"Accept": "application/json"}
    if token:
        headers["X-CSRFToken"] = client.csrf_token("/login")
    return client.post(f"/retail/assessments/{draft.id}/answers", json=body, headers=headers)


def test_the_json_save_stores_a_step_and_a_replay_is_harmless(browser, shop, officer):
    draft = services.start(shop, officer)
    db.session.commit()
    body = {"step": 1, "answers": {"cashless_methods": 2, "cashless_share": 1}}
    for _ in range(2):
        response = json_save(browser, draft, body)
        assert response.status_code == 200, text(response)
        assert response.get_json()["answered"] == 2
    assert draft_of(shop).answers == body["answers"]
    assert draft_of(shop).step == 1


def test_the_json_save_needs_the_csrf_header(browser, shop, officer):
    draft = services.start(shop, officer)
    db.session.commit()
    response = json_save(browser, draft, {"step": 1, "answers": {"cashless_methods": 2}}, False)
    assert response.status_code == 400
    assert draft_of(shop).answers == {}


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"step": 1, "answers": {"cashless_methods": 9}}, 422),
        ({"step": 1, "answers": {"cashless_methods": "2"}}, 422),  # a string is not an option
        ({"step": 2, "answers": {"cashless_methods": 2}}, 422),  # not a question of step 2
        ({"answers": []}, 422),
        ({}, 422),
    ],
)
def test_the_json_save_refuses_what_is_not_an_answer(browser, shop, officer, body, status):
    draft = services.start(shop, officer)
    db.session.commit()
    response = json_save(browser, draft, body)
    assert response.status_code == status
    assert set(response.get_json()) == {"code", "status", "message", "errors"}
    assert draft_of(shop).answers == {}


def test_the_json_save_of_a_submitted_assessment_is_a_conflict(browser, shop, officer, document):
    done = assessed(shop, answers_where_best(document), officer, dt.date(2026, 3, 1))
    db.session.commit()
    response = json_save(browser, done, {"step": 1, "answers": {"cashless_methods": 4}})
    assert response.status_code == 409
    assert response.get_json()["code"] == 409


# --- photo evidence -----------------------------------------------------------------------------


def jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (800, 600), "teal")
    exif = Image.Exif()
    exif[0x8825] = {2: (10.0, 57.0, 0.0), 4: (106.0, 49.0, 0.0)}  # GPS latitude/longitude
    exif[0x0110] = "Phone model 1"
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def upload(client, draft, data: bytes, name="shop.jpg"):
    url = f"/retail/assessments/{draft.id}/photo"
    return client.submit(
        url,
        {"image": (io.BytesIO(data), name)},
        token_from=f"/retail/assessments/{draft.id}/review",
        content_type="multipart/form-data",
    )


def test_a_photo_is_re_encoded_without_metadata_and_served_to_the_ward(browser, shop, officer, app):
    draft = services.start(shop, officer)
    db.session.commit()
    response = upload(browser, draft, jpeg_with_gps())
    assert response.status_code == 302, text(response)[:500]
    stored = draft_of(shop)
    path = evidence.photo_file(stored)
    assert path is not None and path.parent.name == "assessments"
    with Image.open(path) as saved:
        assert saved.format == "JPEG"
        assert not saved.getexif()
    photo = browser.get(f"/retail/assessments/{draft.id}/photo")
    assert photo.status_code == 200
    assert photo.headers["Cache-Control"] == "private, no-store"
    assert photo.data == path.read_bytes()
    photo.close()


def test_a_file_that_is_not_an_image_is_refused(browser, shop, officer):
    draft = services.start(shop, officer)
    db.session.commit()
    response = upload(browser, draft, b"%PDF-1.4 not a photo", name="shop.jpg")
    assert response.status_code == 422
    assert "JPEG" in text(response)
    assert draft_of(shop).photo_path is None


def test_removing_the_photo_deletes_its_file(browser, shop, officer):
    draft = services.start(shop, officer)
    db.session.commit()
    upload(browser, draft, jpeg_with_gps())
    path = evidence.photo_file(draft_of(shop))
    browser.submit(
        f"/retail/assessments/{draft.id}/photo/delete",
        token_from=f"/retail/assessments/{draft.id}/review",
    )
    assert draft_of(shop).photo_path is None
    assert not path.exists()


def test_a_rolled_back_upload_leaves_no_file(shop, officer):
    draft = services.start(shop, officer)
    db.session.commit()
    evidence.add_photo(draft, io.BytesIO(jpeg_with_gps()), officer)
    path = evidence.photo_file(draft)
    assert path.exists()
    db.session.rollback()
    assert not path.exists()


def test_a_correction_shares_the_photo_until_it_replaces_it(shop, officer, document):
    draft = services.start(shop, officer)
    evidence.add_photo(draft, io.BytesIO(jpeg_with_gps()), officer)
    fill(draft, answers_where_best(document), officer)
    services.submit(draft, officer)
    fix = services.correct(draft, officer)
    shared = evidence.photo_file(draft)
    assert evidence.photo_file(fix) == shared
    evidence.remove_photo(fix, officer)
    assert shared.exists()  # the submitted assessment still shows it
    assert evidence.photo_file(draft) == shared


def test_a_submitted_assessments_photo_cannot_change(shop, officer, document):
    from core.errors import Conflict

    done = assessed(shop, answers_where_best(document), officer, dt.date(2026, 3, 1))
    with pytest.raises(Conflict):
        evidence.add_photo(done, io.BytesIO(jpeg_with_gps()), officer)
