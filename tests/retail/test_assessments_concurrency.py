"""Officers who press "Start the assessment" for one shop at the same moment share one draft."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from core.accounts.models import Role, User
from core.extensions import db
from retail.assessments import frameworks, services
from retail.assessments.models import Assessment
from retail.shops.models import Shop
from tests import factories
from tests.conftest import make_test_app
from tests.retail.test_assessments_services import WARD, make_shop

STARTERS = 8


@pytest.mark.no_db_isolation
def test_concurrent_starts_make_one_draft(fresh_database, tmp_path):
    from flask_migrate import upgrade

    from core.wards.services import load_wards

    app = make_test_app(fresh_database(), tmp_path)
    with app.app_context():
        upgrade()
        load_wards()
        frameworks.seed_default()
        officers = [factories.user(Role.OFFICER, wards=(WARD,)) for _ in range(STARTERS)]
        shop = make_shop(officers[0])
        db.session.commit()
        shop_id, officer_ids = shop.id, [o.id for o in officers]
        db.session.remove()

    barrier = threading.Barrier(STARTERS)
    started, errors = [], []

    def press_start(officer_id: int):
        with app.app_context():
            try:
                shop = db.session.get(Shop, shop_id)
                actor = db.session.get(User, officer_id)
                db.session.commit()  # hold no lock while waiting for the others
                barrier.wait(timeout=30)
                started.append(services.start(shop, actor).id)
                db.session.commit()
            except Exception as exc:  # reported below
                errors.append(exc)
                db.session.rollback()
            finally:
                db.session.remove()

    threads = [threading.Thread(target=press_start, args=(i,)) for i in officer_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    with app.app_context():
        drafts = db.session.scalar(
            select(func.count()).select_from(Assessment).where(Assessment.shop_id == shop_id)
        )
        db.session.remove()
        db.engine.dispose()
    assert drafts == 1
    assert len(set(started)) == 1 and len(started) == STARTERS
