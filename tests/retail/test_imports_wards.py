"""The pre-merger ward map behind imports: the project's copy of the shared list, read whole."""

from __future__ import annotations

import csv
import re

from sqlalchemy import select

from core.extensions import db
from core.wards.models import Ward
from retail.shops.imports.wards import PREDECESSORS_FILE, WardCodes, former_units
from tests.conftest import shared_path


def test_the_projects_copy_matches_the_shared_list():
    shared = shared_path("data", "wards", "dong_nai_predecessors.csv")
    assert PREDECESSORS_FILE.read_bytes() == shared.read_bytes()


def test_every_old_unit_is_read_and_leads_to_current_units(app_ctx):
    with PREDECESSORS_FILE.open(encoding="utf-8", newline="") as fh:
        lines = list(csv.DictReader(fh))
    parts = [
        p for line in lines for p in line["old_units (old_code name (full|partial))"].split(";")
    ]
    old_codes = {re.match(r"\s*(\d{5}) ", part).group(1) for part in parts}
    assert set(former_units()) == old_codes
    current = set(db.session.scalars(select(Ward.code)))
    assert len(current) == 95
    for _name, targets in former_units().values():
        assert {code for code, _wholly in targets} <= current


def test_only_units_split_between_several_current_units_are_refused(app_ctx):
    """A unit named "(partial)" under two current units is split; every other one is mapped."""
    with PREDECESSORS_FILE.open(encoding="utf-8", newline="") as fh:
        text = fh.read()
    partial = re.findall(r"(\d{5}) [^;(]+\(partial\)", text)
    split = {code for code in partial if partial.count(code) > 1}
    wards = WardCodes()
    current = set(wards.names)
    for code in set(former_units()) - current:
        if code in split:
            continue
        new, warning = wards.resolve(code)
        assert new in current and warning is not None
    assert split  # the list has such units (26449 Xã Xuân Tâm)
