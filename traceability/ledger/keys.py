"""The log's signing key and its published public keys.

The key is an Ed25519 C2SP note key named after the log's origin: LEDGER_SIGNING_KEY (an skey,
the output of `flask log generate-key`) or the file LEDGER_SIGNING_KEY_FILE holding one. Outside
production a missing file is generated once (mode 0600); production refuses to start without the
operator's key (`core.config`). Retired keys stay published through LEDGER_PAST_KEYS (vkeys), so
the checkpoints they signed still verify.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from flask import current_app

from traceability.ledger import note

DEFAULT_ORIGIN = "truyxuat.dongnai.gov.vn/log"
KEY_FILE = "ledger-signing.key"


class KeyConfigError(RuntimeError):
    """The signing key is missing, unreadable or not the log's."""


def origin() -> str:
    return current_app.config.get("LEDGER_ORIGIN") or DEFAULT_ORIGIN


def key_file() -> Path:
    configured = current_app.config.get("LEDGER_SIGNING_KEY_FILE")
    return Path(configured) if configured else Path(current_app.instance_path) / KEY_FILE


def _generate_file(path: Path) -> None:
    """Write a new key to `path` unless one is there: written aside, then linked into place, so
    processes starting together all end up with the same key."""
    skey, _vkey = note.generate_key(origin())
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".ledger-key-")
    try:
        os.fchmod(fd, 0o600)
        os.write(fd, (skey + "\n").encode())
        os.close(fd)
        with contextlib.suppress(FileExistsError):
            os.link(temporary, path)
    finally:
        os.unlink(temporary)


def _skey() -> str:
    value = current_app.config.get("LEDGER_SIGNING_KEY")
    if value:
        return str(value).strip()
    path = key_file()
    if not path.exists():
        if current_app.config.get("APP_ENV") == "production":
            raise KeyConfigError(f"the log's signing key file {path} does not exist")
        _generate_file(path)
    try:
        return path.read_text().strip()
    except OSError as exc:
        raise KeyConfigError(f"cannot read the log's signing key file {path}: {exc}") from exc


def signer() -> note.Signer:
    """The current signing key; its name must be the log's origin."""
    try:
        loaded = note.Signer.from_skey(_skey())
    except note.NoteError as exc:
        raise KeyConfigError(f"the log's signing key is not a valid note key: {exc}") from exc
    if loaded.name != origin():
        raise KeyConfigError(
            f"the signing key is named {loaded.name!r} but the log's origin is {origin()!r}: "
            "generate a key with that name (flask log generate-key) or fix LEDGER_ORIGIN"
        )
    return loaded


def past_keys() -> list[str]:
    value = current_app.config.get("LEDGER_PAST_KEYS") or []
    if isinstance(value, str):
        value = value.splitlines()
    return [line.strip() for line in value if line and line.strip()]


def published_keys() -> list[str]:
    """The vkeys that verify the log's checkpoints: the current one first, then retired ones."""
    current = signer().verifier().vkey
    return [current, *(key for key in past_keys() if key != current)]


def verifiers() -> list[note.Verifier]:
    return [note.Verifier.from_vkey(vkey) for vkey in published_keys()]
