"""Assessment services: drafts saved step by step, submission, verification, corrections, history,
re-assessment dates. Expected scores are worked out by hand from the framework's weights."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from core.accounts.models import Role
from core.audit import AuditEntry
from core.db import province_today
from core.errors import Conflict, Forbidden, ValidationFailed
from core.extensions import db
from retail.assessments import frameworks, scoring, services
from retail.assessments.models import AssessmentState
from retail.shops import services as shop_services
from retail.shops.models import ShopKind, ShopState
from tests import factories

WARD = "26188"
OTHER_WARD = "25993"


def make_shop(officer, **fields):
    data = {
        "name": f"Tạp hóa {factories.unique()}",
        "owner_name": "Trần Văn Tư",
        "phone": f"+8491{factories.unique():07d}",
        "ward_code": WARD,
        "address": f"{factories.unique()} Đường số 9",
        "kind": ShopKind.GROCERY,
    }
    data.update(fields)
    return shop_services.create_shop(data, officer)


def pillar_answers(document: dict, key: str, best: bool) -> dict:
    """One pillar's questions answered with their best (or worst) option."""
    pillar = next(p for p in document["pillars"] if p["key"] == key)
    pick = max if best else min
    return {
        q["key"]: pick(q["options"], key=lambda o: o["points"])["value"]
        for q in pillar["questions"]
    }


def answers_where_best(document: dict, *best_pillars: str) -> dict:
    """Every question answered: best option in the named pillars, worst elsewhere."""
    answers = {}
    for pillar in document["pillars"]:
        answers |= pillar_answers(document, pillar["key"], pillar["key"] in best_pillars)
    return answers


def step_of(document: dict, key: str) -> int:
    return [p["key"] for p in document["pillars"]].index(key) + 1


def fill(assessment, answers: dict, actor) -> None:
    """Save the answers step by step, as the pages do."""
    document = assessment.framework.document
    for number, pillar in enumerate(document["pillars"], start=1):
        own = {q["key"] for q in pillar["questions"]}
        services.save_step(
            assessment, number, {k: v for k, v in answers.items() if k in own}, actor
        )


def assessed(shop, answers: dict, actor, on: dt.date):
    """A submitted assessment of `shop` with these answers, dated `on`."""
    assessment = services.start(shop, actor)
    fill(assessment, answers, actor)
    services.submit(assessment, actor)
    assessment.assessed_on = on
    db.session.flush()
    return assessment


@pytest.fixture
def officer(app_ctx):
    return factories.user(Role.OFFICER, wards=(WARD,))


@pytest.fixture
def framework(app_ctx):
    return frameworks.seed_default()


@pytest.fixture
def document(framework):
    return framework.document


@pytest.fixture
def shop(officer, framework):
    return make_shop(officer)


# --- start --------------------------------------------------------------------------------------


def test_start_makes_a_draft_with_the_current_framework(shop, officer, framework):
    draft = services.start(shop, officer)
    assert draft.state is AssessmentState.DRAFT
    assert draft.framework_id == framework.id
    assert draft.assessor_id == officer.id
    assert draft.answers == {} and draft.step == 0


def test_starting_again_returns_the_open_draft_even_for_another_officer(shop, officer):
    first = services.start(shop, officer)
    colleague = factories.user(Role.OFFICER, wards=(WARD,))
    assert services.start(shop, colleague).id == first.id
    assert services.start(shop, factories.staff()).id == first.id


def test_a_closed_shop_is_not_assessed(shop, officer):
    shop.state = ShopState.CLOSED
    with pytest.raises(Conflict):
        services.start(shop, officer)


def test_start_without_a_published_framework_is_refused(app_ctx, officer):
    shop = make_shop(officer)
    assert frameworks.current() is None
    with pytest.raises(Conflict):
        services.start(shop, officer)
    assert services.open_draft(shop) is None


# --- saving steps -------------------------------------------------------------------------------


def test_save_step_merges_the_pillars_answers_and_remembers_the_step(shop, officer, document):
    draft = services.start(shop, officer)
    customer = pillar_answers(document, "customer", best=True)
    services.save_step(draft, 1, customer, officer)
    strategy = pillar_answers(document, "strategy", best=False)
    services.save_step(draft, step_of(document, "strategy"), strategy, officer)
    assert draft.answers == customer | strategy
    assert draft.step == step_of(document, "strategy")


