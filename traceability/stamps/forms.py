"""Forms of the stamp and consumer pages: they turn the text typed into typed values once.

The rules (ranges, layouts, the report workflow) live in the services, which take these values.
"""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DecimalField,
    FloatField,
    Form,
    HiddenField,
    IntegerField,
    RadioField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional

from core.forms import EnumSelectField, strip
from traceability.stamps.models import ReportState, StampState, Verdict

LAYOUT_KIND_LABELS = {
    "sheet": _l("A4 sheets (a grid of stamps per page)"),
    "roll": _l("Label roll (one stamp per page)"),
}
RENDER_STATE_LABELS = {
    "pending": _l("Waiting to be prepared"),
    "rendering": _l("Being prepared"),
    "ready": _l("Ready to print"),
    "failed": _l("Failed"),
}
STAMP_STATE_LABELS = {
    StampState.ISSUED: _l("Issued, not released"),
    StampState.ACTIVE: _l("Active"),
    StampState.VOID: _l("Void"),
}
VERDICT_LABELS = {
    Verdict.GENUINE: _l("Genuine, first scan"),
    Verdict.SCANNED_BEFORE: _l("Genuine, scanned before"),
    Verdict.SUSPICIOUS: _l("Suspicious"),
    Verdict.VOID: _l("Void stamp"),
    Verdict.NOT_ISSUED: _l("Not issued by us"),
    Verdict.PRODUCT: _l("Product code (no serial)"),
}
REASON_LABELS = {
    "reported": _l("a counterfeit report about it was confirmed"),
    "not_released": _l("scanned before it was released"),
    "many_scans": _l("scanned many times"),
    "many_clients": _l("scanned by many different phones"),
    "far_apart": _l("scanned far apart within a few hours"),
    "serial": _l("unknown serial"),
    "lot": _l("unknown lot"),
    "gtin": _l("unknown product"),
    "other_lot": _l("a serial of this product under another lot"),
    "expired": _l("the batch was past its use-by date"),
    "recalled": _l("the batch was recalled"),
}
REPORT_STATE_LABELS = {
    ReportState.NEW: _l("New"),
    ReportState.INVESTIGATING: _l("Investigating"),
    ReportState.CONFIRMED: _l("Confirmed fake"),
    ReportState.DISMISSED: _l("Dismissed"),
}
CLIENT_FAMILY_LABELS = {
    "android": "Android",
    "ios": "iPhone / iPad",
    "zalo": "Zalo",
    "desktop": _l("Computer"),
    "bot": _l("Bots and link previews"),
    "other": _l("Other"),
}


class StampOrderForm(FlaskForm):
    quantity = IntegerField(_l("Number of stamps"), validators=[Optional()])
    kind = RadioField(
        _l("Print on"),
        choices=[SelectChoice(k, v) for k, v in LAYOUT_KIND_LABELS.items()],
        default="sheet",
        validate_choice=False,
    )
    rows = IntegerField(_l("Rows per sheet"), validators=[Optional()])
    cols = IntegerField(_l("Columns per sheet"), validators=[Optional()])
    size_mm = DecimalField(_l("Stamp size (mm)"), places=1, validators=[Optional()])
    show_caption = BooleanField(_l("Print the product name under each code"), default=True)
    scan_hint = BooleanField(_l("Print “Scan to check” under each code"))
    activation_required = BooleanField(
        _l("Keep the stamps inactive until I release them (activation)")
    )
    note = StringField(_l("Note (for your records)"), filters=[strip], validators=[Length(max=200)])

    def to_data(self) -> dict:
        """Typed values for `orders.create_order` and `printing.preview_sheet` (None: default)."""
        size_mm = self.size_mm.data
        data = {
            "quantity": self.quantity.data,
            "kind": self.kind.data or None,
            "size_mm": float(size_mm) if size_mm is not None else None,
            "show_caption": self.show_caption.data,
            "scan_hint": self.scan_hint.data,
            "activation_required": self.activation_required.data,
            "note": self.note.data or "",
        }
        if self.kind.data != "roll":
            data.update(rows=self.rows.data, cols=self.cols.data)
        return data


class RangeForm(FlaskForm):
    """Stamp numbers first..last of an order; for releasing, both empty means the whole order."""

    first = IntegerField(_l("From stamp no."), validators=[Optional()])
    last = IntegerField(_l("To stamp no."), validators=[Optional()])

    @property
    def is_empty(self) -> bool:
        return self.first.data is None and self.last.data is None


# Above this many stamps, voiding asks the producer to type the number (a slip costs a lot).
VOID_TYPE_COUNT_ABOVE = 100


class VoidForm(RangeForm):
    """A void is never "the whole order" by an empty range: the box must be ticked.

    The first POST shows what would be voided; `confirmed` (and, for many stamps, the number
    typed again in `typed_count`) makes the second POST void them.
    """

    whole_order = BooleanField(_l("Void the whole order"))
    reason = StringField(
        _l("Reason (e.g. a misprinted sheet)"),
        filters=[strip],
        validators=[Optional(), Length(max=200)],
    )
    confirmed = HiddenField()
    # Text, not a number field: "1.500" and "1 500" are how people write 1500.
    typed_count = StringField(_l("Number of stamps to void"), validators=[Length(max=20)])

    def typed_number(self) -> int | None:
        digits = re.sub(r"[\s.,]", "", self.typed_count.data or "")
        return int(digits) if digits.isdigit() else None

    def to_args(self) -> tuple[str, int | None, int | None]:
        """The reason and the range, for `orders.plan_void` and `orders.void_stamps`."""
        return self.reason.data or "", self.first.data, self.last.data


class ReportStateForm(FlaskForm):
    """A report's new state; the page offers the moves it may make, the service checks them."""

    state = EnumSelectField(_l("New status"), labels=REPORT_STATE_LABELS)
    note = TextAreaField(
        _l("Note (kept in the report's history)"), filters=[strip], validators=[Length(max=2000)]
    )


# --- the consumer's pages: no account --------------------------------------------------------


class ReportForm(FlaskForm):
    """A consumer's report of a suspected fake (the service checks lengths)."""

    message = TextAreaField(
        _l("What looks wrong?"), filters=[strip], render_kw={"rows": 4, "maxlength": 2000}
    )
    where_bought = StringField(_l("Where did you buy it? (shop, market, website)"), filters=[strip])
    contact = StringField(
        _l("Phone or e-mail, if you would like an answer (optional)"), filters=[strip]
    )
    photo = FileField(
        _l("A photo of the product or stamp (optional)"),
        render_kw={"accept": "image/jpeg,image/png,image/webp"},
    )
    # A field people never see; bots fill it in.
    website = HiddenField()

    def to_data(self) -> dict[str, str]:
        """The report's text, for `counterfeit.create_report`."""
        return {
            name: getattr(self, name).data or "" for name in ("message", "where_bought", "contact")
        }


class PlaceForm(FlaskForm):
    """The coarse place the consumer page's script sends (no session: the token is the proof)."""

    class Meta:
        csrf = False

    lat = FloatField(validators=[InputRequired()])
    lon = FloatField(validators=[InputRequired()])


class TypedSerialForm(Form):
    """The serial (and GTIN) typed under a damaged QR code: a GET form, without a session."""

    serial = StringField(filters=[strip])
    gtin = StringField(filters=[strip])
