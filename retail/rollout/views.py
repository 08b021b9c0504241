"""The officer's day, ward pages and the roll-out criterion."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user, login_required

from core import access, pages
from core.db import province_today
from core.errors import NotFound
from core.extensions import db
from core.formatting import number_in_message
from core.pagination import paginate
from core.wards.labels import PHASE_LABELS
from core.wards.models import RolloutPhase, Ward
from retail.rollout import forms, officer_day, services
from retail.rollout.services import WardState
from retail.shops.models import ShopState
from retail.shops.rules import KIND_LABELS, show_phone

bp = Blueprint("rollout", __name__)

STATE_LABELS = {
    WardState.NOT_STARTED: _l("Not started"),
    WardState.IN_PROGRESS: _l("In progress"),
    WardState.DEPLOYED: _l("Deployed"),
}
# The officer's day: each list, its title, and how many items the day page shows of it.
DAY_LISTS = {
    "never": _l("Shops never assessed"),
    "drafts": _l("Drafts to finish"),
    "awaiting": _l("Self-assessments awaiting confirmation"),
    "due": _l("Due for re-assessment"),
}
DAY_PREVIEW = 5


@bp.context_processor
def _labels():
    """The labels in the request's language, translated once per page rather than per row."""
    return {
        "rollout_phase_labels": {k: str(v) for k, v in PHASE_LABELS.items()},
        "rollout_state_labels": {k: str(v) for k, v in STATE_LABELS.items()},
    }


def _ward_in_reach(code: str) -> Ward:
    """The ward if the user may open its page: staff any, officers theirs (others 404)."""
    ward = db.session.get(Ward, code)
    if ward is None or not access.can_use_ward(current_user, code):
        raise NotFound(_l("Not found."))
    return ward


# --- the officer's day ------------------------------------------------------------------------


@bp.get("/retail")
@login_required
def day():
    """The officer's home page; staff manage the roll-out from the ward table instead."""
    codes = access.ward_codes(current_user)
    if codes is None:
        return redirect(url_for("rollout.wards"))
    today = province_today()
    months = current_app.config.get("RETAIL_REASSESS_MONTHS", 6)
    lists = {
        "never": officer_day.never_assessed(codes),
        "drafts": officer_day.drafts_to_finish(codes),
        "awaiting": officer_day.awaiting_confirmation(codes),
        "due": officer_day.due_for_reassessment(codes, today, months),
    }
    shown = request.args.get("list")
    if shown in lists:
        page = paginate(lists[shown])
        return render_template(
            "retail/day/list.html",
            name=shown,
            title=DAY_LISTS[shown],
            page=page,
            items=page.items,
            due=_due_dates(page.items, months) if shown == "due" else {},
            kind_labels=KIND_LABELS,
            show_phone=show_phone,
        )
    previews = {
        name: db.session.scalars(stmt.limit(DAY_PREVIEW)).all() for name, stmt in lists.items()
    }
    return render_template(
        "retail/day/index.html",
        progress=services.all_wards_progress(codes),
        lists=previews,
        totals={name: officer_day.count(stmt) for name, stmt in lists.items()},
        titles=DAY_LISTS,
        due=_due_dates(previews["due"], months),
        kind_labels=KIND_LABELS,
        show_phone=show_phone,
    )


def _due_dates(shops, months: int) -> dict:
    """Shop id → (day of its last completed assessment, day it fell due) for the shops shown."""
    last = officer_day.last_assessed_on([shop.id for shop in shops])
    return {sid: (day, officer_day.add_months(day, months)) for sid, day in last.items()}


# --- the roll-out table and the ward pages ------------------------------------------------------


def _enum_arg(name: str, enum_type):
    try:
        return enum_type(request.args.get(name, ""))
    except ValueError:
        return None


@bp.get("/retail/wards")
@login_required
def wards():
    access.require_staff(current_user)
    everything = services.all_wards_progress()
    phase, state = _enum_arg("phase", RolloutPhase), _enum_arg("state", WardState)
    sort = request.args.get("sort", "code")
    descending = request.args.get("dir") == "desc"
    rows = services.sort_progress(
        services.filter_progress(everything, phase=phase, state=state), sort, descending
    )
    counts = {s: sum(1 for p in everything if p.state is s) for s in WardState}
    return render_template(
        "retail/rollout/wards.html",
        rows=rows,
        counts=counts,
        total=len(everything),
        rule=services.current_rule(),
        phase=phase,
        state=state,
        sort=sort if sort in services.SORT_KEYS else "code",
        descending=descending,
    )


@bp.get("/retail/wards/<code>")
@login_required
def ward(code: str):
    ward = _ward_in_reach(code)
    summary = services.ward_summary(ward.code)
    assign_form = None
    if current_user.is_staff:
        assign_form = forms.AssignOfficerForm(services.assignable_officers(ward.code))
    return render_template(
        "retail/rollout/ward.html",
        ward=ward,
        summary=summary,
        progress=summary.progress,
        assign_form=assign_form,
        ShopState=ShopState,
    )


@bp.post("/retail/wards/<code>/officers")
@login_required
def ward_officer_add(code: str):
    access.require_staff(current_user)
    ward = _ward_in_reach(code)
    form = forms.AssignOfficerForm(services.assignable_officers(ward.code))
    if form.validate_on_submit() and form.user_id.data:
        pages.act(
            lambda: services.assign_officer(ward, form.user_id.data, current_user),
            lambda officer: _(
                "%(name)s now works in %(ward)s.", name=officer.full_name, ward=ward.name
            ),
        )
    else:
        flash(_("Choose the officer to assign to this ward."), "error")
    return redirect(url_for("rollout.ward", code=ward.code))


@bp.post("/retail/wards/<code>/officers/<int:user_id>/remove")
@login_required
def ward_officer_remove(code: str, user_id: int):
    access.require_staff(current_user)
    ward = _ward_in_reach(code)
    pages.act(
        lambda: services.unassign_officer(ward, user_id, current_user),
        lambda officer: _(
            "%(name)s no longer works in %(ward)s.", name=officer.full_name, ward=ward.name
        ),
    )
    return redirect(url_for("rollout.ward", code=ward.code))


# --- the criterion ------------------------------------------------------------------------------


@bp.route("/staff/rollout/criterion", methods=["GET", "POST"])
@login_required
def criterion():
    """Edit the criterion: the numbers, then a page that says which wards change, then save."""
    access.require_staff(current_user)
    form = forms.CriterionForm()
    if request.method == "GET":
        rule = services.current_rule()
        form.min_shops.data, form.min_share_percent.data = rule.min_shops, rule.min_share_percent
    elif form.validate_on_submit():
        if form.confirmed:
            done = pages.act(
                lambda: services.update_criterion(form.rule(), current_user),
                _saved_message,
                form=form,
            )
            if done:
                return redirect(url_for("rollout.wards"))
        else:
            preview = pages.act(lambda: services.criterion_changes(form.rule()), form=form)
            if preview:
                return render_template(
                    "retail/rollout/criterion_confirm.html",
                    form=form,
                    rule=form.rule(),
                    current=services.current_rule(),
                    changes=preview.value,
                )
    return render_template(
        "retail/rollout/criterion.html", form=form, current=services.current_rule()
    )


def _saved_message(saved: services.CriterionSaved) -> str:
    n = len(saved.changes)
    return ngettext(
        "The criterion has been saved: %(count)s ward changed state.",
        "The criterion has been saved: %(count)s wards changed state.",
        n,
        count=number_in_message(n),
    )
