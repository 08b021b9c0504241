"""Checkpoints (signed tree heads), the signing key, periodic publishing and the proofs' JSON."""

from __future__ import annotations

import base64
import os
import stat
import threading
import time

import pytest
from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import select

from core.extensions import db
from tests.conftest import make_test_app
from tests.traceability.ledger.helpers import ORIGIN, add_entries, empty_the_log, use_key
from traceability.ledger import (
    checkpoint,
    checkpoints,
    demo,
    jobs,
    keys,
    merkle,
    note,
    proofs,
    tree,
)
from traceability.ledger.models import LedgerCheckpoint


@pytest.fixture
def signer(app, app_ctx, monkeypatch):
    empty_the_log()
    return use_key(monkeypatch, app)


def count_checkpoints() -> int:
    return db.session.query(LedgerCheckpoint).count()


def test_publish_signs_the_tree_and_the_note_verifies(signer):
    add_entries(5, tag="sign")
    made = checkpoints.publish()
    assert made.size == 5 and tree.tree_size() == 5
    opened = note.open_note(made.note.encode(), [signer.verifier()])
    assert [s.name for s in opened.verified] == [ORIGIN]
    root = tree.root(5)
    assert opened.text == f"{ORIGIN}\n5\n{base64.b64encode(root).decode()}\n".encode()
    assert checkpoint.open_checkpoint(made.note.encode(), signer.verifier(), ORIGIN) == (
        checkpoint.Checkpoint(ORIGIN, 5, root)
    )
    assert made.root_hash == root.hex()
    assert (made.key_name, made.key_id) == (ORIGIN, f"{signer.key_id:08x}")


def test_a_checkpoint_by_another_key_does_not_verify(signer):
    add_entries(2, tag="other")
    made = checkpoints.publish()
    _skey, other_vkey = note.generate_key(ORIGIN)
    with pytest.raises(note.NoteError):
        note.open_note(made.note.encode(), [note.Verifier.from_vkey(other_vkey)])


def test_two_publishes_without_growth_give_one_checkpoint(signer):
    add_entries(3, tag="twice")
    first = checkpoints.publish()
    assert checkpoints.publish() is None
    assert checkpoints.publish(force=True) is None
    assert count_checkpoints() == 1
    add_entries(1, tag="twice-more")
    second = checkpoints.publish()
    assert (first.size, second.size) == (3, 4)
    assert checkpoints.latest().id == second.id
    assert checkpoints.at_size(3).id == first.id
    assert [c.size for c in checkpoints.history(10)] == [4, 3]


def test_the_empty_log_is_signed_only_when_forced(signer):
    assert checkpoints.publish() is None
    made = checkpoints.publish(force=True)
    assert made.size == 0 and made.root_hash == merkle.EMPTY_ROOT.hex()


def test_the_generated_key_is_made_once_private_and_named_after_the_origin(
    app, app_ctx, monkeypatch, tmp_path
):
    path = tmp_path / "instance" / "ledger-signing.key"
    monkeypatch.setitem(app.config, "LEDGER_SIGNING_KEY", None)
    monkeypatch.setitem(app.config, "LEDGER_SIGNING_KEY_FILE", str(path))
    first = keys.signer()
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert first.name == keys.origin()
    assert keys.signer().skey == first.skey  # read back, not generated again
    assert [p.name for p in path.parent.iterdir()] == ["ledger-signing.key"]


def test_a_key_named_otherwise_is_refused(app, app_ctx, monkeypatch):
    use_key(monkeypatch, app, name="example.com/another-log")
    with pytest.raises(keys.KeyConfigError, match="origin"):
        keys.signer()


def test_a_missing_key_file_is_refused_in_production(app, app_ctx, monkeypatch, tmp_path):
    monkeypatch.setitem(app.config, "LEDGER_SIGNING_KEY", None)
    monkeypatch.setitem(app.config, "LEDGER_SIGNING_KEY_FILE", str(tmp_path / "nope.key"))
    monkeypatch.setitem(app.config, "APP_ENV", "production")
    with pytest.raises(keys.KeyConfigError, match="does not exist"):
        keys.signer()
    assert not (tmp_path / "nope.key").exists()


