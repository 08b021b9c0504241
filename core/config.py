"""Configuration: code defaults first, then the environment."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from urllib.parse import urlsplit

PROJECT_ROOT = Path(__file__).resolve().parent.parent

# Names read from the environment without the FLASK_ prefix, as operators expect them.
PLAIN_ENV_NAMES = (
    "SECRET_KEY",
    "DATABASE_URL",
    "REDIS_URL",
    "BASE_URL",
    "APP_ENV",
    "UPLOAD_FOLDER",
    "STAMP_FOLDER",
    "JOB_QUEUE",
    "RATELIMIT_STORAGE_URI",
    "PROXY_COUNT",
    "HOST",
    "PORT",
    "RETAIL_REASSESS_MONTHS",
    "REPORTS_CURRENT_MAX_AGE_MINUTES",
    "REPORTS_BEHIND_MARGIN",
    "SHOP_IMPORT_FOLDER",
    "LEDGER_ORIGIN",
    "LEDGER_SIGNING_KEY",
    "LEDGER_SIGNING_KEY_FILE",
    "LEDGER_PAST_KEYS",
    "LEDGER_CHECKPOINT_SECONDS",
)

DEV_SECRET_FILE = ".secret_key"  # noqa: S105 - a file name


class ConfigError(RuntimeError):
    """Raised when the service would start in an unsafe configuration."""


def defaults(instance_path: str) -> dict:
    """The embedded defaults: SQLite under instance/, in-process jobs, memory rate limits."""
    return {
        "APP_ENV": "development",
        # Domain packages, each with init_app(app); order matters only for the API (last).
        "DOMAINS": ("traceability", "retail", "reports", "api"),
        "DATABASE_URL": f"sqlite:///{Path(instance_path) / 'dongnai.sqlite3'}",
        "REDIS_URL": None,
        # Unset: http://127.0.0.1:PORT, the address `make run` serves (see local_base_url).
        "BASE_URL": None,
        # Where `make run` binds (HOST, PORT); only used to derive BASE_URL and warn about it.
        "HOST": "127.0.0.1",
        "PORT": 8000,
        # Reverse proxies in front of the service whose X-Forwarded-For/-Proto/-Host are
        # trusted (werkzeug's ProxyFix); 0 = none, the headers are ignored (they can be forged).
        "PROXY_COUNT": 0,
        "UPLOAD_FOLDER": str(Path(instance_path) / "uploads"),
        # Rendered stamp PDFs; private (served only to the order's producer and staff).
        "STAMP_FOLDER": str(Path(instance_path) / "stamps"),
        # "thread" runs background jobs in the web process; "rq" uses Redis (REDIS_URL) and
        # `flask jobs worker`; "sync" runs them inside the request (tests). Default: rq when
        # REDIS_URL is set, else thread.
        "JOB_QUEUE": None,
        "STAMP_ORDER_MAX": 100_000,
        # A rendering order without progress for this long has lost its worker and is taken
        # again; workers sweep for such orders (and pending ones) this often.
        "STAMP_RENDER_STALE_SECONDS": 120,
        "STAMP_SWEEP_SECONDS": 30,
        "STAMP_QUEUE": "stamps",  # the RQ queue's name (one Redis can serve several sites)
        # Explainable suspicion rules (DESIGN §6).
        "STAMP_SUSPICIOUS_SCANS": 10,  # more scans than one item normally gets
        "STAMP_SUSPICIOUS_CLIENTS": 5,  # scanned from this many different networks/phones
        "STAMP_SUSPICIOUS_KM": 100,  # two shared places this far apart...
        "STAMP_SUSPICIOUS_HOURS": 6,  # ...within this many hours
        "SCAN_PROBE_LIMIT": 5,  # unissued serials from one client within an hour = probing
        # Product and batch facts on the stamp page are cached this long in each process.
        "RESOLVER_CACHE_SECONDS": 30,
        "RATELIMIT_REPORT": "5 per hour;20 per day",
        "RATELIMIT_RESOLVER": "120 per minute",
        "MAX_CONTENT_LENGTH": 12 * 1024 * 1024,
        # JSON bodies (the API's) are small; deeper or larger ones are refused before parsing.
        "MAX_JSON_BYTES": 1024 * 1024,
        "MAX_JSON_DEPTH": 32,
        # EPCIS capture (/api/epcis/capture, /events): events per document and bytes per body,
        # announced in GS1-EPCIS-Capture-Limit / GS1-EPCIS-Capture-File-Size-Limit (413 above).
        "EPCIS_CAPTURE_LIMIT": 10_000,
        "EPCIS_CAPTURE_FILE_SIZE_LIMIT": 16 * 1024 * 1024,
        # The origin log (traceability/ledger): checkpoints are C2SP signed notes whose key name is
        # the origin. The signing key is an skey (`flask log generate-key`) in LEDGER_SIGNING_KEY or
        # in the file LEDGER_SIGNING_KEY_FILE; in development one is generated into that file.
        # LEDGER_PAST_KEYS: the vkeys of retired keys, one per line, still published.
        "LEDGER_ORIGIN": "truyxuat.dongnai.gov.vn/log",
        "LEDGER_SIGNING_KEY": None,
        "LEDGER_SIGNING_KEY_FILE": str(Path(instance_path) / "ledger-signing.key"),
        "LEDGER_PAST_KEYS": "",
        # A new checkpoint this often when the log has grown (web processes or `flask jobs worker`).
        "LEDGER_CHECKPOINT_SECONDS": 300,
        "RATELIMIT_LOG": "120 per minute",
        # Other systems (traceability/exchange/adapters): {"name": {"adapter": …, options}}.
        "EXCHANGE_SYSTEMS": {"national_portal": {"adapter": "national_portal"}},
        "MAX_IMAGE_BYTES": 8 * 1024 * 1024,
        "MAX_IMAGE_PIXELS": 40_000_000,
        # PNG and WebP cannot be decoded at a reduced scale as JPEG can: each pixel costs 3-4 bytes
        # of a worker's memory, so they are held to less (16 MP: about 64 MB at most).
        "MAX_FULL_DECODE_PIXELS": 16_000_000,
        # Photos sent anonymously with a counterfeit report: a phone photo is about 12 MP.
        "MAX_REPORT_IMAGE_PIXELS": 16_000_000,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_NAME": "dn_session",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "PERMANENT_SESSION_LIFETIME": 8 * 3600,
        "WTF_CSRF_TIME_LIMIT": 8 * 3600,
        "BABEL_DEFAULT_LOCALE": "vi",
        "BABEL_DEFAULT_TIMEZONE": "Asia/Ho_Chi_Minh",
        "BABEL_TRANSLATION_DIRECTORIES": str(PROJECT_ROOT / "translations"),
        "LANGUAGES": ("vi", "en"),
        "SQLALCHEMY_TRACK_MODIFICATIONS": False,
        "RATELIMIT_HEADERS_ENABLED": True,
        "RATELIMIT_LOGIN": "10 per minute;100 per hour",
        "RATELIMIT_SIGNUP": "5 per minute;30 per hour",
        "RATELIMIT_API": "600 per minute",
        # Retail programme: a shop is due for re-assessment this many months after its last one.
        "RETAIL_REASSESS_MONTHS": 6,
        # Reports: a running period's snapshot older than this is taken again when read; a value
        # within this share below its trajectory is "behind", further below "at risk".
        "REPORTS_CURRENT_MAX_AGE_MINUTES": 15,
        "REPORTS_BEHIND_MARGIN": "0.10",
        # Shop imports: files with more rows are checked and saved in the background (the job
        # runner above); uploads wait in SHOP_IMPORT_FOLDER, which RQ workers must share.
        "SHOP_IMPORT_BACKGROUND_ROWS": 500,
        "SHOP_IMPORT_MAX_ROWS": 20_000,
        "SHOP_IMPORT_STALE_SECONDS": 600,
        "SHOP_IMPORT_FOLDER": str(Path(instance_path) / "imports"),
        "PASSWORD_MIN_LENGTH": 10,
        "PASSWORD_HASH_METHOD": "scrypt",
        "OCOP_EXPIRY_WARNING_DAYS": 90,
        "API_TITLE": "Đồng Nai traceability API",
        "API_VERSION": "v1",
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": "/api",
        "OPENAPI_JSON_PATH": "openapi.json",
        "OPENAPI_SWAGGER_UI_PATH": "/docs",
        # Swagger UI assets are vendored under static/swagger-ui so the docs work offline.
        "OPENAPI_SWAGGER_UI_URL": "/static/swagger-ui/",
        "API_SPEC_OPTIONS": {
            "components": {
                "securitySchemes": {
                    "bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "token"}
                }
            },
            "security": [{"bearerAuth": []}],
        },
    }


def normalise_database_url(url: str) -> str:
    """Use the psycopg 3 driver for PostgreSQL URLs however they were written."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def dev_secret_key(instance_path: str) -> str:
    """A per-checkout random key kept in instance/ so sessions survive restarts in development."""
    path = Path(instance_path) / DEV_SECRET_FILE
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    path.write_text(key)
    path.chmod(0o600)
    return key


