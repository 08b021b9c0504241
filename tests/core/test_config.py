"""Configuration from the environment, and refusing unsafe production settings."""

import pytest

from core import create_app
from core.config import ConfigError, dev_secret_key, normalise_database_url


def test_production_refuses_to_start_without_a_secret_key(monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("APP_ENV", "production")
    with pytest.raises(ConfigError, match="SECRET_KEY is not set"):
        create_app({"DATABASE_URL": "sqlite://"})


def test_production_refuses_a_short_secret_key(monkeypatch):
    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "short")
    with pytest.raises(ConfigError, match="too short"):
        create_app({"DATABASE_URL": "sqlite://"})


def test_production_refuses_a_plain_http_base_url(monkeypatch):
    """Stamps print BASE_URL; GS1's resolver checks require https (isHttps, tlsOK)."""
    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "k" * 48)
    monkeypatch.setenv("BASE_URL", "http://truyxuat.dongnai.gov.vn")
    with pytest.raises(ConfigError, match="https"):
        create_app({"DATABASE_URL": "sqlite://"})


def test_production_refuses_a_generated_log_signing_key(monkeypatch):
    """Checkpoints must be signed by the operator's key, not one a server made for itself."""
    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "k" * 48)
    monkeypatch.setenv("BASE_URL", "https://truyxuat.dongnai.gov.vn")
    monkeypatch.delenv("LEDGER_SIGNING_KEY", raising=False)
    monkeypatch.delenv("LEDGER_SIGNING_KEY_FILE", raising=False)
    with pytest.raises(ConfigError, match="LEDGER_SIGNING_KEY"):
        create_app({"DATABASE_URL": "sqlite://"})


def test_production_hardens_cookies(monkeypatch, tmp_path):
    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "k" * 48)
    monkeypatch.setenv("BASE_URL", "https://truyxuat.dongnai.gov.vn")
    monkeypatch.setenv("LEDGER_SIGNING_KEY_FILE", str(tmp_path / "log.key"))
    app = create_app({"DATABASE_URL": "sqlite://"})
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert app.config["REMEMBER_COOKIE_SECURE"] is True


def test_environment_overrides_the_defaults(monkeypatch):
    monkeypatch.setenv("BASE_URL", "https://truyxuat.dongnai.gov.vn/")
    monkeypatch.setenv("DATABASE_URL", "postgres://u@db/trace")
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/0")
    app = create_app()
    assert app.config["BASE_URL"] == "https://truyxuat.dongnai.gov.vn"
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@db/trace"
    assert app.config["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379/0"


def test_embedded_defaults_need_no_services(monkeypatch):
    for name in ("DATABASE_URL", "REDIS_URL", "APP_ENV"):
        monkeypatch.delenv(name, raising=False)
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///")
    assert app.config["SQLALCHEMY_DATABASE_URI"].endswith("instance/dongnai.sqlite3")
    assert app.config["RATELIMIT_STORAGE_URI"] == "memory://"
    assert app.config["PASSWORD_HASH_METHOD"] == "scrypt"


def test_development_secret_is_random_and_kept(tmp_path):
    first = dev_secret_key(str(tmp_path))
    assert len(first) >= 48
    assert dev_secret_key(str(tmp_path)) == first
    assert (tmp_path / ".secret_key").stat().st_mode & 0o077 == 0
    assert dev_secret_key(str(tmp_path / "other")) != first


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgres://a@h/d", "postgresql+psycopg://a@h/d"),
        ("postgresql://a@h/d", "postgresql+psycopg://a@h/d"),
        ("postgresql+psycopg://a@h/d", "postgresql+psycopg://a@h/d"),
        ("sqlite:///x.db", "sqlite:///x.db"),
    ],
)
def test_database_urls_use_psycopg3(given, expected):
    assert normalise_database_url(given) == expected


def _without_url_settings(monkeypatch):
    for name in ("BASE_URL", "FLASK_BASE_URL", "PORT", "HOST", "APP_ENV"):
        monkeypatch.delenv(name, raising=False)


def test_without_base_url_stamps_encode_the_port_make_run_serves(monkeypatch):
    """`PORT=8080 make run`: the printed and encoded stamp URLs must open on port 8080."""
    from traceability.stamps.serials import stamp_url

    _without_url_settings(monkeypatch)
    monkeypatch.setenv("PORT", "8080")
    app = create_app({"DATABASE_URL": "sqlite://"})
    with app.app_context():
        url = stamp_url("08930000000016", "L1", "abc")
    assert url.startswith("http://127.0.0.1:8080/01/")


def test_the_default_base_url_is_port_8000(monkeypatch):
    _without_url_settings(monkeypatch)
    app = create_app({"DATABASE_URL": "sqlite://"})
    assert app.config["BASE_URL"] == "http://127.0.0.1:8000"


def test_a_set_base_url_wins_over_the_port(monkeypatch):
    _without_url_settings(monkeypatch)
    monkeypatch.setenv("PORT", "8080")
    monkeypatch.setenv("BASE_URL", "http://192.168.1.20:8080/")
    app = create_app({"DATABASE_URL": "sqlite://"})
    assert app.config["BASE_URL"] == "http://192.168.1.20:8080"


def test_production_without_base_url_refuses_to_start(monkeypatch):
    _without_url_settings(monkeypatch)
    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "k" * 48)
    monkeypatch.setenv("PORT", "443")
    with pytest.raises(ConfigError, match="BASE_URL is not set"):
        create_app({"DATABASE_URL": "sqlite://"})


def test_a_port_that_is_not_a_number_is_refused(monkeypatch):
    _without_url_settings(monkeypatch)
    monkeypatch.setenv("PORT", "eighty")
    with pytest.raises(ConfigError, match="PORT"):
        create_app({"DATABASE_URL": "sqlite://"})


def test_listening_on_the_network_with_a_loopback_base_url_warns(monkeypatch):
    """`HOST=0.0.0.0 make run` without BASE_URL: phones would scan 127.0.0.1, say so."""
    _without_url_settings(monkeypatch)
    monkeypatch.setenv("HOST", "0.0.0.0")  # noqa: S104 - what the user types
    monkeypatch.setenv("PORT", "8080")
    app = create_app({"DATABASE_URL": "sqlite://"})
    with app.app_context():
        result = app.test_cli_runner().invoke(args=["base-url"])
    assert result.exit_code == 0
    assert "BASE_URL=http://127.0.0.1:8080" in result.output
    assert "phones cannot reach 127.0.0.1" in result.output


@pytest.mark.parametrize(
    ("host", "base_url"),
    [("127.0.0.1", None), ("0.0.0.0", "http://192.168.1.20:8080")],  # noqa: S104
)
def test_no_warning_when_phones_can_reach_the_stamps_or_only_this_machine_serves(
    monkeypatch, host, base_url
):
    _without_url_settings(monkeypatch)
    monkeypatch.setenv("HOST", host)
    if base_url:
        monkeypatch.setenv("BASE_URL", base_url)
    app = create_app({"DATABASE_URL": "sqlite://"})
    with app.app_context():
        result = app.test_cli_runner().invoke(args=["base-url"])
    assert result.exit_code == 0
    assert "WARNING" not in result.output
