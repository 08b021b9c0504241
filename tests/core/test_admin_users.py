"""User administration: search, edit role and wards, deactivate and reactivate (with a
confirmation), one-time password-reset links, the audit log and the last-admin rule."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select
from werkzeug.security import check_password_hash

from core.accounts import services
from core.accounts.models import Role, User
from core.audit import AuditEntry
from core.errors import Conflict, ValidationFailed
from core.extensions import db
from tests import factories

EN = {"Accept-Language": "en"}
NEW_PASSWORD = "tieu-chin-ngot-31"


def actions(user: User) -> list[str]:
    return list(
        db.session.scalars(
            select(AuditEntry.action)
            .where(AuditEntry.object_type == "users", AuditEntry.object_id == str(user.id))
            .order_by(AuditEntry.id)
        )
    )


@pytest.fixture
def admin(client, make):
    user = make.user(Role.ADMIN)
    db.session.commit()
    client.login(user.email, factories.PASSWORD)
    return user


def test_the_user_list_searches_by_name_and_email(client, make, admin):
    make.user(Role.STAFF, full_name="Lê Thị Hồng", email="hong.le@example.vn")
    make.user(Role.STAFF, full_name="Phạm Văn Tâm", email="tam.pham@example.vn")
    db.session.commit()
    html = client.get("/admin/users?q=hong").get_data(as_text=True)
    assert "hong.le@example.vn" in html and "tam.pham@example.vn" not in html
    html = client.get("/admin/users?q=Phạm").get_data(as_text=True)
    assert "tam.pham@example.vn" in html and "hong.le@example.vn" not in html
    html = client.get("/admin/users?q=%25", headers=EN).get_data(as_text=True)  # "%" is literal
    assert "No account matches." in html


def test_an_admin_changes_a_role_and_an_officers_wards(client, make, admin):
    staff = make.staff()
    db.session.commit()
    response = client.submit(
        f"/admin/users/{staff.id}",
        {"full_name": "Cán bộ Hồng", "role": "officer", "wards": ["26188", "26098"]},
        token_from=f"/admin/users/{staff.id}",
    )
    assert response.status_code == 302
    db.session.refresh(staff)
    assert staff.role is Role.OFFICER and staff.full_name == "Cán bộ Hồng"
    assert [w.code for w in staff.wards] == ["26098", "26188"]
    entry = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "user.update").order_by(AuditEntry.id.desc())
    ).first()
    assert entry.actor_id == admin.id
    assert entry.detail["before"]["role"] == "staff"
    assert entry.detail["after"] == {"role": "officer", "wards": ["26098", "26188"]}


def test_an_officer_keeps_at_least_one_ward(client, make, admin):
    officer = make.user(Role.OFFICER)
    db.session.commit()
    html = client.submit(
        f"/admin/users/{officer.id}",
        {"full_name": officer.full_name, "role": "officer"},
        token_from=f"/admin/users/{officer.id}",
        headers=EN,
    ).get_data(as_text=True)
    assert "Choose the wards this officer works in." in html
    db.session.refresh(officer)
    assert [w.code for w in officer.wards] == ["26188"]


def test_a_producer_account_stays_a_producer_account(app_ctx, make):
    producer, owner = make.producer()
    admin = make.user(Role.ADMIN)
    with pytest.raises(ValidationFailed) as exc:
        services.update_user(
            owner, full_name=owner.full_name, role=Role.STAFF, ward_codes=[], actor=admin
        )
    assert "role" in exc.value.errors
    assert owner.role is Role.PRODUCER and owner.producer_id == producer.id


def test_the_ward_picker_groups_checkboxes_by_type(client, admin):
    html = client.get("/admin/users").get_data(as_text=True)
    assert "<select multiple" not in html and 'name="wards" multiple' not in html
    groups = re.findall(r'<fieldset class="ward-group" data-ward-group>\s*<legend>([^<]+)<', html)
    assert [g.strip() for g in groups] == ["Phường", "Xã"]
    boxes = re.findall(r'<input type="checkbox" name="wards" value="(\d{5})"', html)
    assert len(boxes) == len(set(boxes)) == 95
    assert "js/wards-picker.js" in html
    # The search box is hidden until the script shows it: without JavaScript all boxes work.
    assert re.search(r'class="ward-search" hidden', html)


def test_deactivation_asks_first_then_ends_access(client, make, admin):
    staff = make.staff()
    db.session.commit()
    confirm = client.get(f"/admin/users/{staff.id}/deactivate", headers=EN)
    assert confirm.status_code == 200
    assert "Yes, deactivate" in confirm.get_data(as_text=True)
    db.session.refresh(staff)
    assert staff.is_active  # asking changed nothing
    client.submit(
        f"/admin/users/{staff.id}/deactivate", token_from=f"/admin/users/{staff.id}/deactivate"
    )
    db.session.refresh(staff)
    assert not staff.is_active
    client.submit(
        f"/admin/users/{staff.id}/reactivate", token_from=f"/admin/users/{staff.id}/reactivate"
    )
    db.session.refresh(staff)
    assert staff.is_active
    assert actions(staff)[-2:] == ["user.deactivate", "user.activate"]


def test_the_last_active_admin_cannot_be_demoted_or_deactivated(app_ctx, make):
    admin = make.user(Role.ADMIN)
    for other in db.session.scalars(select(User).where(User.role == Role.ADMIN)):
        if other.id != admin.id:
            other.is_active = False
    with pytest.raises(ValidationFailed) as exc:
        services.update_user(
            admin, full_name=admin.full_name, role=Role.STAFF, ward_codes=[], actor=admin
        )
    assert "role" in exc.value.errors
    with pytest.raises(Conflict):
        services.set_active(admin, False, admin)
    # With a second active admin, the first may step down.
    second = make.user(Role.ADMIN)
    services.update_user(
        admin, full_name=admin.full_name, role=Role.STAFF, ward_codes=[], actor=admin
    )
    assert admin.role is Role.STAFF
    # `second` is now the last one and cannot step down.
    with pytest.raises(ValidationFailed):
        services.update_user(
            second,
            full_name=second.full_name,
            role=Role.OFFICER,
            ward_codes=["26188"],
            actor=second,
        )


def test_a_reset_link_is_shown_once_uncached_and_works_once(app, client, make, admin):
    _producer, owner = make.producer()
    db.session.commit()
    page = client.submit(
        f"/admin/users/{owner.id}/reset-link", token_from=f"/admin/users/{owner.id}"
    )
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "no-store"
    link = re.search(
        r'<code class="token" id="reset-link">([^<]+)</code>', page.get_data(as_text=True)
    ).group(1)
    assert link.startswith("https://trace.example.vn/reset/")
    path = link.removeprefix("https://trace.example.vn")
    assert link not in client.get(f"/admin/users/{owner.id}").get_data(as_text=True)
    assert "user.reset_link" in actions(owner)

    # The producer, logged in somewhere before, opens the link on their phone.
    old_session = app.test_client()
    old_session.login(owner.email, factories.PASSWORD)
    phone = app.test_client()
    form = phone.get(path)
    assert form.status_code == 200 and form.headers["Cache-Control"] == "no-store"
    weak = phone.submit(
        path,
        {"new_password": "password123", "confirm_password": "password123"},
        token_from=path,
        headers=EN,
    )
    assert "one of the most common passwords" in weak.get_data(as_text=True)
    done = phone.submit(
        path, {"new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD}, token_from=path
    )
    assert done.status_code == 302 and done.headers["Location"] == "/login"
    db.session.refresh(owner)
    assert check_password_hash(owner.password_hash, NEW_PASSWORD)
    assert "user.password_reset" in actions(owner)
    phone.login(owner.email, NEW_PASSWORD)
    assert old_session.get("/producer").status_code == 302  # earlier sessions ended

    # Used once: the same link is dead, also for a second try.
    assert phone.get(path).status_code == 404
    again = phone.submit(
        path, {"new_password": "another-pass-88", "confirm_password": "another-pass-88"}
    )
    assert again.status_code == 404


def test_a_reset_link_expires(app, client, make, monkeypatch):
    staff = make.staff()
    admin = make.user(Role.ADMIN)
    token = services.create_reset_token(staff, admin)
    db.session.commit()
    assert client.get(f"/reset/{token}").status_code == 200
    monkeypatch.setitem(app.config, "PASSWORD_RESET_MAX_AGE", -1)
    assert client.get(f"/reset/{token}").status_code == 404


def test_a_reset_link_dies_with_deactivation_and_is_not_made_for_inactive_accounts(
    client, make, app_ctx
):
    staff = make.staff()
    admin = make.user(Role.ADMIN)
    token = services.create_reset_token(staff, admin)
    services.set_active(staff, False, admin)
    db.session.commit()
    assert client.get(f"/reset/{token}").status_code == 404
    services.set_active(staff, True, admin)  # reactivating does not bring old links back
    db.session.commit()
    assert client.get(f"/reset/{token}").status_code == 404
    services.set_active(staff, False, admin)
    with pytest.raises(Conflict):
        services.create_reset_token(staff, admin)


def test_a_forged_reset_token_is_refused(app_ctx, make):
    staff = make.staff()
    admin = make.user(Role.ADMIN)
    token = services.create_reset_token(staff, admin)
    assert services.user_for_reset_token(token) == staff
    assert (
        services.user_for_reset_token(token[:-2] + ("AA" if token[-2:] != "AA" else "BB")) is None
    )
    assert services.user_for_reset_token("not-a-token") is None


def test_only_admins_make_reset_links(app_ctx, make):
    from core.errors import Forbidden

    staff = make.staff()
    other = make.staff()
    with pytest.raises(Forbidden):
        services.create_reset_token(other, staff)


def test_an_operator_prints_a_reset_link_from_the_command_line(app, client, make):
    admin = make.user(Role.ADMIN)
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["users", "reset-link", "--email", admin.email])
    assert result.exit_code == 0, result.output
    link = result.stdout.strip()
    assert link.startswith("https://trace.example.vn/reset/")
    assert client.get(link.removeprefix("https://trace.example.vn")).status_code == 200
    unknown = app.test_cli_runner().invoke(args=["users", "reset-link", "--email", "x@y.vn"])
    assert unknown.exit_code != 0
