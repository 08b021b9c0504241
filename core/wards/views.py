"""The ward list and the roll-out settings."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import DateField
from wtforms.validators import Optional

from core import access, pages
from core.errors import NotFound
from core.extensions import db
from core.forms import EnumSelectField
from core.wards import services
from core.wards.labels import GROUP_LABELS, KIND_LABELS, PHASE_LABELS
from core.wards.models import RolloutPhase, Ward, WardKind

bp = Blueprint("wards", __name__, url_prefix="/wards")


class RolloutForm(FlaskForm):
    rollout_phase = EnumSelectField(_l("Roll-out phase"), labels=PHASE_LABELS)
    rollout_started_on = DateField(_l("Start date"), validators=[Optional()])


def _parse_day(raw: str | None) -> dt.date:
    try:
        return dt.date.fromisoformat(raw) if raw else dt.date.today()
    except ValueError:
        return dt.date.today()


@bp.get("/")
@login_required
def index():
    day = _parse_day(request.args.get("on"))
    wards = db.session.scalars(select(Ward).order_by(Ward.code)).all()
    rows = services.filter_wards(
        wards,
        day,
        q=request.args.get("q", ""),
        kind=request.args.get("kind"),
        phase=request.args.get("phase"),
    )
    counts = {k.value: sum(1 for w in wards if w.kind_on(day) is k) for k in WardKind}
    pilots = sum(1 for w in wards if w.rollout_phase is RolloutPhase.PILOT_2026)
    return render_template(
        "wards/index.html",
        wards=rows,
        day=day,
        counts=counts,
        pilots=pilots,
        total=len(wards),
        kind_labels=KIND_LABELS,
        group_labels=GROUP_LABELS,
        phase_labels=PHASE_LABELS,
    )


@bp.route("/<code>/rollout", methods=["GET", "POST"])
@login_required
def edit_rollout(code: str):
    access.require_staff(current_user)
    ward = db.session.get(Ward, code)
    if ward is None:
        raise NotFound(_l("Not found."))
    form = RolloutForm(obj=ward)
    if form.validate_on_submit() and pages.act(
        lambda: services.update_rollout(
            ward,
            phase=form.rollout_phase.data,
            started_on=form.rollout_started_on.data,
            actor=current_user,
        ),
        _("Roll-out of %(name)s saved.", name=ward.name),
        form=form,
    ):
        return redirect(url_for("wards.index"))
    return render_template("wards/rollout.html", ward=ward, form=form, kind_labels=KIND_LABELS)
