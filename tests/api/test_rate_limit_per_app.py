"""The API rate limit comes from the app serving the request, whatever apps the process built."""

from core.extensions import db, limiter
from tests.conftest import make_test_app


def test_an_app_built_later_does_not_impose_its_limit_on_another(app, client, make, tmp_path):
    _producer, owner = make.producer()
    headers = {"Authorization": f"Bearer {make.token(owner)}"}
    db.session.commit()
    # Another app in the same process (as a worker that builds one for a command would) with a
    # tiny limit: before, its limit stayed attached to the shared blueprints and counted here.
    make_test_app(f"sqlite:///{tmp_path / 'other.sqlite3'}", tmp_path, RATELIMIT_API="2 per hour")
    vars(limiter).update(app.limiter_state)
    statuses = [client.get("/api/v1/wards/", headers=headers).status_code for _ in range(4)]
    assert statuses == [200] * 4
