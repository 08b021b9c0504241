"""The harness itself: what one test commits is gone in the next."""

import pytest
from sqlalchemy import func, select

from core.extensions import db
from traceability.registry.models import Producer

_counts: list[int] = []


@pytest.mark.parametrize("attempt", [1, 2])
def test_committed_rows_do_not_leak_into_the_next_test(make, attempt):
    before = db.session.scalar(select(func.count()).select_from(Producer))
    make.producer()
    db.session.commit()
    _counts.append(before)
    # Both runs must start from the same count: the first run's commit was rolled back.
    assert len(set(_counts)) == 1, _counts
