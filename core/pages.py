"""The one way a page runs an action: call the service, commit once, or roll back and say why.

Views never write their own commit/rollback/flash block. A view parses its form, then::

    done = pages.act(
        lambda: services.update_site(site, form.to_data(), current_user),
        _("The site has been saved."),
        form=form,
    )
    if done:
        return redirect(url_for("registry.site_detail", site_id=done.value.id))
    return render_template("registry/site_form.html", form=form, site=site)

On success the session is committed once and the message flashed; `done.value` is what the
service returned. On a `ValidationFailed` the session is rolled back and each message is shown
next to its field of `form` (or flashed when there is no form); on any other refusal
(`Conflict`, a plain `DomainError`) it is rolled back and the message flashed. `NotFound` and
`Forbidden` are not the user's to fix on this page: they go on to the error handlers (404 / 403
pages). CSRF is checked for every POST by `CSRFProtect` before a view runs, so views do not
check it again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import flash, jsonify

from core.errors import DomainError, Forbidden, NotFound, ValidationFailed, error_body
from core.extensions import db
from core.forms import attach_errors


@dataclass(frozen=True)
class Done:
    """What `act` did: true when the action succeeded; `value` is what it returned."""

    ok: bool
    value: Any = None

    def __bool__(self) -> bool:
        return self.ok


def act(
    action: Callable[[], Any],
    success: str | Callable[[Any], str] | None = None,
    *,
    form=None,
    category: str = "success",
) -> Done:
    """Run `action`; commit and flash `success` (text, or a function of the result), or refuse."""
    try:
        value = action()
    except (NotFound, Forbidden):
        db.session.rollback()
        raise
    except ValidationFailed as exc:
        db.session.rollback()
        if form is not None:
            attach_errors(form, exc)
        else:
            for messages in exc.errors.values():
                for message in messages:
                    flash(str(message), "error")
        return Done(False)
    except DomainError as exc:
        db.session.rollback()
        flash(str(exc.message), "error")
        return Done(False)
    db.session.commit()
    if success is not None:
        flash(str(success(value) if callable(success) else success), category)
    return Done(True, value)


def act_json(action: Callable[[], Any], respond: Callable[[Any], dict]):
    """`act` for a page's JSON endpoint (a phone's script saving a step): commit once and answer
    `respond(value)`, or roll back and answer the API's error shape with the domain error's
    status and per-field errors under `errors.json`."""
    try:
        value = action()
    except (NotFound, Forbidden):
        db.session.rollback()
        raise
    except DomainError as exc:
        db.session.rollback()
        errors = {"json": exc.errors} if exc.errors else {}
        return jsonify(error_body(exc.status, str(exc.message), errors)), exc.status
    db.session.commit()
    return jsonify(respond(value))


def record(action: Callable[[], Any]) -> Any:
    """Run a write a page makes as a side effect of being seen (a consumer's scan, a shared
    place): commit once, no flash (consumers carry no session), nothing to show on failure —
    a domain error goes on to the error handlers, which roll back and answer its status."""
    value = action()
    db.session.commit()
    return value
