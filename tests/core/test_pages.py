"""`core.pages.act`, the one way a page runs an action: commit once, or roll back and say why."""

import pytest
from flask import get_flashed_messages
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from wtforms import StringField

from core import pages
from core.accounts.models import User
from core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from core.extensions import db
from tests import factories
from traceability.registry.models import Producer, VerificationState


class NameForm(FlaskForm):
    name = StringField()

    class Meta:
        csrf = False


def users() -> int:
    return db.session.scalar(select(func.count()).select_from(User))


def flashed() -> list[tuple[str, str]]:
    return get_flashed_messages(with_categories=True)


def _add_user_then(exc: Exception | None = None):
    """An action that writes a row, then (maybe) refuses: what a failing service does."""

    def action():
        made = factories.staff()
        db.session.flush()
        if exc is not None:
            raise exc
        return made

    return action


def test_success_commits_once_and_flashes(app_ctx):
    before = users()
    done = pages.act(_add_user_then(), "Saved.")
    assert done and done.value.id
    db.session.rollback()  # what was committed stays
    assert users() == before + 1
    assert flashed() == [("success", "Saved.")]


def test_the_message_may_name_the_result(app_ctx):
    done = pages.act(_add_user_then(), lambda user: f"{user.full_name} added.", category="info")
    assert flashed() == [("info", f"{done.value.full_name} added.")]


def test_validation_errors_go_next_to_the_forms_fields_and_nothing_is_written(app_ctx):
    before = users()
    form = NameForm(formdata=None)
    failed = ValidationFailed({"name": ["Enter a name."], "other": ["Not on this form."]})
    done = pages.act(_add_user_then(failed), "Saved.", form=form)
    assert not done and done.value is None
    assert form.name.errors == ["Enter a name."]
    assert form.form_errors == ["Not on this form."]
    assert users() == before
    assert flashed() == []


def test_validation_errors_are_flashed_without_a_form(app_ctx):
    before = users()
    failed = ValidationFailed({"reason": ["Say why."], "photo": ["Too large.", "Not a photo."]})
    assert not pages.act(_add_user_then(failed), "Saved.")
    assert users() == before
    assert flashed() == [("error", "Say why."), ("error", "Too large."), ("error", "Not a photo.")]


def test_a_conflict_is_rolled_back_and_flashed(app_ctx):
    before = users()
    assert not pages.act(_add_user_then(Conflict("Already done.")), "Saved.")
    assert users() == before
    assert flashed() == [("error", "Already done.")]


@pytest.mark.parametrize("refusal", [NotFound("gone"), Forbidden("not yours")])
def test_not_found_and_forbidden_go_on_to_the_error_pages(app_ctx, refusal):
    before = users()
    with pytest.raises(type(refusal)):
        pages.act(_add_user_then(refusal), "Saved.")
    assert users() == before
    assert flashed() == []


def test_a_one_button_post_without_its_token_is_refused_and_changes_nothing(client, make):
    """post_button forms carry no form object: CSRFProtect alone refuses a forged POST."""
    producer, _owner = make.producer(verified=False)
    staff = make.staff()
    db.session.commit()
    client.login(staff.email, factories.PASSWORD)
    forged = client.post(f"/staff/producers/{producer.id}/verify")
    assert forged.status_code == 400
    db.session.expire_all()
    assert db.session.get(Producer, producer.id).verification_state is VerificationState.PENDING
    page = client.get("/staff/review").get_data(as_text=True)
    assert f'action="/staff/producers/{producer.id}/verify"' in page
    verified = client.submit(f"/staff/producers/{producer.id}/verify", token_from="/staff/review")
    assert verified.status_code == 302
    db.session.expire_all()
    assert db.session.get(Producer, producer.id).verification_state is VerificationState.VERIFIED


def test_verifying_twice_says_so_on_the_queue(client, make):
    """A second press of "Verify" is flashed on the page it came from, not an error page."""
    producer, _owner = make.producer()  # verified already
    staff = make.staff()
    db.session.commit()
    client.login(staff.email, factories.PASSWORD)
    again = client.submit(
        f"/staff/producers/{producer.id}/verify",
        token_from="/staff/review",
        headers={"Accept-Language": "en"},
    )
    assert again.status_code == 302 and again.headers["Location"].endswith("/staff/review")
    queue = client.get("/staff/review", headers={"Accept-Language": "en"})
    assert "This producer is already verified." in queue.get_data(as_text=True)


def test_a_refused_page_action_flashes_why_and_changes_nothing(client, make):
    """Verifying a product that is still a draft: sent back with the reason, still a draft."""
    from traceability.registry.models import ReviewState

    producer, owner = make.producer()
    product = make.product(producer, owner)
    staff = make.staff()
    db.session.commit()
    client.login(staff.email, make.PASSWORD)
    response = client.submit(f"/staff/products/{product.id}/verify", {}, token_from="/login")
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'class="flash error"' in page
    db.session.expire_all()
    assert db.session.get(type(product), product.id).review_state is ReviewState.DRAFT


def test_act_json_commits_and_answers_or_rolls_back_with_the_api_error_shape(app_ctx):
    before = users()
    response = pages.act_json(_add_user_then(), lambda user: {"id": user.id})
    db.session.rollback()
    assert users() == before + 1 and response.get_json()["id"]
    body, status = pages.act_json(
        _add_user_then(ValidationFailed({"answers": ["Choose an option."]})), lambda _: {}
    )
    assert status == 422
    assert body.get_json()["errors"] == {"json": {"answers": ["Choose an option."]}}
    assert users() == before + 1  # the refused write was rolled back
    with pytest.raises(NotFound):
        pages.act_json(_add_user_then(NotFound("gone")), lambda _: {})
    assert users() == before + 1


def test_record_commits_a_side_effect_and_lets_errors_reach_the_handlers(app_ctx):
    before = users()
    pages.record(_add_user_then())
    db.session.rollback()
    assert users() == before + 1
    with pytest.raises(Conflict):
        pages.record(_add_user_then(Conflict("already shared")))
    assert flashed() == []
