"""The staff pages: upload or paste a version, edit a draft, try it, publish it, read it."""

from __future__ import annotations

import html
import io
import json

import pytest

from core.extensions import db
from retail.assessments import frameworks, scoring
from retail.assessments.models import Framework, FrameworkState
from tests import factories
from tests.retail.test_framework_checks import valid


@pytest.fixture
def staff(client, make):
    user = make.staff()
    seed = frameworks.seed_default()
    db.session.commit()
    client.login(user.email, factories.PASSWORD)
    return {"user": user, "seed": seed}


def page_text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def upload(client, content: bytes, name: str = "framework.json"):
    return client.submit(
        "/retail/frameworks/new",
        {"file": (io.BytesIO(content), name), "document": ""},
        token_from="/retail/frameworks/new",
        content_type="multipart/form-data",
    )


def test_an_uploaded_file_becomes_a_draft_of_the_next_version(client, staff):
    document = json.loads(frameworks.SEED.read_text("utf-8"))
    document["name"]["vi"] = "Bộ câu hỏi 2027"
    response = upload(client, json.dumps(document, ensure_ascii=False).encode("utf-8"))
    assert response.status_code == 302
    draft = frameworks.draft_of("retail-dx")
    assert response.headers["Location"].endswith(f"/retail/frameworks/{draft.id}")
    assert (draft.version, draft.name_vi) == (2, "Bộ câu hỏi 2027")
    assert frameworks.current() == staff["seed"]  # nothing changes until it is published


def test_an_uploaded_file_with_problems_is_shown_with_every_problem(client, staff):
    document = valid()
    document["pillars"][1]["weight"] = 30
    document["pillars"][0]["questions"][0]["options"][1]["points"] = True
    raw = json.dumps(document, ensure_ascii=False)
    response = upload(client, raw.encode("utf-8"))
    assert response.status_code == 200
    text = page_text(response)
    assert "2 lỗi" in text or "2 problems" in text
    for line in frameworks.checks.problems(document):
        assert f"<li>{line}</li>" in text
    assert raw in text  # the file is in the text area, to be corrected there
    assert frameworks.versions("small") == []


def test_pasted_json_that_cannot_be_read_says_where(client, staff):
    response = client.submit(
        "/retail/frameworks/new?lang=en",
        {"document": '{"key": "x",\n "pillars": [}'},
        token_from="/retail/frameworks/new",
    )
    assert response.status_code == 200
    assert "The JSON is malformed at line 2, column 14" in page_text(response)


def test_an_empty_form_asks_for_a_file_or_the_json(client, staff):
    response = client.submit(
        "/retail/frameworks/new?lang=en", {}, token_from="/retail/frameworks/new"
    )
    assert "Choose a JSON file or paste the JSON of the framework." in page_text(response)


def test_a_second_draft_of_a_key_is_refused(client, staff):
    frameworks.create_draft(json.loads(frameworks.SEED.read_text("utf-8")), staff["user"])
    db.session.commit()
    response = upload(client, frameworks.SEED.read_bytes())
    assert response.status_code == 200
    assert "version 2" in page_text(response) or "phiên bản 2" in page_text(response)
    assert len(frameworks.versions("retail-dx")) == 2


def test_editing_a_draft_saves_a_valid_document(client, staff):
    draft = frameworks.create_draft(valid(), staff["user"])
    db.session.commit()
    url = f"/retail/frameworks/{draft.id}/edit"
    shown = page_text(client.get(url))
    assert frameworks.document_text(draft) in shown
    changed = valid() | {"name": {"vi": "Bộ nhỏ, bản sửa"}}
    response = client.submit(url, {"document": json.dumps(changed)}, token_from=url)
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Framework, draft.id).name_vi == "Bộ nhỏ, bản sửa"


def test_saving_a_draft_with_problems_lists_them_and_keeps_the_draft(client, staff):
    draft = frameworks.create_draft(valid(), staff["user"])
    db.session.commit()
    url = f"/retail/frameworks/{draft.id}/edit?lang=en"
    bad = valid()
    bad["levels"][1]["min"] = 0
    response = client.submit(url, {"document": json.dumps(bad)}, token_from=url)
    assert response.status_code == 200
    text = page_text(response)
    assert "1 problem: correct it and save again." in text
    assert (
        "<li>levels[1]: min 0 does not increase (the level before starts at 0); give each level "
        "a higher min</li>"
    ) in text
    db.session.expire_all()
    assert db.session.get(Framework, draft.id).document["levels"][1]["min"] == 50


def test_a_published_version_cannot_be_edited(client, staff):
    url = f"/retail/frameworks/{staff['seed'].id}/edit"
    assert client.get(url).status_code == 409
    token_page = f"/retail/frameworks/{staff['seed'].id}"
    response = client.submit(
        url, {"document": frameworks.SEED.read_text("utf-8")}, token_from=token_page
    )
    assert response.status_code == 409


def preview_query(document: dict, answers: dict) -> dict:
    query = {"score": "1"}
    for i, (_pillar, question) in enumerate(scoring.questions(document)):
        if question["key"] in answers:
            values = [o["value"] for o in question["options"]]
            query[f"q{i}"] = str(values.index(answers[question["key"]]))
    return query


MIXED = {  # test_scoring.test_a_mixed_answer_set_of_the_seed: total 215/6 = 35.83…, level 2
    "cashless_methods": 2,
    "cashless_share": 1,
    "online_presence": 1,
    "online_sales": 0,
    "origin_info": 1,
    "plan": 1,
    "spending": 0,
    "internet": 2,
    "devices": 1,
    "sales_software": 1,
    "einvoice": 1,
    "inventory": 1,
    "suppliers": 0,
    "tax_online": 1,
    "owner_skills": 1,
    "vneid": 1,
    "digital_signature": 0,
    "cyber_safety": 1,
    "training": 1,
    "customer_data": 0,
    "reports": 1,
    "backup": 0,
}


