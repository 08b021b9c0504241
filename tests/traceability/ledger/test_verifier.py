"""The standalone verifier, run as a third party would: `python -m traceability.ledger.verify`
in a subprocess, on files written from a tree of real records and checkpoints signed with a
generated key."""

from __future__ import annotations

import base64
import copy
import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import PROJECT_ROOT
from traceability.events import hashing
from traceability.ledger import checkpoint, merkle, note, records
from traceability.ledger.checkpoint import Checkpoint

ORIGIN = "truyxuat.dongnai.gov.vn/log"
CONTEXT = ["https://ref.gs1.org/standards/epcis/epcis-context.jsonld"]
TIME = dt.datetime(2026, 12, 1, 8, 0, tzinfo=dt.UTC)


def _event(step: str) -> dict:
    return {
        "type": "ObjectEvent",
        "eventTime": "2026-11-30T08:00:00+07:00",
        "eventTimeZoneOffset": "+07:00",
        "epcList": ["https://id.gs1.org/01/08938500000016/21/ABC"],
        "action": "OBSERVE",
        "bizStep": step,
        "readPoint": {"id": "https://id.gs1.org/414/8938500000009"},
    }


def _entries() -> list[dict]:
    """Seven log entries: product data, a stamp order and two trace events, as the app writes."""
    out = []
    for n in range(7):
        if n in (2, 5):
            event = _event("harvesting" if n == 2 else "shipping")
            digest = hashing.event_hash(event, CONTEXT)
            kind, content = "trace_event", None
        else:
            event = None
            content = {"gtin": "08938500000016", "name": f"Bưởi Tân Triều {n}", "ocop": n % 5}
            digest = records.content_hash(content)
            kind = "product" if n % 2 else "stamp_order"
        record = records.make_record(kind, digest, time=TIME, subject={"gtin": "08938500000016"})
        out.append(
            {
                "record": record.decode(),
                "content": content,
                "event": event,
                "context": CONTEXT if event else None,
            }
        )
    return out


class Log:
    """A log in memory with the files a third party would download."""

    def __init__(self, tmp: Path):
        self.tmp = tmp
        skey, self.vkey = note.generate_key(ORIGIN)
        self.signer = note.Signer.from_skey(skey)
        self.entries = _entries()
        self.tree = merkle.MemoryTree(merkle.leaf_hash(e["record"].encode()) for e in self.entries)
        self.key = self.write("log.pub", self.vkey + "\n")
        self.cp4 = self.write("cp4.note", self.signed(4))
        self.cp7 = self.write("cp7.note", self.signed(7))

    def write(self, name: str, value) -> str:
        path = self.tmp / name
        if isinstance(value, bytes):
            path.write_bytes(value)
        elif isinstance(value, str):
            path.write_text(value)
        else:
            path.write_text(json.dumps(value, ensure_ascii=False))
        return str(path)

    def signed(self, size: int, tree=None, signer=None) -> bytes:
        cp = Checkpoint(ORIGIN, size, (tree or self.tree).root(size))
        return checkpoint.sign_checkpoint(cp, signer or self.signer)

    def inclusion(self, index: int, size: int = 7) -> dict:
        record = self.entries[index]["record"]
        return {
            "leaf_index": index,
            "tree_size": size,
            "leaf_hash": merkle.leaf_hash(record.encode()).hex(),
            "record": record,
            "inclusion_path": [_b64(h) for h in self.tree.inclusion_proof(index, size)],
            "checkpoint": self.signed(size).decode(),
        }

    def consistency(self, size1: int, size2: int, tree=None) -> dict:
        path = (tree or self.tree).consistency_proof(size1, size2)
        return {
            "tree_size_1": size1,
            "tree_size_2": size2,
            "consistency_path": [_b64(h) for h in path],
        }

    def bundle(self) -> dict:
        return {
            "format": "dongnai-trace-log-bundle/1",
            "origin": ORIGIN,
            "subject": {"gtin": "08938500000016"},
            "checkpoint": self.signed(7).decode(),
            "entries": [
                {
                    **entry,
                    "leaf_index": n,
                    "inclusion_path": [_b64(h) for h in self.tree.inclusion_proof(n, 7)],
                }
                for n, entry in enumerate(self.entries)
            ],
        }