@pytest.mark.parametrize("as_text", [True, False])
def test_past_keys_are_published_after_the_current_one(app, signer, monkeypatch, as_text):
    old = [note.generate_key(ORIGIN)[1] for _ in range(2)]
    monkeypatch.setitem(app.config, "LEDGER_PAST_KEYS", "\n".join(old) + "\n" if as_text else old)
    assert keys.published_keys() == [signer.verifier().vkey, *old]


def test_after_a_rotation_old_checkpoints_still_verify_and_new_ones_use_the_new_key(
    app, signer, monkeypatch
):
    add_entries(4, tag="rotate")
    old = checkpoints.publish()
    new_signer = use_key(monkeypatch, app)
    monkeypatch.setitem(app.config, "LEDGER_PAST_KEYS", signer.verifier().vkey)
    add_entries(3, tag="rotate-more")
    new = checkpoints.publish()
    verifiers = keys.verifiers()
    assert note.open_note(old.note.encode(), verifiers).verified[0].key_id == signer.key_id
    assert note.open_note(new.note.encode(), verifiers).verified[0].key_id == new_signer.key_id
    with pytest.raises(note.NoteError):
        note.open_note(new.note.encode(), [signer.verifier()])
    body = proofs.consistency_body(old.size, new.size)
    merkle.verify_consistency(
        4,
        7,
        bytes.fromhex(old.root_hash),
        bytes.fromhex(new.root_hash),
        [base64.b64decode(h) for h in body["consistency_path"]],
    )


def test_publish_once_commits_and_signs_only_growth(app, signer):
    add_entries(2, tag="job")
    made = jobs.publish_once(app)
    assert made is not None and made.size == 2
    assert jobs.publish_once(app) is None
    assert count_checkpoints() == 1


def test_run_periodic_publishes_until_stopped(app, signer, monkeypatch):
    add_entries(2, tag="periodic")
    rounds = []

    class StopAfterTwo(threading.Event):
        def wait(self, timeout=None):
            rounds.append(timeout)
            if len(rounds) == 2:
                self.set()
            return self.is_set()

    monkeypatch.setitem(app.config, "LEDGER_CHECKPOINT_SECONDS", 7)
    jobs.run_periodic(app, StopAfterTwo())
    assert rounds == [7.0, 7.0]
    assert count_checkpoints() == 1


def test_the_thread_runner_is_started_only_in_thread_mode():
    for mode, expected in (("thread", True), ("rq", False), ("sync", False)):
        other = Flask("x")
        other.config["JOB_QUEUE"] = mode
        jobs.init_app(other)
        assert ("ledger_checkpoint_runner" in other.extensions) is expected


def test_proof_bodies_verify(signer):
    hashes = add_entries(9, tag="bodies")
    cp = checkpoints.publish()
    add_entries(2, tag="bodies-later")
    tree.integrate()
    entry = tree.entry_by_leaf_hash(hashes[6])
    body = proofs.inclusion_body(entry, cp)
    assert body["tree_size"] == 9 and body["leaf_index"] == 6 and body["checkpoint"] == cp.note
    merkle.verify_inclusion(
        6,
        9,
        merkle.leaf_hash(body["record"].encode()),
        [base64.b64decode(h) for h in body["inclusion_path"]],
        bytes.fromhex(cp.root_hash),
    )
    later = tree.entry_at(10)
    with pytest.raises(merkle.ProofError):
        proofs.inclusion_body(later, cp)
    shown = proofs.checkpoint_body(cp)
    assert shown["tree_size"] == 9
    assert base64.b64decode(shown["root_hash"]) == bytes.fromhex(cp.root_hash)
    assert shown["public_keys"][0] == signer.verifier().vkey
    described = proofs.entry_body(entry)
    assert described["type"] == "product" and described["content"] == {"test": "bodies", "n": 6}
    assert described["event"] is None and described["leaf_index"] == 6
    assert proofs.entry_body(later)["leaf_index"] is None  # sequenced, not yet signed


