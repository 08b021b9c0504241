"""Shop imports from CSV and XLSX, checked row by row.

POST a file (multipart, field `file`, as on the page: a big file runs in the background and
answers 202; poll GET /<id>), or JSON rows (`{"rows": [{"name": …, "ward_code": …}], …}`, at most
ROWS_MAX, numbered from 1 in the report). Every row is checked first: with any bad row nothing is
saved (422, the row report in `errors.json.rows`) unless `only_valid` is true. Rows already
registered are skipped, so sending the same rows again creates nothing.
"""

from flask import request
from flask.views import MethodView
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_smorest import abort
from marshmallow import Schema, ValidationError, fields
from marshmallow.validate import Length

from api.auth import api_blueprint, commit, current_api_user
from core import access
from core.errors import DomainError, ValidationFailed
from core.fields import List
from retail.shops import import_jobs, imports
from retail.shops.models import ImportState, ShopImport

blp = api_blueprint(
    "Shop imports",
    __name__,
    "/api/v1/shop-imports",
    "Shop imports from CSV and XLSX, checked row by row.",
)

ROWS_MAX = 1000  # JSON rows per request; bigger lists are sent as a file
CELL_MAX = 500  # characters of one cell (the rules refuse what a column cannot hold)


def _cell(column: str) -> fields.String:
    return fields.String(allow_none=True, validate=Length(max=CELL_MAX), data_key=column)


class ShopRowIn(Schema):
    """One shop, as a row of the spreadsheet template (every value is text)."""

    name = _cell("name")
    owner_name = _cell("owner_name")
    phone = _cell("phone")
    registration_no = _cell("registration_no")
    ward_code = _cell("ward_code")
    address = _cell("address")
    kind = _cell("kind")
    market = _cell("market")


class ShopImportRowsIn(Schema):
    rows = List(
        fields.Nested(ShopRowIn),
        max_items=ROWS_MAX,
        required=True,
        metadata={"description": "The report numbers these rows from 1, in this order"},
    )
    only_valid = fields.Boolean(
        load_default=False,
        metadata={"description": "Save the good rows even when some rows are bad"},
    )


class ShopImportUploadIn(Schema):
    file = fields.Raw(
        required=True,
        metadata={
            "type": "string",
            "format": "binary",
            "description": "CSV (UTF-8, `,` or `;`) or XLSX; row 1 names the columns",
        },
    )
    only_valid = fields.Boolean(
        load_default=False,
        metadata={"description": "Save the good rows even when some rows are bad"},
    )


class FindingOut(Schema):
    row = fields.Integer()
    field = fields.String(metadata={"description": "The column; empty for the whole row"})
    reason = fields.String()


class SkippedOut(Schema):
    row = fields.Integer()
    shop_id = fields.Integer()


class ShopImportOut(Schema):
    id = fields.Integer()
    filename = fields.String()
    state = fields.Enum(ImportState, by_value=True)
    only_valid = fields.Boolean()
    total_rows = fields.Integer()
    done_rows = fields.Integer(metadata={"description": "Rows checked so far"})
    created_shops = fields.Integer()
    skipped_rows = fields.Integer(metadata={"description": "Rows already registered"})
    bad_rows = fields.Integer()
    errors = fields.List(fields.Nested(FindingOut))
    warnings = fields.List(fields.Nested(FindingOut))
    skipped = fields.List(fields.Nested(SkippedOut))
    message = fields.String(metadata={"description": "Why a failed import failed"})
    stalled = fields.Boolean(metadata={"description": "The background job stopped (restart)"})
    created_at = fields.AwareDateTime()
    finished_at = fields.AwareDateTime(allow_none=True)


class ImportRefused(DomainError):
    """Bad rows and no `only_valid`: nothing was saved; the rows are in the error's body."""

    status = 422

    def __init__(self, record: ShopImport):
        bad = (record.report or {}).get("bad_rows", 0)
        super().__init__(
            ngettext(
                "Nothing was imported: %(num)s row has a problem (import %(id)s).",
                "Nothing was imported: %(num)s rows have problems (import %(id)s).",
                bad,
                id=record.id,
            )
        )
        self.record = record

    @property
    def errors(self) -> dict:
        return {"rows": (self.record.report or {}).get("errors", []), "import_id": self.record.id}


def _out(record: ShopImport) -> dict:
    report = record.report or {}
    return {
        "id": record.id,
        "filename": record.filename,
        "state": record.state,
        "only_valid": record.only_valid,
        "total_rows": record.total_rows,
        "done_rows": record.done_rows,
        "created_shops": record.created_shops,
        "skipped_rows": record.skipped_rows,
        "bad_rows": report.get("bad_rows", 0),
        "errors": report.get("errors", []),
        "warnings": report.get("warnings", []),
        "skipped": report.get("skipped", []),
        "message": report.get("message", ""),
        "stalled": import_jobs.stalled(record),
        "created_at": record.created_at,
        "finished_at": record.finished_at,
    }


def _from_upload(user) -> ShopImport:
    try:
        data = ShopImportUploadIn().load({**request.form.to_dict(), **request.files.to_dict()})
    except ValidationError as exc:
        abort(422, message=str(_l("The request is not valid.")), messages={"form": exc.messages})
    upload = data["file"]
    if not hasattr(upload, "read"):
        raise ValidationFailed({"file": [_l("Send the file in the multipart field “file”.")]})
    return import_jobs.start(
        upload.read(), upload.filename or "", user, only_valid=data["only_valid"]
    )


def _from_json(user) -> ShopImport:
    try:
        data = ShopImportRowsIn().load(request.get_json(silent=True) or {})
    except ValidationError as exc:
        abort(422, message=str(_l("The request is not valid.")), messages={"json": exc.messages})
    rows = imports.read_items(data["rows"])
    return imports.import_now(
        rows,
        user,
        filename="rows.json",
        only_valid=data["only_valid"],
        locale=import_jobs.current_locale(),
    )


@blp.route("/")
class ShopImports(MethodView):
    @blp.doc(
        requestBody={
            "required": True,
            "content": {
                "application/json": {"schema": ShopImportRowsIn},
                "multipart/form-data": {"schema": ShopImportUploadIn},
            },
        }
    )
    @blp.response(201, ShopImportOut, description="Imported (the report lists what was left out)")
    @blp.alt_response(202, schema=ShopImportOut, description="A big file: running in background")
    def post(self):
        """Import shops from a CSV or XLSX file, or from JSON rows"""
        user = current_api_user()
        access.require_retail_role(user)
        upload = request.mimetype == "multipart/form-data"
        record = _from_upload(user) if upload else _from_json(user)
        commit()
        import_jobs.run_if_waiting(record)
        if record.state is ImportState.REFUSED:
            raise ImportRefused(record)
        return _out(record), 202 if record.state in import_jobs.RUNNING else 201


@blp.route("/<int:import_id>")
class ShopImportById(MethodView):
    @blp.response(200, ShopImportOut)
    def get(self, import_id):
        """Read an import: its state, progress and row report"""
        return _out(imports.get_import(import_id, current_api_user()))
