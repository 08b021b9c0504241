"""The 95 wards: reference data, types over time, roll-out."""

import csv
import datetime as dt

from sqlalchemy import func, select

from core.audit import AuditEntry
from core.extensions import db
from core.wards.models import AreaGroup, RolloutPhase, Ward, WardKind, WardStatus
from core.wards.services import DATA_FILE, load_wards
from tests import factories
from tests.conftest import shared_path

BEFORE = dt.date(2026, 4, 29)
AFTER = dt.date(2026, 4, 30)


def _wards():
    return db.session.scalars(select(Ward).order_by(Ward.code)).all()


def test_ninety_five_units_are_loaded(app_ctx):
    assert len(_wards()) == 95


def test_types_change_on_30_april_2026(app_ctx):
    wards = _wards()
    assert sum(w.kind_on(BEFORE) is WardKind.PHUONG for w in wards) == 23
    assert sum(w.kind_on(BEFORE) is WardKind.XA for w in wards) == 72
    assert sum(w.kind_on(AFTER) is WardKind.PHUONG for w in wards) == 33
    assert sum(w.kind_on(AFTER) is WardKind.XA for w in wards) == 62
    loc_ninh = db.session.get(Ward, "25270")
    assert (loc_ninh.name_on(BEFORE), loc_ninh.name_on(AFTER)) == ("Xã Lộc Ninh", "Phường Lộc Ninh")
    assert (
        loc_ninh.group_on(BEFORE) is AreaGroup.RURAL and loc_ninh.group_on(AFTER) is AreaGroup.URBAN
    )


def test_project_reference_data_matches_the_shared_official_list(app_ctx):
    shared = shared_path("data", "wards", "dong_nai_units.csv")
    with shared.open(encoding="utf-8") as fh:
        official = {r["ward_code"]: r for r in csv.DictReader(fh)}
    assert DATA_FILE.read_bytes() == shared.read_bytes()
    for ward in _wards():
        row = official[ward.code]
        assert ward.name_on(BEFORE) == row["name_2025"]
        assert ward.name_on(AFTER) == row["name_since_2026_04_30"]


def test_loading_again_changes_nothing_and_keeps_the_rollout(app_ctx):
    ward = db.session.get(Ward, "26188")
    ward.rollout_phase = RolloutPhase.PILOT_2026
    statuses = db.session.scalar(select(func.count()).select_from(WardStatus))
    created, updated = load_wards()
    db.session.flush()
    assert (created, updated) == (0, 95)
    assert db.session.scalar(select(func.count()).select_from(WardStatus)) == statuses
    assert db.session.get(Ward, "26188").rollout_phase is RolloutPhase.PILOT_2026


def test_staff_set_the_rollout_and_it_is_audited(client, make):
    staff = make.staff()
    db.session.commit()
    client.login(staff.email, factories.PASSWORD)
    response = client.submit(
        "/wards/26098/rollout",
        {"rollout_phase": "pilot_2026", "rollout_started_on": "2026-03-01"},
        token_from="/wards/26098/rollout",
    )
    assert response.status_code == 302
    ward = db.session.get(Ward, "26098")
    db.session.refresh(ward)
    assert ward.rollout_phase is RolloutPhase.PILOT_2026
    assert ward.rollout_started_on == dt.date(2026, 3, 1)
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "ward.rollout"))
    assert entry.actor_id == staff.id and entry.object_id == "26098"
    assert entry.detail["after"] == {"phase": "pilot_2026", "started_on": "2026-03-01"}


def test_a_ward_not_planned_has_no_start_date(client, make):
    staff = make.staff()
    db.session.commit()
    client.login(staff.email, factories.PASSWORD)
    response = client.submit(
        "/wards/26098/rollout",
        {"rollout_phase": "not_planned", "rollout_started_on": "2026-03-01"},
        token_from="/wards/26098/rollout",
        headers={"Accept-Language": "en"},
    )
    assert response.status_code == 200
    assert "A ward that is not planned has no start date." in response.get_data(as_text=True)
    assert db.session.get(Ward, "26098").rollout_started_on is None


def test_api_lists_wards_as_of_a_date(client, make):
    headers = {"Authorization": f"Bearer {make.token(make.staff())}"}
    db.session.commit()
    before = client.get("/api/v1/wards/?kind=phuong&on=2026-01-01", headers=headers).get_json()
    after = client.get("/api/v1/wards/?kind=phuong&on=2026-05-01", headers=headers).get_json()
    assert (len(before), len(after)) == (23, 33)
    one = client.get("/api/v1/wards/26188", headers=headers).get_json()
    assert one["code"] == "26188" and len(one["statuses"]) >= 1
    bad = client.patch("/api/v1/wards/26188", json={"rollout_phase": "soon"}, headers=headers)
    assert bad.status_code == 422
    assert "rollout_phase" in bad.get_json()["errors"]["json"]