def local_base_url(port) -> str:
    """The development origin: the port `make run` serves on, on this machine only."""
    return f"http://127.0.0.1:{_whole_number(port, 'PORT')}"


LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1", "[::1]")


def base_url_warning(config) -> str | None:
    """Why phones will not open the printed stamps, or None: the server listens on the network
    (HOST) but the QR codes name this machine's loopback address."""
    host = urlsplit(config["BASE_URL"]).hostname or ""
    if config.get("HOST", "127.0.0.1") in LOOPBACK_HOSTS or host not in LOOPBACK_HOSTS:
        return None
    return (
        f"WARNING: HOST={config['HOST']} but BASE_URL is {config['BASE_URL']}: phones cannot reach "
        "127.0.0.1, so the QR codes will not open on them. Set BASE_URL to this machine's LAN "
        f"address, e.g. BASE_URL=http://192.168.1.20:{config.get('PORT', 8000)}."
    )


def _whole_number(value, name: str) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = -1
    if number < 0:
        raise ConfigError(f"{name} must be a whole number, not {value!r}.")
    return number


def load(app, test_config: dict | None = None) -> None:
    """Fill app.config from defaults, the environment and an optional test mapping."""
    app.config.from_mapping(defaults(app.instance_path))
    for name in PLAIN_ENV_NAMES:
        if os.environ.get(name):
            app.config[name] = os.environ[name]
    app.config.from_prefixed_env()
    if test_config:
        app.config.from_mapping(test_config)

    production = app.config["APP_ENV"] == "production"
    if not app.config.get("SECRET_KEY"):
        if production:
            raise ConfigError(
                "SECRET_KEY is not set: refusing to start in production without a real secret "
                "(set SECRET_KEY to a long random string, e.g. `python -c 'import secrets; "
                "print(secrets.token_urlsafe(48))'`)."
            )
        app.config["SECRET_KEY"] = dev_secret_key(app.instance_path)
    elif production and len(app.config["SECRET_KEY"]) < 32:
        raise ConfigError(
            "SECRET_KEY is too short for production: use at least 32 random characters."
        )

    if not app.config.get("BASE_URL"):
        if production:
            raise ConfigError(
                "BASE_URL is not set: it is printed in every QR stamp, so production needs the "
                "public https:// address (e.g. BASE_URL=https://truyxuat.dongnai.gov.vn)."
            )
        app.config["BASE_URL"] = local_base_url(app.config["PORT"])
    if production and not app.config["BASE_URL"].startswith("https://"):
        raise ConfigError(
            "BASE_URL must be an https:// address in production: it is printed in every QR stamp "
            "and GS1-conformant resolvers are reached over HTTPS (e.g. "
            "BASE_URL=https://truyxuat.dongnai.gov.vn)."
        )
    generated_key = defaults(app.instance_path)["LEDGER_SIGNING_KEY_FILE"]
    if production and not (
        app.config.get("LEDGER_SIGNING_KEY")
        or app.config.get("LEDGER_SIGNING_KEY_FILE") not in (None, "", generated_key)
    ):
        raise ConfigError(
            "The origin log's signing key is not set: production signs checkpoints with the "
            "operator's key, never a generated one. Set LEDGER_SIGNING_KEY (the output of "
            "`flask log generate-key`) or LEDGER_SIGNING_KEY_FILE (a file holding it)."
        )
    app.config["LEDGER_CHECKPOINT_SECONDS"] = _whole_number(
        app.config["LEDGER_CHECKPOINT_SECONDS"], "LEDGER_CHECKPOINT_SECONDS"
    )
    if production:
        app.config["SESSION_COOKIE_SECURE"] = True
        app.config["REMEMBER_COOKIE_SECURE"] = True
        app.config["PREFERRED_URL_SCHEME"] = "https"

    app.config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(app.config["DATABASE_URL"])
    app.config["BASE_URL"] = app.config["BASE_URL"].rstrip("/")
    app.config["PROXY_COUNT"] = _whole_number(app.config["PROXY_COUNT"], "PROXY_COUNT")
    app.config["RETAIL_REASSESS_MONTHS"] = _whole_number(
        app.config["RETAIL_REASSESS_MONTHS"], "RETAIL_REASSESS_MONTHS"
    )
    app.config["REPORTS_CURRENT_MAX_AGE_MINUTES"] = _whole_number(
        app.config["REPORTS_CURRENT_MAX_AGE_MINUTES"], "REPORTS_CURRENT_MAX_AGE_MINUTES"
    )
    if not app.config.get("JOB_QUEUE"):
        app.config["JOB_QUEUE"] = "rq" if app.config.get("REDIS_URL") else "thread"
    if not app.config.get("RATELIMIT_STORAGE_URI"):
        redis_url = app.config.get("REDIS_URL")
        app.config["RATELIMIT_STORAGE_URI"] = redis_url or "memory://"
