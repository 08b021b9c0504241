"""Forms of the national-portal exchange pages: the listing-result upload and its confirmation."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, HiddenField
from wtforms.validators import DataRequired

ONLY_VALID = _l("Import only the good rows (leave out the rows with problems)")
ONLY_VALID_HELP = _l(
    "Without this, a file with any bad row saves nothing: fix the rows the report lists and "
    "upload it again."
)


class ListingUploadForm(FlaskForm):
    """The portal's listing results: checked and shown first, saved only once confirmed."""

    file = FileField(
        _l("CSV file of the portal's listing results"),
        validators=[FileRequired(_l("Choose the CSV file to import."))],
        render_kw={"accept": ".csv,text/csv"},
    )
    only_valid = BooleanField(ONLY_VALID, description=ONLY_VALID_HELP)


class ListingConfirmForm(FlaskForm):
    """The previewed file, carried back (base64) so the confirmed import is the checked one."""

    payload = HiddenField(validators=[DataRequired(_l("Upload the file again."))])
    only_valid = HiddenField()
