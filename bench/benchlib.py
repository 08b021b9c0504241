"""What the benchmarks share: prerequisites, a scratch PostgreSQL database, seed data, results.

Every benchmark builds its own database from the migrations (never a developer's database), so a
run is reproducible on any machine with PostgreSQL, and drops it again even when interrupted.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import platform
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
RESULTS_DIR = PROJECT_ROOT / "bench" / "results"
if str(PROJECT_ROOT) not in sys.path:  # the scripts run as `python bench/x.py`
    sys.path.insert(0, str(PROJECT_ROOT))

import sqlalchemy as sa  # noqa: E402

DEFAULT_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
# Long enough for APP_ENV=production (core.config refuses shorter keys there).
SECRET_KEY = "bench-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz"  # noqa: S105 - scratch db
WARD_CODE = "26188"
PASSWORD = "bench-password-42"  # noqa: S105 - accounts of a scratch database


def ledger_signing_key() -> str:
    """A fresh origin-log signing key (production refuses to generate one itself)."""
    from traceability.ledger.note import generate_key

    return generate_key("truyxuat.dongnai.gov.vn/log")[0]


class MissingPrerequisite(SystemExit):
    """A tool or server the benchmark needs is absent: exit with a message saying how to fix it."""

    def __init__(self, message: str):
        super().__init__(f"bench: {message}")


# --- prerequisites -------------------------------------------------------------------------


def admin_url() -> str:
    """The admin connection used for CREATE/DROP DATABASE (BENCH_DATABASE_URL, else local)."""
    return os.environ.get("BENCH_DATABASE_URL") or DEFAULT_ADMIN_URL


def _engine(url: str, **kw) -> sa.Engine:
    from core.config import normalise_database_url

    return sa.create_engine(normalise_database_url(url), **kw)


def require_postgres() -> str:
    """Fail early, and say how to fix it, when no PostgreSQL server answers at the admin URL."""
    url = admin_url()
    if not url.startswith(("postgres://", "postgresql")):
        raise MissingPrerequisite(f"BENCH_DATABASE_URL must be a PostgreSQL URL, not {url!r}.")
    try:
        import psycopg  # noqa: F401
    except ImportError:
        raise MissingPrerequisite(
            "psycopg is not installed: run `make install` (it installs the postgres extra)."
        ) from None
    engine = _engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
    except sa.exc.OperationalError as exc:
        raise MissingPrerequisite(
            f"cannot connect to PostgreSQL at {_hide_password(url)} ({exc.orig}).\n"
            "  Install and start one (Debian: `apt-get install -y postgresql`), or point "
            "BENCH_DATABASE_URL at a server where this user may CREATE DATABASE, e.g.\n"
            "  BENCH_DATABASE_URL=postgresql://postgres@db.example:5432/postgres make bench"
        ) from None
    finally:
        engine.dispose()
    return url


def require_wrk() -> str:
    """The path of wrk, or a message saying how to install it."""
    path = shutil.which("wrk")
    if path is None:
        raise MissingPrerequisite(
            "wrk (the HTTP load generator) is not installed: `apt-get install -y wrk` on "
            "Debian/Ubuntu, `brew install wrk` on macOS."
        )
    return path


def _hide_password(url: str) -> str:
    return sa.make_url(url).render_as_string(hide_password=True)


# --- a scratch database ----------------------------------------------------------------------


@contextmanager
def scratch_database(purpose: str) -> Iterator[str]:
    """Create an empty database named after the purpose and this process; drop it afterwards.

    The process id in the name keeps concurrent runs (and other engineers' runs on a shared
    server) apart; WITH (FORCE) drops it even if a gunicorn worker still holds a connection.
    """
    url = admin_url()
    name = f"bench_{purpose}_{os.getpid()}"
    admin = _engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield sa.make_url(url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def bench_app(database_url: str, **overrides):
    """The real application on the scratch database, configured as the gunicorn run is."""
    from core import create_app

    config = {
        "DATABASE_URL": database_url,
        "SECRET_KEY": SECRET_KEY,
        "JOB_QUEUE": "sync",
        "RATELIMIT_STORAGE_URI": "memory://",
        "BASE_URL": "https://trace.example.vn",
    }
    config.update(overrides)
    return create_app(config)


def migrate_and_load_wards() -> None:
    """Build the schema exactly as production does (the migrations) and load the ward list."""
    import logging

    from flask_migrate import upgrade

    from core.wards.services import load_wards

    upgrade()
    logging.getLogger("alembic").setLevel(logging.WARNING)
    load_wards()


# --- seed data -------------------------------------------------------------------------------


@dataclass
class Seed:
    """The rows a stamp order needs: a verified producer's published product and a batch."""

    producer_id: int
    owner_id: int
    product_id: int
    batch_id: int
    gtin: str
    lot: str


def _gtin(item: int) -> str:
    from traceability.gs1.gtin import check_digit

    body = f"08938501{item:05d}"
    return body + str(check_digit(body))