def test_save_step_twice_is_harmless(shop, officer, document):
    draft = services.start(shop, officer)
    customer = pillar_answers(document, "customer", best=True)
    services.save_step(draft, 1, customer, officer)
    db.session.commit()
    changed_at = draft.updated_at
    services.save_step(draft, 1, dict(customer), officer)
    db.session.commit()
    assert draft.answers == customer
    assert draft.updated_at == changed_at


def test_a_later_save_of_the_same_step_changes_the_answer(shop, officer):
    draft = services.start(shop, officer)
    services.save_step(draft, 1, {"cashless_methods": 1}, officer)
    services.save_step(draft, 1, {"cashless_methods": 3}, officer)
    assert draft.answers == {"cashless_methods": 3}


def test_none_clears_an_answer(shop, officer):
    draft = services.start(shop, officer)
    services.save_step(draft, 1, {"cashless_methods": 2, "cashless_share": 1}, officer)
    services.save_step(draft, 1, {"cashless_share": None}, officer)
    assert draft.answers == {"cashless_methods": 2}


@pytest.mark.parametrize(
    ("step", "answers", "field"),
    [
        (1, {"cashless_methods": 9}, "answers"),  # not an option
        (1, {"cashless_methods": True}, "answers"),  # a boolean is not an option value
        (1, {"no_such_question": 1}, "answers"),
        (1, {"einvoice": 1}, "answers"),  # a question of the operations pillar
        (0, {"cashless_methods": 1}, "step"),
        (7, {"cashless_methods": 1}, "step"),
        (None, {"no_such_question": 1}, "answers"),
    ],
)
def test_save_step_refuses_answers_the_framework_does_not_have(shop, officer, step, answers, field):
    draft = services.start(shop, officer)
    with pytest.raises(ValidationFailed) as caught:
        services.save_step(draft, step, answers, officer)
    assert field in caught.value.errors
    assert draft.answers == {}


def test_without_a_step_answers_of_any_pillar_are_saved(shop, officer):
    draft = services.start(shop, officer)
    services.save_step(draft, None, {"cashless_methods": 2, "einvoice": 1}, officer)
    assert draft.answers == {"cashless_methods": 2, "einvoice": 1}
    assert draft.step == 0


# --- submitting ---------------------------------------------------------------------------------


def test_submit_refuses_an_incomplete_draft_naming_the_questions_per_pillar(
    shop, officer, document
):
    draft = services.start(shop, officer)
    answers = answers_where_best(document)
    skipped = {"online_sales": "customer", "backup": "data"}
    for key in skipped:
        answers.pop(key)
    fill(draft, answers, officer)
    with pytest.raises(ValidationFailed) as caught:
        services.submit(draft, officer)
    errors = caught.value.errors
    assert set(errors) == set(skipped.values())
    texts = {q["key"]: q["text"]["vi"] for _, q in scoring.questions(document)}
    for key, pillar in skipped.items():
        assert texts[key] in errors[pillar][0]
    assert draft.state is AssessmentState.DRAFT and draft.total is None


def test_submit_stores_the_scores_of_the_framework(shop, officer, document):
    # Best answers in customer (weight 25) and operations (weight 25), worst elsewhere:
    # those pillars score 100, the others 0, the total is (100×25 + 100×25) / 100 = 50: level 3,
    # exactly at its threshold.
    draft = services.start(shop, officer)
    fill(draft, answers_where_best(document, "customer", "operations"), officer)
    services.submit(draft, officer)
    assert draft.state is AssessmentState.SUBMITTED
    assert draft.pillar_scores == {
        "customer": 100.0,
        "strategy": 0.0,
        "infrastructure": 0.0,
        "operations": 100.0,
        "skills": 0.0,
        "data": 0.0,
    }
    assert draft.total == 50.0
    assert draft.level == 3
    assert draft.flags == {
        "takes_digital_payment": True,
        "online_presence": True,
        "sells_online": True,
        "uses_einvoice": True,
    }
    assert draft.assessed_on == province_today()
    assert draft.submitted_at is not None
    assert services.completed(shop)


