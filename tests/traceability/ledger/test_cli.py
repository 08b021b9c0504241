"""`flask log …`."""

from __future__ import annotations

import base64
import io
import json

import pytest
from sqlalchemy import select, text

from core.extensions import db
from tests import factories
from tests.traceability.ledger.helpers import ORIGIN, add_entries, empty_the_log, use_key
from traceability.ledger import checkpoints, merkle, monitor, note, tree
from traceability.ledger.models import LedgerEntry


@pytest.fixture
def runner(app, app_ctx, monkeypatch):
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    empty_the_log()
    use_key(monkeypatch, app)
    return app.test_cli_runner()


def test_checkpoint_signs_once(runner):
    add_entries(3, tag="cli")
    result = runner.invoke(args=["log", "checkpoint"])
    assert result.exit_code == 0, result.output
    root = base64.b64encode(tree.root(3)).decode()
    assert f"3 leaves, root {root}" in result.output
    again = runner.invoke(args=["log", "checkpoint"])
    assert again.exit_code == 0 and "No new checkpoint" in again.output


def test_check_passes_then_fails_loudly_with_exit_status_1(runner):
    add_entries(6, tag="cli-check")
    runner.invoke(args=["log", "checkpoint"])
    good = runner.invoke(args=["log", "check"])
    assert good.exit_code == 0 and "checks out: 6 leaves, 1 checkpoints" in good.output
    db.session.execute(
        text("UPDATE ledger_entries SET record = record || ' ' WHERE leaf_index = 4")
    )
    bad = runner.invoke(args=["log", "check"])
    assert bad.exit_code == 1
    assert "ALARM" in bad.stderr and "leaf_hash 4" in bad.stderr


def test_key_prints_the_published_vkeys(runner, app, monkeypatch):
    old = note.generate_key(ORIGIN)[1]
    monkeypatch.setitem(app.config, "LEDGER_PAST_KEYS", old)
    result = runner.invoke(args=["log", "key"])
    lines = result.output.splitlines()
    assert lines[1] == old and lines[0].startswith(ORIGIN + "+")
    note.Verifier.from_vkey(lines[0])


def test_generate_key_prints_a_usable_skey_and_a_warning(runner):
    result = runner.invoke(args=["log", "generate-key", "--name", "example.org/log"])
    assert result.exit_code == 0
    signer = note.Signer.from_skey(result.stdout.strip())
    assert signer.name == "example.org/log"
    assert "WARNING" in result.stderr and signer.verifier().vkey in result.stderr


def test_proof_of_a_leaf_verifies(runner):
    hashes = add_entries(5, tag="cli-proof")
    runner.invoke(args=["log", "checkpoint"])
    result = runner.invoke(args=["log", "proof", "--leaf-hash", hashes[3]])
    body = json.loads(result.stdout)
    merkle.verify_inclusion(
        body["leaf_index"],
        body["tree_size"],
        bytes.fromhex(body["leaf_hash"]),
        [base64.b64decode(h) for h in body["inclusion_path"]],
        bytes.fromhex(checkpoints.latest().root_hash),
    )
    missing = runner.invoke(args=["log", "proof", "--leaf-hash", "00" * 32])
    assert missing.exit_code == 1 and "No entry" in missing.stderr


def test_proof_of_a_batch_and_consistency(runner):
    producer, owner = factories.producer()
    product = factories.published_product(producer, owner)
    batch = factories.batch(product, owner)
    factories.stamp_order(batch, owner, quantity=2)
    runner.invoke(args=["log", "checkpoint"])
    first = checkpoints.latest().size
    add_entries(4, tag="cli-more")
    runner.invoke(args=["log", "checkpoint"])
    bundle = json.loads(runner.invoke(args=["log", "proof", "--batch", str(batch.id)]).stdout)
    assert bundle["subject"] == {"batch": batch.id, "gtin": product.gtin, "lot": batch.lot_code}
    kinds = [json.loads(e["record"])["type"] for e in bundle["entries"]]
    assert "stamp_order" in kinds and "product" in kinds
    consistency = json.loads(
        runner.invoke(args=["log", "proof", "--consistency", str(first)]).stdout
    )
    assert (consistency["tree_size_1"], consistency["tree_size_2"]) == (first, first + 4)
    note_text = runner.invoke(args=["log", "note", "--size", str(first)]).stdout
    assert note_text == checkpoints.at_size(first).note


def test_proof_needs_exactly_one_subject(runner):
    result = runner.invoke(args=["log", "proof"])
    assert result.exit_code == 2


def test_a_third_party_verifies_a_demo_batch_and_todays_checkpoint(runner, app, tmp_path):
    """The issue's "done when": with only the verifier and the published key, a demo batch's
    events are in the log and today's checkpoint extends yesterday's."""
    from traceability.ledger import verify
    from traceability.registry.demo import load_demo

    assert load_demo()  # which ends with load_demo_log(): yesterday's and today's checkpoints
    yesterday, today = checkpoints.history(2)[::-1]
    assert yesterday.size < today.size == tree.tree_size()
    batch_id = db.session.scalar(
        select(LedgerEntry.batch_id)
        .where(LedgerEntry.kind == "trace_event", LedgerEntry.batch_id.is_not(None))
        .limit(1)
    )
    key = tmp_path / "log.pub"
    key.write_text(runner.invoke(args=["log", "key"]).stdout)
    bundle = tmp_path / "bundle.json"
    bundle.write_text(runner.invoke(args=["log", "proof", "--batch", str(batch_id)]).stdout)
    entries = json.loads(bundle.read_text())["entries"]
    assert sum(json.loads(e["record"])["type"] == "trace_event" for e in entries) >= 2
    assert verify.main(["bundle", "--key", str(key), str(bundle)], out=io.StringIO()) == 0
    old, new, proof = (tmp_path / n for n in ("old.note", "new.note", "consistency.json"))
    old.write_text(runner.invoke(args=["log", "note", "--size", str(yesterday.size)]).stdout)
    new.write_text(runner.invoke(args=["log", "note"]).stdout)
    proof.write_text(
        runner.invoke(args=["log", "proof", "--consistency", str(yesterday.size)]).stdout
    )
    argv = ["consistency", "--key", str(key), "--old", str(old), "--new", str(new)]
    assert verify.main([*argv, "--proof", str(proof)], out=io.StringIO()) == 0
    assert monitor.run_check().ok
    # A rewritten event is refused by the verifier from the same bundle's data.
    body = json.loads(bundle.read_text())
    event_entry = next(e for e in body["entries"] if e["event"])
    event_entry["event"]["bizStep"] = "urn:epcglobal:cbv:bizstep:destroying"
    bundle.write_text(json.dumps(body))
    assert verify.main(["bundle", "--key", str(key), str(bundle)], out=io.StringIO()) == 1