def seed_product(item: int = 1) -> Seed:
    """A verified cooperative with a verified OCOP product, a growing area and one batch.

    A fully filled-in product, so the consumer page renders every section a real one shows.
    """
    from core.accounts import services as accounts
    from core.accounts.models import Role
    from core.extensions import db
    from traceability.registry import places, services
    from traceability.registry.models import OcopGroup, ProducerKind, ProductCategory, SiteKind

    staff = accounts.create_user(
        email=f"staff{item}@bench.example.vn",
        password=PASSWORD,
        full_name="Cán bộ Sở KH&CN",
        role=Role.STAFF,
    )
    owner = services.register_producer(
        {
            "email": f"producer{item}@bench.example.vn",
            "password": PASSWORD,
            "full_name": "Nguyễn Văn An",
        },
        {
            "legal_name": "Hợp tác xã Nông nghiệp Xuân Lộc",
            "kind": ProducerKind.COOPERATIVE,
            "tax_code": str(3600100000 + item),
            "ward_code": WARD_CODE,
            "address": "Ấp Bảo Định, xã Xuân Định",
            "gs1_company_prefix": "8938501",
        },
    )
    producer = owner.producer
    services.verify_producer(producer, staff)
    product = services.create_product(
        producer,
        {
            "gtin": _gtin(item),
            "name": "Sầu riêng Ri6 Xuân Lộc",
            "category": ProductCategory.OCOP,
            "ocop_group": OcopGroup.FOOD,
            "ocop_stars": 4,
            "ocop_certificate_no": "125/QĐ-UBND",
            "ocop_valid_from": dt.date(2025, 1, 1),
            "description": "Sầu riêng Ri6 trồng theo tiêu chuẩn VietGAP tại Xuân Lộc, Đồng Nai.",
        },
        owner,
    )
    services.submit_product(product, owner)
    services.verify_product(product, staff)
    site = places.create_site(
        producer,
        {"name": "Vườn Bảo Định", "kind": SiteKind.GROWING_AREA, "ward_code": WARD_CODE},
        owner,
    )
    batch = places.create_batch(
        {
            "product_id": product.id,
            "lot_code": f"L2611{item:02d}",
            "produced_on": dt.date(2026, 11, 1),
            "site_id": site.id,
        },
        owner,
    )
    db.session.commit()
    return Seed(producer.id, owner.id, product.id, batch.id, product.gtin, batch.lot_code)


def order_stamps(seed: Seed, quantity: int):
    """One stamp order through the service the producer's page uses (not committed)."""
    from core.accounts.models import User
    from core.extensions import db
    from traceability.registry.models import Batch
    from traceability.stamps import orders

    owner = db.session.get(User, seed.owner_id)
    batch = db.session.get(Batch, seed.batch_id)
    data = {"quantity": quantity, "kind": "sheet", "rows": 4, "cols": 3, "size_mm": 30.0}
    return orders.create_order(batch, data, owner)


# --- results ---------------------------------------------------------------------------------


def machine() -> dict:
    """What the figures were measured on, so results from different machines are not confused."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "os": platform.platform(),
        "postgresql": postgres_facts(),
    }


def postgres_facts() -> dict:
    """The server version and the settings that decide commit latency."""
    engine = _engine(admin_url())
    try:
        with engine.connect() as conn:
            facts = {"version": conn.exec_driver_sql("SHOW server_version").scalar()}
            for setting in ("synchronous_commit", "fsync", "shared_buffers"):
                facts[setting] = conn.exec_driver_sql(f"SHOW {setting}").scalar()
    finally:
        engine.dispose()
    return facts


def git_revision() -> str | None:
    """The commit measured (plus a marker when the work tree has changes)."""
    try:
        rev = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=PROJECT_ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "--no-optional-locks", "status", "--porcelain", "--untracked-files=no"],
            cwd=PROJECT_ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None
    return rev + ("+changes" if dirty else "")


# The code a stamp page runs through: its hash tells which version of them a result measured,
# as the work tree may hold uncommitted changes (`revision` then ends in "+changes").
MEASURED_FILES = (
    "traceability/stamps/resolver.py",
    "traceability/stamps/scans.py",
    "traceability/stamps/verdicts.py",
    "traceability/stamps/cards.py",
    "traceability/stamps/models.py",
    "templates/consumer/page.html",
    "templates/consumer/base.html",
    "core/web.py",
    "core/config.py",
)


def code_fingerprint() -> str:
    """A short hash of MEASURED_FILES as they are on disk."""
    digest = hashlib.sha256()
    for name in MEASURED_FILES:
        path = PROJECT_ROOT / name
        digest.update(name.encode() + b"\0")
        digest.update(path.read_bytes() if path.exists() else b"")
    return digest.hexdigest()[:12]


def write_result(name: str, data: dict) -> Path:
    """Write bench/results/<name>.json with when and where it was measured."""
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"{name}.json"
    record = {
        "benchmark": name,
        "measured_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "revision": git_revision(),
        "code_fingerprint": code_fingerprint(),
        "machine": machine(),
        **data,
    }
    path.write_text(json.dumps(record, indent=2, ensure_ascii=False) + "\n")
    return path