def test_stored_scores_equal_the_scoring_function(shop, officer, document):
    draft = services.start(shop, officer)
    answers = answers_where_best(document, "skills")
    answers |= {"cashless_methods": 2, "devices": 1, "customer_data": 1}
    fill(draft, answers, officer)
    services.submit(draft, officer)
    expected = scoring.score(document, answers).as_json()
    assert draft.pillar_scores == expected["pillars"]
    assert draft.total == expected["total"]
    assert draft.level == expected["level"]
    assert draft.flags == expected["flags"]


def test_submit_is_audited_without_personal_data(shop, officer, document):
    draft = services.start(shop, officer)
    fill(draft, answers_where_best(document), officer)
    services.submit(draft, officer)
    entry = db.session.scalars(
        select(AuditEntry).where(
            AuditEntry.action == "assessment.submit", AuditEntry.object_id == str(draft.id)
        )
    ).one()
    assert entry.detail["level"] == 0
    text = str(entry.detail)
    assert shop.owner_name not in text and shop.phone not in text


def test_a_draft_does_not_complete_the_assessment(shop, officer, document):
    draft = services.start(shop, officer)
    fill(draft, answers_where_best(document), officer)
    assert not services.completed(shop)


def test_a_submitted_assessment_cannot_be_submitted_or_changed_again(shop, officer, document):
    draft = services.start(shop, officer)
    fill(draft, answers_where_best(document), officer)
    services.submit(draft, officer)
    with pytest.raises(Conflict):
        services.submit(draft, officer)
    with pytest.raises(Conflict):
        services.save_step(draft, 1, {"cashless_methods": 4}, officer)
    assert draft.answers["cashless_methods"] == 0


# --- verifying ----------------------------------------------------------------------------------


@pytest.fixture
def submitted(shop, officer, document):
    draft = services.start(shop, officer)
    fill(draft, answers_where_best(document, "customer"), officer)
    return services.submit(draft, officer)


def test_the_wards_officer_verifies_and_it_becomes_read_only(submitted, officer):
    services.verify(submitted, officer)
    assert submitted.state is AssessmentState.VERIFIED
    assert submitted.verified_by_id == officer.id and submitted.verified_at is not None
    with pytest.raises(Conflict):
        services.verify(submitted, officer)
    with pytest.raises(Conflict):
        services.save_step(submitted, 1, {"cashless_methods": 0}, officer)
    with pytest.raises(Conflict):
        services.submit(submitted, officer)


def test_staff_verify(submitted):
    staff = factories.staff()
    services.verify(submitted, staff)
    assert submitted.verified_by_id == staff.id


def test_an_officer_of_another_ward_cannot_verify(submitted):
    other = factories.user(Role.OFFICER, wards=(OTHER_WARD,))
    with pytest.raises(Forbidden):
        services.verify(submitted, other)
    assert submitted.state is AssessmentState.SUBMITTED


def test_a_producer_cannot_verify(submitted):
    _producer, producer_user = factories.producer()
    with pytest.raises(Forbidden):
        services.verify(submitted, producer_user)


def test_a_draft_cannot_be_verified(shop, officer):
    draft = services.start(shop, officer)
    with pytest.raises(Conflict):
        services.verify(draft, officer)


# --- corrections --------------------------------------------------------------------------------


def test_a_correction_is_a_new_draft_with_the_same_answers(submitted, officer):
    services.verify(submitted, officer)
    fix = services.correct(submitted, officer)
    assert fix.id != submitted.id
    assert fix.state is AssessmentState.DRAFT
    assert fix.corrects_id == submitted.id
    assert fix.answers == submitted.answers
    assert fix.framework_id == submitted.framework_id
    assert submitted.state is AssessmentState.VERIFIED  # the original is untouched
    assert services.correct(submitted, officer).id == fix.id  # asking again: the same draft


def test_a_correction_keeps_the_old_framework_version(submitted, officer, framework):
    from retail.assessments.models import Framework, FrameworkState

    newer = Framework(
        key=framework.key,
        version=framework.version + 1,
        name_vi=framework.name_vi,
        document=framework.document | {"version": framework.version + 1},
        state=FrameworkState.PUBLISHED,
    )
    db.session.add(newer)
    db.session.flush()
    assert services.correct(submitted, officer).framework_id == framework.id
    assert services.start(make_shop(officer), officer).framework_id == newer.id


