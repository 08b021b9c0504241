"""Forms of the ward report pages: the officer's narrative and the Department's comment."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SubmitField, TextAreaField
from wtforms.validators import Length

from core.forms import strip
from reports.quarterly.services import COMMENT_MAX, NARRATIVE, NARRATIVE_MAX

TOO_LONG = _l("At most %(max)d characters.")


class NarrativeForm(FlaskForm):
    """Save the draft, or save it and go on to send it (every part must then be written)."""

    activities = TextAreaField(
        _l("Activities in the quarter"),
        filters=[strip],
        validators=[Length(max=NARRATIVE_MAX, message=TOO_LONG)],
        render_kw={"rows": 6},
    )
    difficulties = TextAreaField(
        _l("Difficulties"),
        filters=[strip],
        validators=[Length(max=NARRATIVE_MAX, message=TOO_LONG)],
        render_kw={"rows": 5},
    )
    proposals = TextAreaField(
        _l("Proposals"),
        filters=[strip],
        validators=[Length(max=NARRATIVE_MAX, message=TOO_LONG)],
        render_kw={"rows": 5},
    )
    save = SubmitField(_l("Save draft"))
    send = SubmitField(_l("Send to the Department…"))

    def to_data(self) -> dict:
        return {name: getattr(self, name).data or "" for name in NARRATIVE}


class ReturnForm(FlaskForm):
    """Send a submitted report back; the comment is required (the service says so too)."""

    comment = TextAreaField(
        _l("What should the ward change?"),
        filters=[strip],
        validators=[Length(max=COMMENT_MAX, message=TOO_LONG)],
        render_kw={"rows": 4},
    )
