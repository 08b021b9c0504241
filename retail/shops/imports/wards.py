"""Ward codes in a file: a current code (one of the 95), or a code from before 1 July 2025.

A pre-merger unit that went wholly into one current unit is mapped to it, with a warning; one
split between units is refused, naming them, since only the person importing knows which one
the shop is in. The map is the project's copy of the shared list
(`core/wards/dong_nai_predecessors.csv`), read as the wards loader reads its CSV.
"""

from __future__ import annotations

import re
from functools import cache

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from core.errors import FieldError
from core.extensions import db
from core.wards import services as ward_services
from core.wards.models import Ward

PREDECESSORS_FILE = ward_services.DATA_FILE.with_name("dong_nai_predecessors.csv")
_OLD_UNITS = "old_units (old_code name (full|partial))"
_OLD_UNIT = re.compile(r"(\d{5}) (.+) \((full|partial)\)")


@cache
def former_units() -> dict[str, tuple[str, tuple[tuple[str, bool], ...]]]:
    """Every unit before 1/7/2025: its name and the current units it went into (code, wholly)."""
    former: dict[str, tuple[str, list]] = {}
    for line in ward_services.read_reference(PREDECESSORS_FILE):
        for part in line[_OLD_UNITS].split(";"):
            match = _OLD_UNIT.fullmatch(part.strip())
            if match is None:
                raise RuntimeError(f"{PREDECESSORS_FILE.name}: cannot read {part!r}")
            code, name, share = match.groups()
            former.setdefault(code, (name, []))[1].append((line["new_code"], share == "full"))
    return {code: (name, tuple(targets)) for code, (name, targets) in former.items()}


class WardCodes:
    """The current codes (from the database) and the pre-merger codes that lead to them."""

    def __init__(self):
        # Held here so the session keeps them: `check_shop` gets each row's ward without a query.
        self.rows = list(db.session.scalars(select(Ward)))
        self.names = {ward.code: ward.name for ward in self.rows}
        self.former = former_units()

    def resolve(self, text: str) -> tuple[str, object | None]:
        """The current code a cell means, with a warning when it was a pre-merger code."""
        code = text.strip()
        if not code:
            raise FieldError(
                _l("Write the ward's 5-digit code (the template's second sheet lists the 95).")
            )
        if code in self.names:
            return code, None
        if code not in self.former:
            raise FieldError(
                _l(
                    "%(code)s is not the code of a ward or commune of Đồng Nai: write its "
                    "5-digit code (the template's second sheet lists the 95).",
                    code=code,
                )
            )
        name, targets = self.former[code]
        if len(targets) == 1 and targets[0][1]:
            new = targets[0][0]
            return new, _l(
                "Ward code %(old)s (%(name)s) is from before 1/7/2025: that unit is now part of "
                "%(new)s %(new_name)s, where the shop is saved. Write %(new)s next time.",
                old=code,
                name=name,
                new=new,
                new_name=self.names.get(new, ""),
            )
        units = ", ".join(f"{new} {self.names.get(new, '')}".strip() for new, _ in targets)
        raise FieldError(
            _l(
                "Ward code %(old)s (%(name)s) is from before 1/7/2025, and that unit was split "
                "between %(units)s: write the code of the one the shop is in now.",
                old=code,
                name=name,
                units=units,
            )
        )