def _b64(value: bytes) -> str:
    return base64.b64encode(value).decode()


@pytest.fixture
def log(tmp_path) -> Log:
    return Log(tmp_path)


def verify(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 (our own interpreter and module)
        [sys.executable, "-m", "traceability.ledger.verify", *args],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )


def _ok(result) -> list[str]:
    lines = result.stdout.splitlines()
    assert result.returncode == 0, result.stdout + result.stderr
    assert lines[-1].startswith("OK: ")
    return lines


def _failed(result, reason: str) -> str:
    lines = result.stdout.splitlines()
    assert result.returncode == 1, result.stdout + result.stderr
    assert lines[-1].startswith("FAILED: ")
    assert reason in lines[-1]
    return lines[-1]


def test_a_good_checkpoint(log):
    lines = _ok(verify("checkpoint", "--key", log.key, log.cp7))
    root = _b64(log.tree.root(7))
    assert f"checkpoint: origin {ORIGIN}, tree size 7, root {root}" in lines
    assert lines[-1] == f"OK: checkpoint of {ORIGIN} at tree size 7 is signed by the log"
    # the key may be given as the string itself, and --origin required
    _ok(verify("checkpoint", "--key", log.vkey, "--origin", ORIGIN, log.cp7))


def test_a_checkpoint_signed_by_another_key_fails(log):
    other_skey, other_vkey = note.generate_key(ORIGIN)  # same name, another key
    forged = log.write("forged.note", log.signed(7, signer=note.Signer.from_skey(other_skey)))
    _failed(verify("checkpoint", "--key", log.key, forged), "not signed by the given key")
    # with both keys in a file, the forged one verifies only under the other key
    keys = log.write("keys.txt", f"# past key\n{other_vkey}\n{log.vkey}\n")
    _ok(verify("checkpoint", "--key", keys, forged))
    _ok(verify("checkpoint", "--key", keys, log.cp7))


def test_a_checkpoint_signed_by_a_key_of_another_name_fails(log):
    skey, vkey = note.generate_key("somebody.else")
    signed = log.write("other.note", log.signed(7, signer=note.Signer.from_skey(skey)))
    _failed(verify("checkpoint", "--key", vkey, signed), "not by the log")


def test_another_origin_fails(log):
    _failed(
        verify("checkpoint", "--key", log.key, "--origin", "x.example/log", log.cp7), "not from"
    )


def test_a_tampered_checkpoint_fails(log):
    text = Path(log.cp7).read_bytes().replace(b"\n7\n", b"\n8\n")
    _failed(verify("checkpoint", "--key", log.key, log.write("t.note", text)), "invalid signature")


def test_inclusion_of_a_record(log):
    proof = log.write("incl.json", log.inclusion(5))
    lines = _ok(verify("inclusion", "--key", log.key, "--checkpoint", log.cp7, "--proof", proof))
    assert lines[-1] == f"OK: the record is leaf 5 of the log of {ORIGIN} at tree size 7"
    _ok(verify("inclusion", "--key", log.key, "--proof", proof))  # the proof's own checkpoint


def test_inclusion_of_a_modified_record_fails(log):
    body = log.inclusion(3)
    body["record"] = body["record"].replace("2026-12-01", "2026-11-01")
    assert body["record"] != log.inclusion(3)["record"]
    proof = log.write("incl.json", body)
    _failed(
        verify("inclusion", "--key", log.key, "--checkpoint", log.cp7, "--proof", proof),
        "is not in the log at leaf 3",
    )


def test_inclusion_against_a_checkpoint_of_another_size_fails(log):
    proof = log.write("incl.json", log.inclusion(1, 7))
    _failed(
        verify("inclusion", "--key", log.key, "--checkpoint", log.cp4, "--proof", proof),
        "tree size 7, the checkpoint for 4",
    )


