"""The upload form of a shop import: the file and the choice to import only the good rows.

The file's content is read and checked by `retail.shops.imports` (a spreadsheet is not a field
WTForms can parse); the form only says that a file was chosen.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField

from retail.shops.models import ImportState


class ImportForm(FlaskForm):
    file = FileField(
        _l("File (CSV or XLSX)"),
        validators=[FileRequired(_l("Choose the CSV or XLSX file to import."))],
        render_kw={
            "accept": ".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument"
            ".spreadsheetml.sheet"
        },
    )
    only_valid = BooleanField(
        _l("Import only the good rows (leave out the rows with problems)"),
        description=_l(
            "Without this, a file with any bad row saves nothing: fix the rows the report "
            "lists and upload it again."
        ),
    )


STATE_LABELS = {
    ImportState.CHECKING: _l("Checking the rows"),
    ImportState.CHECKED: _l("Saving the shops"),
    ImportState.IMPORTING: _l("Saving the shops"),
    ImportState.DONE: _l("Imported"),
    ImportState.REFUSED: _l("Refused: nothing was saved"),
    ImportState.FAILED: _l("Failed: nothing was saved"),
}