def test_a_bundle_holds_only_entries_in_its_checkpoint(signer):
    add_entries(5, tag="bundle")
    cp = checkpoints.publish()
    add_entries(2, tag="bundle-later")
    tree.integrate()
    entries = [tree.entry_at(i) for i in range(7)]
    body = proofs.bundle(entries, None, {"batch": 1})
    assert body["format"] == "dongnai-trace-log-bundle/1" and body["checkpoint"] == cp.note
    assert [e["leaf_index"] for e in body["entries"]] == [0, 1, 2, 3, 4]
    for item in body["entries"]:
        merkle.verify_inclusion(
            item["leaf_index"],
            5,
            merkle.leaf_hash(item["record"].encode()),
            [base64.b64decode(h) for h in item["inclusion_path"]],
            bytes.fromhex(cp.root_hash),
        )


def test_the_demo_log_has_yesterdays_and_todays_checkpoints(signer):
    add_entries(12, tag="demo")
    yesterday, today = demo.load_demo_log()
    assert (yesterday.size, today.size) == (7, 12)
    assert (today.created_at - yesterday.created_at).total_seconds() > 23 * 3600
    body = proofs.consistency_body(yesterday.size, today.size)
    merkle.verify_consistency(
        7,
        12,
        bytes.fromhex(yesterday.root_hash),
        bytes.fromhex(today.root_hash),
        [base64.b64decode(h) for h in body["consistency_path"]],
    )


@pytest.fixture
def fresh_app(fresh_database, tmp_path):
    """An application on its own, committed database (for several connections at once)."""
    app = make_test_app(fresh_database(), tmp_path, LEDGER_SIGNING_KEY=note.generate_key(ORIGIN)[0])
    with app.app_context():
        upgrade()
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.mark.no_db_isolation
def test_concurrent_publishers_sign_one_checkpoint_per_size(fresh_app):
    """Several web processes publishing at once (each its own connection): one checkpoint."""
    with fresh_app.app_context():
        add_entries(30, tag="publishers")
        db.session.commit()
    barrier = threading.Barrier(3)
    made, errors = [], []

    def publisher():
        try:
            barrier.wait()
            made.append(jobs.publish_once(fresh_app))
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=publisher) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors
    assert sorted(m is not None for m in made) == [False, False, True]
    with fresh_app.app_context():
        rows = db.session.scalars(select(LedgerCheckpoint)).all()
        assert [r.size for r in rows] == [30]
        db.session.remove()


@pytest.mark.no_db_isolation
def test_the_thread_runner_publishes_in_the_background_and_stops(fresh_app):
    fresh_app.config["LEDGER_CHECKPOINT_SECONDS"] = 0.05
    with fresh_app.app_context():
        add_entries(4, tag="runner")
        db.session.commit()
    runner = jobs.CheckpointRunner(fresh_app)
    runner.start()
    try:
        deadline = time.monotonic() + 20
        sizes: list[int] = []
        while time.monotonic() < deadline and sizes != [4]:
            time.sleep(0.05)
            with fresh_app.app_context():
                sizes = list(db.session.scalars(select(LedgerCheckpoint.size)))
                db.session.remove()
        assert sizes == [4]
        with fresh_app.app_context():
            add_entries(2, tag="runner-more")
            db.session.commit()
        while time.monotonic() < deadline and sizes != [4, 6]:
            time.sleep(0.05)
            with fresh_app.app_context():
                sizes = list(db.session.scalars(select(LedgerCheckpoint.size).order_by("size")))
                db.session.remove()
        assert sizes == [4, 6]
    finally:
        runner.stop()
    assert not runner.thread.is_alive()