def test_consistency_between_checkpoints(log):
    proof = log.write("cons.json", log.consistency(4, 7))
    lines = _ok(
        verify(
            "consistency", "--key", log.key, "--old", log.cp4, "--new", log.cp7, "--proof", proof
        )
    )
    assert "consistency: tree size 7 extends tree size 4" in lines


def test_consistency_with_a_rewritten_log_fails(log):
    """The operator changes leaf 2 and signs the rewritten tree with the real key."""
    entries = copy.deepcopy(log.entries)
    entries[2]["record"] = entries[2]["record"].replace("trace_event", "product")
    rewritten = merkle.MemoryTree(merkle.leaf_hash(e["record"].encode()) for e in entries)
    new = log.write("rewritten.note", log.signed(7, tree=rewritten))
    _ok(verify("checkpoint", "--key", log.key, new))  # a valid signature on its own ...
    proof = log.write("cons.json", log.consistency(4, 7, tree=rewritten))
    _failed(  # ... but it does not extend yesterday's checkpoint
        verify("consistency", "--key", log.key, "--old", log.cp4, "--new", new, "--proof", proof),
        "does not extend the old one",
    )


def test_a_bundle(log):
    lines = _ok(verify("bundle", "--key", log.key, log.write("b.json", log.bundle())))
    assert lines[-1] == f"OK: 7 records are in the log of {ORIGIN} at tree size 7"
    assert sum("EPCIS event hash matches" in line for line in lines) == 2
    assert sum("content: its hash matches" in line for line in lines) == 5


def test_a_bundle_with_modified_content_fails(log):
    body = log.bundle()
    body["entries"][3]["content"]["ocop"] = 5
    _failed(
        verify("bundle", "--key", log.key, log.write("b.json", body)), "entry 4: content hashes"
    )


def test_a_bundle_with_a_modified_event_fails(log):
    body = log.bundle()
    body["entries"][5]["event"]["eventTime"] = "2026-11-29T08:00:00+07:00"
    _failed(verify("bundle", "--key", log.key, log.write("b.json", body)), "entry 6: event hashes")


def test_a_bundle_with_a_modified_record_fails(log):
    body = log.bundle()
    body["entries"][0]["record"] = body["entries"][1]["record"]
    _failed(
        verify("bundle", "--key", log.key, log.write("b.json", body)), "entry 1: is not in the log"
    )


def test_a_bundle_without_a_checkpoint_fails(log):
    body = {**log.bundle(), "checkpoint": None, "entries": []}
    _failed(verify("bundle", "--key", log.key, log.write("b.json", body)), "no checkpoint")


def test_a_bundle_listing_a_leaf_twice_fails(log):
    body = log.bundle()
    body["entries"].append(body["entries"][0])
    _failed(verify("bundle", "--key", log.key, log.write("b.json", body)), "appears twice")


def test_unreadable_input_exits_2(log):
    result = verify("checkpoint", "--key", log.key, str(log.tmp / "missing.note"))
    assert result.returncode == 2 and "cannot read" in result.stderr
    result = verify("inclusion", "--key", log.key, "--proof", log.write("x.json", "not json"))
    assert result.returncode == 2 and "not JSON" in result.stderr
    result = verify("checkpoint", "--key", log.write("k.txt", "nonsense+1234+AAAA\n"), log.cp7)
    assert result.returncode == 2 and "not a public key" in result.stderr


def test_a_note_that_is_not_a_checkpoint_fails(log):
    signed = note.sign(b"hello\n", [log.signer])
    _failed(verify("checkpoint", "--key", log.key, log.write("h.note", signed)), "checkpoint text")


def test_the_verifier_imports_neither_flask_nor_sqlalchemy(log):
    bundle = log.write("b.json", log.bundle())
    code = (
        "import sys\n"
        "from traceability.ledger import verify\n"
        f"rc = verify.main(['bundle', '--key', {log.key!r}, {bundle!r}])\n"
        "heavy = ('flask', 'sqlalchemy', 'flask_sqlalchemy', 'werkzeug')\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in heavy)\n"
        "print('RC', rc, 'HEAVY', heavy)\n"
    )
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", code], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=60
    )
    assert result.stdout.splitlines()[-1] == "RC 0 HEAVY []", result.stdout + result.stderr
