"""Framework versions: drafts, publishing, numbering per key, and what never changes."""

from __future__ import annotations

import copy
from decimal import Decimal
from fractions import Fraction

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from core.accounts.models import Role
from core.audit import AuditEntry
from core.errors import Conflict, Forbidden, ValidationFailed
from core.extensions import db
from retail.assessments import frameworks
from retail.assessments.models import Assessment, Framework, FrameworkState
from tests.retail.test_framework_checks import valid


@pytest.fixture
def staff(make):
    return make.staff()


@pytest.fixture(autouse=True)
def english(app_ctx):
    """Messages in English (outside a request they would be in the default locale, vi)."""
    with force_locale("en"):
        yield


def document(key: str = "small", **changes) -> dict:
    return valid() | {"key": key} | changes


def audit_of(framework: Framework) -> list[AuditEntry]:
    stmt = select(AuditEntry).where(
        AuditEntry.object_type == "assessment_frameworks",
        AuditEntry.object_id == str(framework.id),
    )
    return list(db.session.scalars(stmt.order_by(AuditEntry.id)))


def test_a_draft_takes_the_next_version_of_its_key(staff):
    first = frameworks.publish_document(document(), staff)
    draft = frameworks.create_draft(document(), staff)
    assert (first.version, draft.version) == (1, 2)
    assert draft.state is FrameworkState.DRAFT
    assert draft.document["version"] == 2  # the stored document says which version it is
    assert draft.created_by_id == staff.id
    assert frameworks.current("small") == first  # a draft is not used until published


def test_versions_count_per_key(staff):
    a1 = frameworks.publish_document(document("a"), staff)
    b1 = frameworks.publish_document(document("b"), staff)
    a2 = frameworks.publish_document(document("a"), staff)
    assert (a1.version, b1.version, a2.version) == (1, 1, 2)
    assert frameworks.versions("a") == [a2, a1]


def test_a_key_has_one_draft_at_a_time(staff):
    frameworks.create_draft(document(), staff)
    with pytest.raises(Conflict, match="exists already"):
        frameworks.create_draft(document(), staff)


def test_an_invalid_document_is_refused_with_its_problem_lines(staff):
    bad = document()
    bad["pillars"][0]["weight"] = 10
    for action in (
        lambda: frameworks.create_draft(bad, staff),
        lambda: frameworks.publish_document(bad, staff),
    ):
        with pytest.raises(ValidationFailed) as caught:
            action()
        assert caught.value.errors == {
            "document": [
                "pillars: the weights sum to 50, not 100; change them so that they add up to "
                "exactly 100"
            ]
        }
    assert frameworks.versions("small") == []


def test_updating_a_draft_replaces_its_document(staff):
    draft = frameworks.create_draft(document(), staff)
    changed = document(name={"vi": "Bộ nhỏ (sửa)", "en": "Small, revised"})
    frameworks.update_draft(draft, changed, staff)
    assert draft.document["name"]["vi"] == "Bộ nhỏ (sửa)"
    assert (draft.name_vi, draft.name_en) == ("Bộ nhỏ (sửa)", "Small, revised")
    assert draft.version == 1 and draft.document["version"] == 1


def test_a_draft_keeps_its_key(staff):
    draft = frameworks.create_draft(document(), staff)
    with pytest.raises(ValidationFailed) as caught:
        frameworks.update_draft(draft, document("other"), staff)
    assert caught.value.errors["document"][0].startswith("key: a draft keeps its key (small)")


def test_a_published_version_never_changes(staff):
    published = frameworks.publish_document(document(), staff)
    before = copy.deepcopy(published.document)
    changed = document(name={"vi": "Khác"})
    with pytest.raises(Conflict, match="never changes"):
        frameworks.update_draft(published, changed, staff)
    with pytest.raises(Conflict):
        frameworks.publish(published, staff)
    with pytest.raises(Conflict):
        frameworks.discard_draft(published, staff)
    db.session.refresh(published)
    assert published.document == before


def test_publishing_a_draft_makes_it_current_and_keeps_the_previous_version(staff):
    first = frameworks.publish_document(document(), staff)
    first_document = copy.deepcopy(first.document)
    draft = frameworks.create_draft(document(name={"vi": "Phiên bản hai"}), staff)
    frameworks.publish(draft, staff)
    assert draft.state is FrameworkState.PUBLISHED
    assert draft.published_by_id == staff.id and draft.published_at is not None
    assert frameworks.current("small") == draft
    assert first.state is FrameworkState.PUBLISHED and first.document == first_document
    (entry,) = [e for e in audit_of(draft) if e.action == "framework.publish"]
    assert entry.actor_id == staff.id
    assert entry.detail == {"key": "small", "version": 2, "replaces": 1}


