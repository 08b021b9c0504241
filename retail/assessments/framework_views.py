"""Assessment frameworks for staff: versions, upload, draft, preview, publish.

Only Department staff and admins open these pages (officers and producers get 403; officers
read the published questionnaires through the API). A draft is edited as JSON, checked on every
save, tried with sample answers, then published after a confirmation that says which version
it replaces; a published version is read-only and can be the start of the next draft.
"""

from __future__ import annotations

import copy
import io

from flask import Blueprint, flash, redirect, render_template, request, send_file, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from core import access, pages
from core.accounts.models import User
from core.errors import NotFound
from core.extensions import db
from core.pagination import paginate
from retail.assessments import frameworks, scoring
from retail.assessments.framework_forms import DocumentForm, DraftForm, preview_form
from retail.assessments.models import Framework

bp = Blueprint("frameworks", __name__)


@bp.before_request
@login_required
def _staff_only():
    access.require_staff(current_user)


@bp.context_processor
def _helpers() -> dict:
    language = str(get_locale() or "vi")
    return {
        "tr": lambda texts: frameworks.text_in(texts, language),
        "shown": frameworks.shown,
        "language": language,
    }


def _framework(framework_id: int) -> Framework:
    framework = db.session.get(Framework, framework_id)
    if framework is None:
        raise NotFound(_("There is no framework version with this number: open it from the list."))
    return framework


def _users(ids) -> dict[int, User]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(wanted)))}


@bp.get("/retail/frameworks")
def index():
    page = paginate(select(Framework).order_by(Framework.key, Framework.version.desc()))
    return render_template(
        "retail/frameworks/index.html",
        page=page,
        used=frameworks.usage([f.id for f in page.items]),
        current=frameworks.current_ids(),
        people=_users(f.published_by_id for f in page.items),
    )


@bp.route("/retail/frameworks/new", methods=["GET", "POST"])
def new():
    form = DocumentForm()
    if form.validate_on_submit():
        done = pages.act(
            lambda: frameworks.create_draft(form.parsed, current_user),
            lambda draft: _(
                "Saved as a draft of version %(version)d: preview it with sample answers, then "
                "publish it.",
                version=draft.version,
            ),
            form=form,
        )
        if done:
            return redirect(url_for("frameworks.detail", framework_id=done.value.id))
    return render_template("retail/frameworks/new.html", form=form)


@bp.get("/retail/frameworks/<int:framework_id>")
def detail(framework_id: int):
    framework = _framework(framework_id)
    draft = frameworks.draft_of(framework.key)
    return render_template(
        "retail/frameworks/detail.html",
        framework=framework,
        doc=framework.document,
        used=frameworks.usage([framework.id]).get(framework.id, 0),
        is_current=framework.id in frameworks.current_ids(),
        draft=draft if draft is not None and draft.id != framework.id else None,
        people=_users([framework.published_by_id, framework.created_by_id]),
    )


@bp.get("/retail/frameworks/<int:framework_id>/document.json")
def download(framework_id: int):
    framework = _framework(framework_id)
    body = io.BytesIO(frameworks.document_text(framework).encode("utf-8"))
    return send_file(
        body,
        mimetype="application/json",
        as_attachment=True,
        download_name=f"{framework.key}-v{framework.version}.json",
    )


@bp.route("/retail/frameworks/<int:framework_id>/edit", methods=["GET", "POST"])
def edit(framework_id: int):
    framework = _framework(framework_id)
    frameworks.require_draft(framework)
    form = DraftForm()
    if request.method == "GET":
        form.document.data = frameworks.document_text(framework)
    elif form.validate_on_submit():
        done = pages.act(
            lambda: frameworks.update_draft(framework, form.parsed, current_user),
            _("The draft is saved: it has no problems."),
            form=form,
        )
        if done:
            return redirect(url_for("frameworks.edit", framework_id=framework.id))
    return render_template(
        "retail/frameworks/edit.html", form=form, framework=framework, doc=framework.document
    )


@bp.get("/retail/frameworks/<int:framework_id>/preview")
def preview(framework_id: int):
    framework = _framework(framework_id)
    form = preview_form(framework.document, request.args)
    result = None
    if "score" in request.args and form.validate():
        result = scoring.score(framework.document, form.answers())
    return render_template(
        "retail/frameworks/preview.html",
        form=form,
        framework=framework,
        doc=framework.document,
        result=result,
    )


@bp.route("/retail/frameworks/<int:framework_id>/publish", methods=["GET", "POST"])
def publish(framework_id: int):
    framework = _framework(framework_id)
    if request.method == "POST":
        pages.act(
            lambda: frameworks.publish(framework, current_user),
            lambda done: _(
                "Version %(version)d is published: new assessments use it.", version=done.version
            ),
        )
        return redirect(url_for("frameworks.detail", framework_id=framework_id))
    frameworks.require_draft(framework)
    replaced = frameworks.current(framework.key)
    return render_template(
        "retail/frameworks/publish.html",
        framework=framework,
        replaced=replaced,
        replaced_used=frameworks.usage([replaced.id]).get(replaced.id, 0) if replaced else 0,
        people=_users([replaced.published_by_id] if replaced else []),
    )


@bp.post("/retail/frameworks/<int:framework_id>/discard")
def discard(framework_id: int):
    framework = _framework(framework_id)
    version = framework.version
    done = pages.act(
        lambda: frameworks.discard_draft(framework, current_user),
        _("The draft of version %(version)d is discarded.", version=version),
    )
    if done:
        return redirect(url_for("frameworks.index"))
    return redirect(url_for("frameworks.detail", framework_id=framework_id))


@bp.post("/retail/frameworks/<int:framework_id>/new-draft")
def new_draft(framework_id: int):
    """A draft that starts as a copy of this version (the key's draft, if it has one)."""
    framework = _framework(framework_id)
    existing = frameworks.draft_of(framework.key)
    if existing is not None:
        flash(
            _(
                "Version %(version)d is a draft already: carry on with it.",
                version=existing.version,
            ),
            "warning",
        )
        return redirect(url_for("frameworks.edit", framework_id=existing.id))
    source = framework.version
    done = pages.act(
        lambda: frameworks.create_draft(copy.deepcopy(framework.document), current_user),
        lambda draft: _(
            "Version %(version)d is a new draft, a copy of version %(source)d: edit it, preview "
            "it, then publish it.",
            version=draft.version,
            source=source,
        ),
    )
    if done:
        return redirect(url_for("frameworks.edit", framework_id=done.value.id))
    return redirect(url_for("frameworks.detail", framework_id=framework_id))