def test_no_correction_while_another_draft_is_open(submitted, officer, shop):
    services.start(shop, officer)
    with pytest.raises(Conflict):
        services.correct(submitted, officer)


def test_a_draft_cannot_be_corrected(shop, officer):
    with pytest.raises(Conflict):
        services.correct(services.start(shop, officer), officer)


def test_a_submitted_correction_replaces_the_original_in_the_history(submitted, officer, document):
    fix = services.correct(submitted, officer)
    services.save_step(fix, 1, pillar_answers(document, "customer", best=False), officer)
    services.submit(fix, officer)
    entries = services.history(submitted.shop)
    assert [e.assessment.id for e in entries] == [fix.id]
    assert services.latest(submitted.shop).id == fix.id


# --- history and re-assessment ------------------------------------------------------------------


def test_history_gives_the_change_of_each_pillar_and_the_level(shop, officer, document):
    # 1st: all worst (0 points, level 0). 2nd: customer best → customer +100, total +25 (25 is
    # level 1). 3rd: customer and operations best → operations +100, total +25 (50: level 3).
    first = assessed(shop, answers_where_best(document), officer, dt.date(2026, 2, 10))
    second = assessed(shop, answers_where_best(document, "customer"), officer, dt.date(2026, 8, 3))
    third = assessed(
        shop, answers_where_best(document, "customer", "operations"), officer, dt.date(2027, 2, 4)
    )
    entries = services.history(shop)
    assert [e.assessment.id for e in entries] == [third.id, second.id, first.id]
    newest, middle, oldest = entries
    assert oldest.previous is None and oldest.level_change is None
    assert oldest.pillar_changes == {} and oldest.total_change is None
    assert middle.previous.id == first.id
    assert middle.pillar_changes == {
        "customer": 100.0,
        "strategy": 0.0,
        "infrastructure": 0.0,
        "operations": 0.0,
        "skills": 0.0,
        "data": 0.0,
    }
    assert middle.total_change == 25.0 and middle.level_change == 1
    assert newest.pillar_changes["operations"] == 100.0
    assert newest.pillar_changes["customer"] == 0.0
    assert newest.total_change == 25.0 and newest.level_change == 2
    assert services.previous(third).id == second.id
    assert services.previous(first) is None


def test_history_leaves_out_drafts(shop, officer, document):
    assessed(shop, answers_where_best(document), officer, dt.date(2026, 2, 10))
    services.start(shop, officer)
    assert len(services.history(shop)) == 1


def test_a_shop_is_due_six_months_after_its_last_assessment(shop, officer, document):
    assert services.due_on(shop) is None
    assert not services.is_due(shop, dt.date(2030, 1, 1))  # never assessed: not a re-assessment
    assessed(shop, answers_where_best(document), officer, dt.date(2026, 1, 15))
    assessed(shop, answers_where_best(document), officer, dt.date(2026, 3, 31))
    assert services.due_on(shop) == dt.date(2026, 9, 30)  # 31/9 does not exist: the month's end
    assert not services.is_due(shop, dt.date(2026, 9, 29))
    assert services.is_due(shop, dt.date(2026, 9, 30))
    shop.state = ShopState.CLOSED
    assert not services.is_due(shop, dt.date(2026, 10, 1))


def test_the_reassessment_interval_is_configurable(app, shop, officer, document):
    assessed(shop, answers_where_best(document), officer, dt.date(2026, 5, 20))
    saved = app.config["RETAIL_REASSESS_MONTHS"]
    app.config["RETAIL_REASSESS_MONTHS"] = 12
    try:
        assert services.due_on(shop) == dt.date(2027, 5, 20)
        assert not services.is_due(shop, dt.date(2026, 11, 20))
    finally:
        app.config["RETAIL_REASSESS_MONTHS"] = saved


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (dt.date(2026, 1, 31), 1, dt.date(2026, 2, 28)),
        (dt.date(2027, 8, 31), 6, dt.date(2028, 2, 29)),
        (dt.date(2026, 7, 15), 6, dt.date(2027, 1, 15)),
        (dt.date(2026, 12, 1), 12, dt.date(2027, 12, 1)),
    ],
)
def test_add_months(day, months, expected):
    assert services.add_months(day, months) == expected
