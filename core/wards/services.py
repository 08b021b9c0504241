"""Loading the reference list of wards and managing the roll-out."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from core import audit
from core.errors import FieldErrors
from core.extensions import db
from core.wards.models import RolloutPhase, Ward, WardKind, WardStatus

DATA_FILE = Path(__file__).with_name("dong_nai_units.csv")

MERGER_DATE = dt.date(2025, 7, 1)
MERGER_BASIS = "Nghị quyết 1662/NQ-UBTVQH15"
RECLASSIFICATION_DATE = dt.date(2026, 4, 30)
RECLASSIFICATION_BASIS = "Nghị quyết 30/2026/QH16; 237/NQ-UBTVQH16"

_KINDS = {"Xã": WardKind.XA, "Phường": WardKind.PHUONG}


def read_reference(path: Path = DATA_FILE) -> list[dict]:
    """The rows of the reference CSV, one per unit."""
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def load_wards(path: Path = DATA_FILE) -> tuple[int, int]:
    """Insert or update every unit and its statuses, keeping roll-out settings.

    Returns (added, refreshed).
    """
    existing = {w.code: w for w in db.session.scalars(select(Ward))}
    created = updated = 0
    for row in read_reference(path):
        code = row["ward_code"].strip()
        ward = existing.get(code)
        if ward is None:
            ward = Ward(code=code, rollout_phase=RolloutPhase.NOT_PLANNED)
            db.session.add(ward)
            created += 1
        else:
            updated += 1
        ward.name_en = row["name_en"]
        ward.former_province = row["former_province"]
        ward.predecessors = row["predecessor_units(old_code:name)"]
        wanted = [(MERGER_DATE, row["name_2025"], _KINDS[row["type_2025"]], MERGER_BASIS)]
        later = (row["name_since_2026_04_30"], _KINDS[row["type_since_2026_04_30"]])
        if later != wanted[0][1:3]:
            wanted.append((RECLASSIFICATION_DATE, *later, RECLASSIFICATION_BASIS))
        have = {s.valid_from: s for s in ward.statuses}
        for valid_from, name, kind, basis in wanted:
            status = have.pop(valid_from, None)
            if status is None:
                ward.statuses.append(
                    WardStatus(valid_from=valid_from, name=name, kind=kind, legal_basis=basis)
                )
            else:
                status.name, status.kind, status.legal_basis = name, kind, basis
        for stale in have.values():
            ward.statuses.remove(stale)
    db.session.flush()
    return created, updated


def filter_wards(
    wards,
    day: dt.date,
    *,
    q: str = "",
    kind: str | None = None,
    group: str | None = None,
    phase: str | None = None,
) -> list[Ward]:
    """Wards matching a name or code and a type, group and roll-out phase as of `day`."""
    q = (q or "").strip().lower()
    return [
        w
        for w in wards
        if (not q or q in w.name_on(day).lower() or q in w.name_en.lower() or q == w.code)
        and (not kind or w.kind_on(day).value == kind)
        and (not group or w.group_on(day).value == group)
        and (not phase or w.rollout_phase.value == phase)
    ]


def update_rollout(ward: Ward, *, phase: RolloutPhase, started_on: dt.date | None, actor) -> Ward:
    """Set a ward's roll-out phase and start date (staff)."""
    errors = FieldErrors()
    if phase is RolloutPhase.NOT_PLANNED and started_on is not None:
        errors.add("rollout_started_on", _l("A ward that is not planned has no start date."))
    if started_on is not None and not dt.date(2025, 7, 1) <= started_on <= dt.date(2030, 12, 31):
        errors.add("rollout_started_on", _l("Choose a date between 1/7/2025 and 31/12/2030."))
    errors.raise_if_any()
    before = {"phase": ward.rollout_phase.value, "started_on": ward.rollout_started_on}
    ward.rollout_phase = phase
    ward.rollout_started_on = started_on
    ward.updated_by_id = actor.id
    audit.record(
        actor,
        "ward.rollout",
        ward,
        before=before,
        after={"phase": phase.value, "started_on": started_on},
    )
    return ward