@pytest.mark.parametrize(
    ("lang", "total", "customer", "level_name"),
    [("vi", "35,8", "33,3", "Bắt đầu"), ("en", "35.8", "33.3", "Beginning")],
)
def test_preview_scores_sample_answers_in_the_pages_locale(
    client, staff, lang, total, customer, level_name
):
    seed = staff["seed"]
    query = preview_query(seed.document, MIXED) | {"lang": lang}
    response = client.get(f"/retail/frameworks/{seed.id}/preview", query_string=query)
    assert response.status_code == 200
    text = page_text(response)
    assert f'<b class="fw-number">{total}</b> / 100' in text
    assert f"<b>{customer}</b>" in text  # customer: 100/3, rounded down
    assert f"<b>{level_name}</b>" in text
    assert "<code>sells_online</code>: " in text
    assert "Not every question is answered" not in text


def test_preview_of_an_incomplete_answer_set_says_so(client, staff):
    seed = staff["seed"]
    query = preview_query(seed.document, {"cashless_methods": 4, "internet": 2}) | {"lang": "en"}
    text = page_text(client.get(f"/retail/frameworks/{seed.id}/preview", query_string=query))
    assert '<b class="fw-number">10.4</b> / 100' in text  # 125/12 = 10.41…
    assert "Not every question is answered" in text


def test_preview_without_answers_shows_only_the_form(client, staff):
    text = page_text(client.get(f"/retail/frameworks/{staff['seed'].id}/preview?lang=en"))
    assert "Score of these answers" not in text
    assert "Not answered (0 points)" in text


def test_publishing_asks_first_and_says_which_version_it_replaces(client, staff):
    draft = frameworks.create_draft(json.loads(frameworks.SEED.read_text("utf-8")), staff["user"])
    db.session.commit()
    url = f"/retail/frameworks/{draft.id}/publish"
    text = page_text(client.get(url + "?lang=en"))
    assert "Publish version 2 of" in text
    assert "It replaces version 1, published on" in text
    assert "No assessment has been made with version 1 yet." in text
    assert frameworks.current() == staff["seed"]
    response = client.submit(url, {}, token_from=url)
    assert response.status_code == 302
    db.session.expire_all()
    assert frameworks.current().id == draft.id
    assert db.session.get(Framework, draft.id).published_by_id == staff["user"].id


def test_publishing_the_first_version_of_a_key_says_so(client, staff):
    draft = frameworks.create_draft(valid(), staff["user"])
    db.session.commit()
    text = page_text(client.get(f"/retail/frameworks/{draft.id}/publish?lang=en"))
    assert "It will be the first published version of “small”" in text


def test_a_new_version_starts_as_a_copy_of_a_published_one(client, staff):
    seed = staff["seed"]
    url = f"/retail/frameworks/{seed.id}/new-draft"
    response = client.submit(url, {}, token_from=f"/retail/frameworks/{seed.id}")
    draft = frameworks.draft_of("retail-dx")
    assert response.headers["Location"].endswith(f"/retail/frameworks/{draft.id}/edit")
    assert {k: v for k, v in draft.document.items() if k != "version"} == {
        k: v for k, v in seed.document.items() if k != "version"
    }
    again = client.submit(url, {}, token_from=f"/retail/frameworks/{seed.id}")
    assert again.headers["Location"].endswith(f"/retail/frameworks/{draft.id}/edit")
    assert len(frameworks.versions("retail-dx")) == 2


def test_a_draft_can_be_discarded(client, staff):
    draft = frameworks.create_draft(valid(), staff["user"])
    db.session.commit()
    draft_id = draft.id
    response = client.submit(
        f"/retail/frameworks/{draft_id}/discard", {}, token_from=f"/retail/frameworks/{draft_id}"
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Framework, draft_id) is None


def test_the_read_page_shows_questions_options_points_and_advice(client, staff):
    text = page_text(client.get(f"/retail/frameworks/{staff['seed'].id}"))
    assert "Cửa hàng nhận thanh toán không dùng tiền mặt bằng cách nào?" in text
    assert "Chỉ nhận tiền mặt" in text
    assert "Đăng ký mã VietQR miễn phí tại ngân hàng của bạn" in text
    assert "<code>takes_digital_payment&gt;=2</code>" in response_html(client, staff)
    assert "Dẫn dắt" in text  # level 5's name


def response_html(client, staff) -> str:
    return client.get(f"/retail/frameworks/{staff['seed'].id}").get_data(as_text=True)


def test_the_list_shows_each_version_and_its_state(client, staff):
    frameworks.create_draft(json.loads(frameworks.SEED.read_text("utf-8")), staff["user"])
    db.session.commit()
    text = page_text(client.get("/retail/frameworks?lang=en"))
    assert text.count("<code>retail-dx</code>") == 2
    assert "Draft" in text and "In use" in text


def test_the_json_downloads_as_a_file(client, staff):
    response = client.get(f"/retail/frameworks/{staff['seed'].id}/document.json")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    assert "retail-dx-v1.json" in response.headers["Content-Disposition"]
    assert json.loads(response.get_data()) == staff["seed"].document


def test_an_unknown_version_is_404(client, staff):
    assert client.get("/retail/frameworks/999999").status_code == 404


def test_published_versions_are_shown_read_only(client, staff):
    text = page_text(client.get(f"/retail/frameworks/{staff['seed'].id}?lang=en"))
    assert "Edit the draft" not in text
    assert "Start a new version from this one" in text
    assert staff["seed"].state is FrameworkState.PUBLISHED
