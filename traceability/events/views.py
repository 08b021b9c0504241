"""Producer pages of trace events: the batch page (journey, events, raw EPCIS), recording a step,
CSV upload and the template, and the EPCIS 2.0 JSON-LD downloads of a batch's or product's events.

Producers see their own batches (another producer's answer 404), staff every batch, field
officers none (403): `core.access` decides. Writes go through `core.pages.act` (one commit).
"""

from __future__ import annotations

import json

from flask import Blueprint, Response, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required
from sqlalchemy import select

from core import access, pages
from core.accounts.models import User
from core.db import utcnow
from core.extensions import db
from traceability.events import forms, identifiers, imports, journey, recording, store
from traceability.registry.models import Batch, Product, Site

bp = Blueprint("events", __name__)

LD_JSON = "application/ld+json"


def _event_rows(batch: Batch) -> list[dict]:
    """The batch's events as the page lists them: time in its own offset, step, place, who."""
    events = db.session.scalars(store.batch_events(batch.id)).all()
    site_ids = {identifiers.site_id_of(e.read_point) for e in events} - {None}
    sites = (
        {s.id: s for s in db.session.scalars(select(Site).where(Site.id.in_(site_ids)))}
        if site_ids
        else {}
    )
    user_ids = {e.recorded_by_id for e in events} - {None}
    names = (
        dict(db.session.execute(select(User.id, User.full_name).where(User.id.in_(user_ids))).all())
        if user_ids
        else {}
    )
    rows = []
    for event in events:
        site = sites.get(identifiers.site_id_of(event.read_point))
        step = recording.step_of(event.biz_step)
        rows.append(
            {
                "event": event,
                "at": recording.local_time(event.event_time, event.event_time_offset),
                "step": recording.step_label(step) if step else None,
                "site": site,
                "place": _place_text(event.read_point, site),
                "who": names.get(event.recorded_by_id),
                "json": json.dumps(event.document, indent=2, ensure_ascii=False),
            }
        )
    return rows


def _place_text(uri: str | None, site: Site | None) -> str:
    if site is not None:
        return site.name
    if uri and uri.startswith(identifiers.gln("")):
        return "GLN " + uri.removeprefix(identifiers.gln(""))
    return uri or "—"


def _unit_of(batch: Batch) -> str | None:
    """The batch's own unit, when it is one of the form's (the batch form takes free text)."""
    try:
        return recording.parse_unit(batch.unit)
    except ValueError:
        return None


def _page(batch: Batch, form=None, import_form=None, report=None):
    if form is None:
        form = forms.EventForm(formdata=None)
        form.prefill(utcnow())
        form.site_id.data = batch.site_id
        form.unit.data = _unit_of(batch)
    form.fill_choices(batch)
    rows = _event_rows(batch)
    return render_template(
        "events/batch.html",
        batch=batch,
        form=form,
        import_form=import_form or forms.EventImportForm(formdata=None),
        report=report,
        rows=rows,
        columns=imports.COLUMNS,
        can_write=access.can_write(current_user, batch),
        journey=journey.journey(batch.id),
        journey_full=True,
        journey_level=2,
    )


@bp.get("/batches/<int:batch_id>")
@login_required
def batch_page(batch_id: int):
    batch = access.get_for_read(Batch, batch_id, current_user)
    return _page(batch)


@bp.post("/batches/<int:batch_id>/events")
@login_required
def record_event(batch_id: int):
    batch = access.get_for_write(Batch, batch_id, current_user)
    form = forms.EventForm()
    form.fill_choices(batch)
    if form.validate_on_submit():
        step, data = form.step.data or None, form.to_data()
        done = pages.act(lambda: recording.record(step, data, batch, current_user), form=form)
        if done:
            if done.value.created:
                flash(_("The step has been recorded."), "success")
            else:
                flash(_("This step was already recorded: nothing new was saved."), "warning")
            return redirect(url_for("events.batch_page", batch_id=batch.id) + "#events")
    return _page(batch, form=form)


@bp.post("/batches/<int:batch_id>/events/import")
@login_required
def import_events(batch_id: int):
    batch = access.get_for_write(Batch, batch_id, current_user)
    form = forms.EventImportForm()
    report = None
    if form.validate_on_submit():
        data = form.file.data.read()
        only_valid = bool(form.only_valid.data)
        done = pages.act(
            lambda: imports.import_csv(data, batch, current_user, only_valid=only_valid),
            form=form,
        )
        if done:
            report = done.value
            _flash_report(report)
    return _page(batch, import_form=form, report=report)


def _flash_report(report: imports.Report) -> None:
    if report.refused:
        flash(
            ngettext(
                "Nothing was imported: %(num)s row has a problem. Fix it in your file and upload "
                "it again, or choose “Import only the good rows”.",
                "Nothing was imported: %(num)s rows have problems. Fix them in your file and "
                "upload it again, or choose “Import only the good rows”.",
                report.bad_rows,
            ),
            "error",
        )
        return
    flash(
        ngettext(
            "%(num)s step recorded from the file.",
            "%(num)s steps recorded from the file.",
            report.stored,
        ),
        "success",
    )


@bp.get("/events/template.csv")
@login_required
def template_csv():
    access.require_registry_role(current_user)
    return Response(
        imports.template_csv(),
        mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=events-template.csv"},
    )


def _ld_download(document, filename: str) -> Response:
    body = document if isinstance(document, str | bytes) else json.dumps(document)
    return Response(
        body,
        mimetype=LD_JSON,
        headers={"Content-Disposition": f"attachment; filename={filename}"},
    )


@bp.get("/batches/<int:batch_id>/events.jsonld")
@login_required
def batch_export(batch_id: int):
    from traceability.events import documents  # helper "query"'s document builder

    batch = access.get_for_read(Batch, batch_id, current_user)
    name = documents.filename("batch", batch.product.gtin, batch.lot_code)
    return _ld_download(documents.batch_document(batch), name)


@bp.get("/products/<int:product_id>/events.jsonld")
@login_required
def product_export(product_id: int):
    from traceability.events import documents

    product = access.get_for_read(Product, product_id, current_user)
    return _ld_download(
        documents.product_document(product), documents.filename("product", product.gtin)
    )
