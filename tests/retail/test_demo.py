"""The retail demo: loaded once, realistic, true to the roll-out rules whenever it is loaded."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest

from core.accounts.models import User
from core.db import province_today
from core.extensions import db
from core.wards.models import RolloutPhase, Ward
from retail import demo
from retail.assessments import scoring
from retail.assessments.models import Assessment, AssessmentState
from retail.rollout import officer_day, services
from retail.rollout.services import WardState
from retail.shops import rules
from retail.shops.models import Shop, ShopState
from traceability.registry import demo as registry_demo


@pytest.fixture
def loaded(app_ctx):
    registry_demo.load_demo()
    assert demo.load_demo() is True
    db.session.flush()


def _counts() -> tuple[int, int]:
    return (
        db.session.scalar(db.select(db.func.count()).select_from(Shop)),
        db.session.scalar(db.select(db.func.count()).select_from(Assessment)),
    )


def test_a_second_load_changes_nothing(loaded):
    before = _counts()
    assert before[0] >= 200
    assert demo.load_demo() is False
    assert _counts() == before


def test_the_demo_needs_the_demo_accounts(app_ctx):
    with pytest.raises(RuntimeError, match="flask --app wsgi demo load"):
        demo.load_demo()


def test_pilot_wards_are_deployed_in_progress_and_not_started(loaded):
    pilots = db.session.scalars(
        db.select(Ward.code).where(Ward.rollout_phase == RolloutPhase.PILOT_2026)
    ).all()
    states = Counter(services.ward_progress(code).state for code in pilots)
    assert states[WardState.DEPLOYED] >= 2
    assert states[WardState.IN_PROGRESS] >= 2
    assert states[WardState.NOT_STARTED] >= 1
    shop_wards = set(db.session.scalars(db.select(Shop.ward_code).distinct()))
    assert shop_wards <= set(pilots)


def test_the_demo_officer_has_a_day_to_do(loaded):
    officer = db.session.scalar(db.select(User).where(User.email == demo.OFFICER_EMAIL))
    codes = frozenset(w.code for w in officer.wards)
    assert codes == {"26188", "26098"}
    today = province_today()
    for stmt in (
        officer_day.never_assessed(codes),
        officer_day.drafts_to_finish(codes),
        officer_day.awaiting_confirmation(codes),
        officer_day.due_for_reassessment(codes, today, 6),
    ):
        assert officer_day.count(stmt) > 0
    states = {services.ward_progress(code).state for code in codes}
    assert states == {WardState.DEPLOYED, WardState.IN_PROGRESS}


def test_scores_are_the_scoring_functions_and_dates_are_past(loaded):
    today = province_today()
    completed = db.session.scalars(
        db.select(Assessment).where(Assessment.state != AssessmentState.DRAFT)
    ).all()
    assert len(completed) >= 100
    for assessment in completed:
        result = scoring.score(assessment.framework.document, assessment.answers)
        assert result.complete
        assert assessment.level == result.level
        assert assessment.total == float(result.total)
        if assessment.submitted_at is not None:
            assert assessment.assessed_on <= today
            assert assessment.submitted_at.year >= 2026
    levels = Counter(a.level for a in completed)
    assert len(levels) >= 5  # a realistic spread, not one level for everyone
    # Some shops were re-assessed, and did better the second time.
    by_shop: dict[int, list[Assessment]] = {}
    for a in completed:
        if a.submitted_at is not None:
            by_shop.setdefault(a.shop_id, []).append(a)
    again = [sorted(v, key=lambda a: a.submitted_at) for v in by_shop.values() if len(v) > 1]
    assert len(again) >= 5
    assert sum(1 for first, *_, last in again if last.total > first.total) >= len(again) // 2


def test_shops_look_real(loaded):
    shops = db.session.scalars(db.select(Shop)).all()
    kinds = Counter(s.kind for s in shops)
    assert kinds.most_common(1)[0][0].value == "grocery"
    assert len(kinds) >= 7
    phones = [(s.ward_code, s.phone) for s in shops if s.phone]
    assert len(phones) == len(set(phones))
    for _ward, phone in phones:
        assert rules.parse_phone(phone) == phone
    registrations = [s.registration_no for s in shops if s.registration_no]
    assert len(registrations) == len(set(registrations))
    for shop in shops:
        assert shop.owner_name and shop.address
        assert (shop.kind.value == "market_stall") == bool(shop.market)
    assert any(s.state is ShopState.CLOSED for s in shops)


def test_dates_follow_the_day_the_demo_is_loaded(app_ctx, monkeypatch):
    later = dt.date(2027, 6, 1)
    monkeypatch.setattr(demo, "province_today", lambda: later)
    registry_demo.load_demo()
    demo.load_demo()
    db.session.flush()
    shift = later - demo.DEMO_WRITTEN_ON
    oldest = db.session.scalar(db.select(db.func.min(Assessment.assessed_on)))
    newest = db.session.scalar(db.select(db.func.max(Assessment.assessed_on)))
    assert oldest >= demo.FIRST_DAY + shift
    assert later - dt.timedelta(days=60) <= newest < later


def test_cli_loads_once(app):
    runner = app.test_cli_runner()
    with app.app_context():
        registry_demo.load_demo()
        db.session.commit()
    first = runner.invoke(args=["retail", "demo", "load"])
    assert first.exit_code == 0, first.output
    assert "Retail demo loaded." in first.output
    second = runner.invoke(args=["retail", "demo", "load"])
    assert "nothing changed" in second.output


def test_cli_without_the_demo_accounts_says_what_to_run(app):
    result = app.test_cli_runner().invoke(args=["retail", "demo", "load"])
    assert result.exit_code == 1
    assert "flask --app wsgi demo load" in result.output
