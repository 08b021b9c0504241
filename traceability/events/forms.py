"""Forms of the batch page: record one step, or upload a CSV of steps.

They parse text into the types `recording` takes (a step code, a site id, an aware datetime in
the province's offset, a Decimal typed the page's way); `recording.validate` checks the rules.
"""

from __future__ import annotations

import datetime as dt

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from sqlalchemy import select
from wtforms import BooleanField, DateField, SelectField, StringField, TextAreaField, TimeField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional

from core.extensions import db
from core.forms import BLANK, IdSelectField, strip
from core.wards.models import Ward
from traceability.events import recording
from traceability.registry.forms import TypedDecimalField
from traceability.registry.models import KNOWN_STANDARDS, Batch


def _text(label, max_length: int, **kw):
    return StringField(label, [Length(max=max_length)], filters=[strip], **kw)


def _gln(label):
    return StringField(
        label,
        [Length(max=20)],
        filters=[strip],
        render_kw={"inputmode": "numeric", "autocomplete": "off", "maxlength": 13},
    )


class EventForm(FlaskForm):
    step = SelectField(
        _l("What happened"),
        choices=[
            BLANK,
            *(SelectChoice(code, step.label) for code, step in recording.STEPS.items()),
        ],
        validate_choice=False,  # recording.check names an unknown step next to the field
    )
    site_id = IdSelectField(_l("Where: one of your sites"), message=_l("Choose one of your sites."))
    gln = _gln(_l("…or the place's GLN (13 digits)"))
    on = DateField(_l("Date"), validators=[Optional()])
    time = TimeField(_l("Time"), validators=[Optional()])
    quantity = TypedDecimalField(_l("Quantity"), places=3, validators=[Optional()])
    unit = SelectField(
        _l("Unit"),
        choices=[
            BLANK,
            *(SelectChoice(code, label) for code, (_u, label) in recording.UNITS.items()),
        ],
        validate_choice=False,
    )
    certificate_standard = _text(
        _l("Standard or certificate"),
        recording.CERTIFICATE_MAX,
        render_kw={"list": "standards", "autocomplete": "off"},
    )
    certificate_number = _text(_l("Certificate number"), recording.CERTIFICATE_MAX)
    destination_name = _text(_l("Shipped to (shop or buyer)"), recording.NAME_MAX)
    destination_ward = SelectField(_l("Its ward"), validate_choice=False)
    destination_gln = _gln(_l("Its GLN, if it has one"))
    source_name = _text(_l("Received from"), recording.NAME_MAX)
    source_ward = SelectField(_l("Its ward"), validate_choice=False)
    source_gln = _gln(_l("Its GLN, if it has one"))
    note = TextAreaField(
        _l("Note"),
        validators=[Length(max=recording.NOTE_MAX)],
        filters=[strip],
        render_kw={"rows": 2},
    )

    TEXT = (
        "gln",
        "certificate_standard",
        "certificate_number",
        "destination_name",
        "destination_ward",
        "destination_gln",
        "source_name",
        "source_ward",
        "source_gln",
        "note",
    )
    standards = KNOWN_STANDARDS

    def fill_choices(self, batch: Batch) -> None:
        self.site_id.choices = [BLANK] + [
            SelectChoice(str(site.id), site.name) for site in recording.batches_sites(batch)
        ]
        wards = [BLANK, *ward_choices()]
        self.destination_ward.choices = wards
        self.source_ward.choices = wards

    def prefill(self, now: dt.datetime) -> None:
        """A new form says "now, here": today, this minute, the batch's own site."""
        local = recording.local_time(now)
        self.on.data = local.date()
        self.time.data = local.time().replace(second=0, microsecond=0)

    def to_data(self) -> dict:
        data = {name: getattr(self, name).data or "" for name in self.TEXT}
        data["gln"] = data["gln"] or None
        data["site_id"] = self.site_id.data
        data["quantity"] = self.quantity.data
        data["unit"] = self.unit.data or None
        data["offset"] = recording.PROVINCE_OFFSET
        data["at"] = None
        if self.on.data is not None:
            moment = dt.datetime.combine(self.on.data, self.time.data or dt.time(0, 0))
            data["at"] = moment.replace(tzinfo=recording.offset_zone(recording.PROVINCE_OFFSET))
        return data


def ward_choices() -> list[SelectChoice]:
    wards = db.session.scalars(select(Ward)).all()
    return sorted((SelectChoice(w.code, w.name) for w in wards), key=lambda c: c.label)


class EventImportForm(FlaskForm):
    file = FileField(
        _l("CSV file of events"),
        validators=[FileRequired(_l("Choose the CSV file to import."))],
        render_kw={"accept": ".csv,text/csv"},
    )
    only_valid = BooleanField(
        _l("Import only the good rows (leave out the rows with problems)"),
        description=_l(
            "Without this, a file with any bad row saves nothing: fix the rows the report "
            "lists and upload it again."
        ),
    )
