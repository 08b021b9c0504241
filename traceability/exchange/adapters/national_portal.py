"""The national traceability portal, through files: it publishes no API, so a clerk carries them.

Options (`EXCHANGE_SYSTEMS[name]`): `outbox` and `inbox` (folders; default
`instance/exchange/<name>/outbox` and `…/inbox`, relative paths are under the instance folder).

- `export_product`: the product's ten items (`exchange.exports`) as `<GTIN>-<YYYYMMDD>.json` and
  `.csv` in the outbox, written to a temporary file then renamed, so a half-written file is never
  seen. A product with missing items is not exported (it cannot be submitted); the same files
  written again the same day are "unchanged".
- `push_events`: an EPCISDocument of the events, `epcis-<time>.jsonld` in the outbox.
- `pull_status`: every listing-result CSV in the inbox (GTIN, state, reference, date), oldest
  name first, applied with `exchange.imports.import_listing`: every row is checked before anything
  is saved, and a file with a bad row saves nothing. A refused file moves to `inbox/failed/`
  beside a `<file>.report.txt` saying what to fix; an applied one moves to `inbox/done/` once the
  caller has committed (`committed()`): if the transaction is rolled back the file stays in the
  inbox, and applying it again later is safe (rows already applied are "unchanged"). The whole
  file is applied (the portal's answer is one piece), whatever `products` are asked about.

Listing results change products as staff would: the adapter acts as `actor` (the CLI's `--as`
account, else "the system" with staff's rights).
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _

from core.accounts.models import Role, User
from core.db import province_today, utcnow
from core.errors import DomainError
from traceability.events import documents
from traceability.exchange.adapters.base import Adapter, ItemResult


def write_atomically(path: Path, data: bytes) -> None:
    """Write a whole file or nothing: a temporary file in the same folder, then a rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def system_actor() -> User:
    """Staff's rights without an account (never saved: its changes name no one)."""
    return User(role=Role.STAFF, full_name="system", email="", is_active=True)


class NationalPortal(Adapter):
    kind = "national_portal"

    def __init__(self, name, options, actor: User | None = None):
        super().__init__(name, options)
        self.actor = actor
        self.applied: list[Path] = []  # moved to inbox/done/ by committed()
        self.outbox = self._folder("outbox")
        self.inbox = self._folder("inbox")

    def _folder(self, option: str) -> Path:
        given = self.options.get(option)
        if given:
            return Path(current_app.instance_path) / Path(given)  # an absolute path stays as is
        return Path(current_app.instance_path) / "exchange" / self.name / option

    def describe(self) -> str:
        return f"{self.kind} outbox={self.outbox} inbox={self.inbox}"

    # Export ------------------------------------------------------------------------------

    def _write(self, path: Path, data: bytes) -> str:
        """Write one outbox file; "unchanged" when it holds these bytes already."""
        if path.exists() and path.read_bytes() == data:
            return "unchanged"
        write_atomically(path, data)
        return "sent"

    def export_product(self, product) -> list[ItemResult]:
        from traceability.exchange import exports, items

        missing = items.missing_items(product)
        if missing:
            detail = _(
                "Not exported, items are missing: %(items)s",
                items="; ".join(str(m.message) for m in missing),
            )
            return [ItemResult(product.gtin, "failed", detail)]
        stem = f"{product.gtin}-{province_today():%Y%m%d}"
        body = json.dumps(exports.product_json(product), ensure_ascii=False, indent=2)
        try:
            statuses = {
                self._write(self.outbox / f"{stem}.json", body.encode() + b"\n"),
                self._write(self.outbox / f"{stem}.csv", exports.products_csv([product]).encode()),
            }
        except OSError as exc:
            return [ItemResult(product.gtin, "failed", _reason(exc))]
        status = "sent" if "sent" in statuses else "unchanged"
        return [ItemResult(product.gtin, status, "", f"{stem}.json, {stem}.csv")]

    def push_events(self, events) -> list[ItemResult]:
        events = list(events)
        if not events:
            return []
        name = f"epcis-{utcnow():%Y%m%dT%H%M%S%f}.jsonld"
        document = documents.epcis_document(events)
        data = json.dumps(document, ensure_ascii=False, indent=2).encode() + b"\n"
        try:
            write_atomically(self.outbox / name, data)
        except OSError as exc:
            return [ItemResult(e.event_id, "failed", _reason(exc)) for e in events]
        return [ItemResult(e.event_id, "sent", "", name) for e in events]

    # Listing results ----------------------------------------------------------------------

    def pull_status(self, products=()) -> list[ItemResult]:
        if not self.inbox.is_dir():
            return []
        results: list[ItemResult] = []
        for path in sorted(p for p in self.inbox.iterdir() if p.is_file()):
            if path.suffix.lower() != ".csv":
                continue
            results += self._apply(path)
        return results

    def _apply(self, path: Path) -> list[ItemResult]:
        from traceability.exchange import imports

        actor = self.actor or system_actor()
        try:
            report = imports.import_listing(path.read_bytes(), actor)
        except DomainError as exc:  # unreadable file, wrong header: nothing saved
            messages = [str(m) for ms in (exc.errors or {"": [exc.message]}).values() for m in ms]
            self._move(path, "failed", "\n".join(messages))
            return [ItemResult(path.name, "failed", "; ".join(messages), path.name)]
        except OSError as exc:
            return [ItemResult(path.name, "failed", _reason(exc), path.name)]
        if report.refused:
            lines, results = [], []
            for row in report.rows:
                reasons = "; ".join(
                    f"{e['field']}: {e['reason']}" if e.get("field") else str(e["reason"])
                    for e in row.errors
                )
                if reasons:
                    lines.append(_("Line %(line)s: %(reasons)s", line=row.line, reasons=reasons))
                detail = reasons or _("Not saved: other rows of the file have problems.")
                item = row.gtin or f"{path.name}:{row.line}"
                results.append(ItemResult(item, "failed", detail, f"{path.name}:{row.line}"))
            lines.append(
                _("Nothing was saved: fix these rows and put the file in the inbox again.")
            )
            self._move(path, "failed", "\n".join(lines))
            return results
        self.applied.append(path)
        return [
            ItemResult(row.gtin, row.status, row.reference or "", f"{path.name}:{row.line}")
            for row in report.rows
        ]

    def committed(self) -> None:
        """Move the applied files to inbox/done/ (their changes are saved)."""
        while self.applied:
            path = self.applied.pop(0)
            if path.exists():
                self._move(path, "done")

    def _move(self, path: Path, folder: str, report: str | None = None) -> None:
        target = self.inbox / folder
        target.mkdir(parents=True, exist_ok=True)
        destination = target / path.name
        if destination.exists():  # the same name came back: keep both
            destination = target / f"{path.stem}-{utcnow():%Y%m%dT%H%M%S%f}{path.suffix}"
        if report is not None:
            write_atomically(
                destination.with_name(destination.name + ".report.txt"), report.encode() + b"\n"
            )
        os.replace(path, destination)


def _reason(exc: Exception) -> str:
    return f"{type(exc).__name__}: {exc}"
