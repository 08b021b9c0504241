"""Shop imports from CSV and XLSX: read the file, check every row, then save the good ones.

Three steps, used alike by the page, the API, the CLI and the background job
(`retail.shops.import_jobs`):

- `reading.read_file` (or `read_items`, the API's JSON rows) turns a spreadsheet into `Row`s:
  each cell as text keyed by its column, with the spreadsheet's row number (header = row 1, blank
  lines counted, as Excel numbers them) and a note on each cell Excel had turned into a number. A
  file that cannot be read, or names unknown columns, raises `ValidationFailed` on "file".
- `checking.check` parses every row with the shop rules (`retail.shops.rules`), maps pre-merger
  ward codes (`wards`) and checks the row with `services.check_shop` (the actor's wards,
  duplicates in the database); duplicates within the file name the earlier row. It writes
  nothing and returns a `Report`.
- `saving.finish` saves the good rows (unless the report refuses the file) in the caller's
  transaction, which the edge commits once: all or nothing.

Reasons are rendered in the current locale (the page's, or the one the background job forces).
The report keeps reasons and row numbers; the shops' personal data stays in their rows and never
reaches the audit log. `template` writes the downloadable CSV and XLSX templates.
"""

from retail.shops.imports.checking import Report, check
from retail.shops.imports.owners import get_import, visible_imports
from retail.shops.imports.reading import COLUMNS, ZIP_MAGIC, Row, read_file, read_items
from retail.shops.imports.saving import finish, import_now, new_record

__all__ = [
    "COLUMNS",
    "ZIP_MAGIC",
    "Report",
    "Row",
    "check",
    "finish",
    "get_import",
    "import_now",
    "new_record",
    "read_file",
    "read_items",
    "visible_imports",
]