def test_publishing_a_document_while_a_draft_waits_moves_the_draft_up(staff):
    frameworks.publish_document(document(), staff)  # v1
    draft = frameworks.create_draft(document(), staff)  # v2 while a draft
    direct = frameworks.publish_document(document(name={"vi": "Trực tiếp"}), staff)
    assert direct.version == 2
    assert draft.version == 3 and draft.document["version"] == 3
    assert frameworks.current("small") == direct
    frameworks.publish(draft, staff)
    assert frameworks.current("small") == draft  # still after every published version


def test_every_assessment_keeps_the_version_it_used(make, staff):
    from retail.shops import services as shop_services
    from retail.shops.models import ShopKind

    v1 = frameworks.publish_document(document(), staff)
    shop = shop_services.create_shop(
        {
            "name": "Tạp hóa Bé Tư",
            "owner_name": "Trần Văn Tư",
            "phone": "+84912000111",
            "ward_code": "26188",
            "address": "5 Đường số 7",
            "kind": ShopKind.GROCERY,
        },
        staff,
    )
    assessment = Assessment(shop_id=shop.id, framework_id=v1.id, answers={"qr": 1})
    db.session.add(assessment)
    db.session.flush()
    v2 = frameworks.publish_document(document(name={"vi": "Phiên bản hai"}), staff)
    db.session.expire_all()
    assert assessment.framework_id == v1.id
    assert assessment.framework.document["name"]["vi"] == "Bộ nhỏ"
    assert frameworks.current("small") == v2
    assert frameworks.usage([v1.id, v2.id]) == {v1.id: 1}


def test_discarding_a_draft_deletes_it_and_is_audited(staff):
    draft = frameworks.create_draft(document(), staff)
    draft_id = draft.id
    frameworks.discard_draft(draft, staff)
    assert db.session.get(Framework, draft_id) is None
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "framework.discard"))
    assert entry.object_id == str(draft_id) and entry.detail == {"key": "small", "version": 1}
    assert frameworks.create_draft(document(), staff).version == 1  # the number is free again


@pytest.mark.parametrize("role", [Role.OFFICER, Role.PRODUCER])
def test_only_staff_and_admins_change_frameworks(make, staff, role):
    if role is Role.PRODUCER:
        _producer, someone = make.producer()
    else:
        someone = make.user(role)
    draft = frameworks.create_draft(document(), staff)
    for action in (
        lambda: frameworks.create_draft(document("other"), someone),
        lambda: frameworks.update_draft(draft, document(), someone),
        lambda: frameworks.publish(draft, someone),
        lambda: frameworks.publish_document(document("other"), someone),
        lambda: frameworks.discard_draft(draft, someone),
    ):
        with pytest.raises(Forbidden):
            action()
    assert frameworks.publish(draft, make.user(Role.ADMIN)).state is FrameworkState.PUBLISHED


def test_the_seed_is_published_once(app_ctx):
    first = frameworks.seed_default()
    assert (first.key, first.version, first.state) == ("retail-dx", 1, FrameworkState.PUBLISHED)
    assert frameworks.seed_default() == first
    assert len(frameworks.versions("retail-dx")) == 1
    assert first.name_vi == "Bộ câu hỏi đánh giá mức độ chuyển đổi số cửa hàng bán lẻ"


def test_the_seed_is_published_ahead_of_a_waiting_draft(staff):
    draft = frameworks.create_draft(document("retail-dx"), staff)
    seed = frameworks.seed_default()
    assert (seed.version, draft.version) == (1, 2)
    assert frameworks.current() == seed


def test_current_ids_name_the_newest_published_version_of_each_key(staff):
    frameworks.publish_document(document("a"), staff)
    a2 = frameworks.publish_document(document("a"), staff)
    b1 = frameworks.publish_document(document("b"), staff)
    frameworks.create_draft(document("b"), staff)
    assert frameworks.current_ids() == {a2.id, b1.id}


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (Fraction(14999, 300), "49.9"),  # 49.996…: rounding to nearest would show 50.0
        (Fraction(50), "50"),
        (Fraction(215, 6), "35.8"),  # 35.83…
        (2.3, "2.3"),  # the float 2.2999999999999998 is read as the 2.3 it prints as
        (0, "0"),
        (100.0, "100"),
    ],
)
def test_pages_show_scores_rounded_down_to_one_decimal(value, shown):
    assert frameworks.shown(value) == Decimal(shown)


def test_two_saves_taking_the_same_version_at_once_are_a_conflict(staff, monkeypatch):
    # Another request published version 1 between this one's reading the next number and its
    # insert: the unique (key, version) refuses the second row; the session stays usable.
    first = frameworks.publish_document(document(), staff)
    monkeypatch.setattr(frameworks, "_next_version", lambda key: 1)
    with pytest.raises(Conflict, match="at the same moment"):
        frameworks.create_draft(document(), staff)
    assert frameworks.versions("small") == [first]
