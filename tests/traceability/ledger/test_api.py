"""The origin log's public JSON: checkpoints, key, entries, inclusion and consistency proofs and
bundles that verify with only the public key; the API's error shape saying what to ask for; CORS,
no token, rate-limited; drafts 404."""

from __future__ import annotations

import base64
import json

import pytest
from sqlalchemy import delete

from core.extensions import db, limiter
from tests import factories
from tests.traceability.events.test_journey import World, season
from tests.traceability.ledger.helpers import add_entries, use_key
from tests.traceability.ledger.test_views import world_time
from traceability.ledger import checkpoint, checkpoints, keys, merkle, records, tree
from traceability.ledger.models import LedgerCheckpoint, LedgerEntry


@pytest.fixture
def world(app_ctx, app, monkeypatch):
    signer = use_key(monkeypatch, app)
    world = World(stamps=1)
    season(world)
    checkpoints.publish()
    db.session.commit()
    world.signer = signer
    return world


def get_json(client, url: str, status: int = 200) -> dict:
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code, response.get_data())
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    return response.get_json()


def assert_error(body: dict, status: int, param: str | None = None) -> None:
    assert set(body) == {"code", "status", "message", "errors"}, body
    assert body["code"] == status and body["message"]
    if param:
        assert param in body["errors"]["query"], body


def a_second_checkpoint() -> tuple[int, int]:
    first = checkpoints.latest().size
    add_entries(3, tag="later")
    checkpoints.publish()
    db.session.commit()
    return first, checkpoints.latest().size


# --- checkpoints and the key --------------------------------------------------------------------


def test_latest_checkpoint_json_and_text_verify_with_the_published_key(client, world):
    body = get_json(client, "/api/log/checkpoint")
    latest = checkpoints.latest()
    assert body["tree_size"] == latest.size == tree.tree_size()
    assert base64.b64decode(body["root_hash"]) == tree.root(latest.size)
    assert body["origin"] == keys.origin() and body["key_name"] == keys.origin()
    assert body["public_keys"][0] == world.signer.verifier().vkey
    text = client.get("/api/log/checkpoint.txt")
    assert text.mimetype == "text/plain"
    assert text.get_data(as_text=True) == body["checkpoint"] == latest.note
    vkeys = client.get("/api/log/key").get_data(as_text=True).splitlines()
    assert vkeys == [world.signer.verifier().vkey]
    from traceability.ledger import note

    opened = checkpoint.open_checkpoint(
        text.get_data(), note.Verifier.from_vkey(vkeys[0]), keys.origin()
    )
    assert opened.size == latest.size


def test_checkpoint_list_newest_first_with_before_and_limit(client, world):
    first, second = a_second_checkpoint()
    body = get_json(client, "/api/log/checkpoints")
    sizes = [c["tree_size"] for c in body["checkpoints"]]
    assert sizes[:2] == [second, first]
    page = get_json(client, f"/api/log/checkpoints?before={second}&limit=1")
    assert [c["tree_size"] for c in page["checkpoints"]] == [first]
    assert_error(get_json(client, "/api/log/checkpoints?limit=x", 400), 400, "limit")


def test_no_checkpoint_yet_is_404_saying_so(client, app_ctx, app, monkeypatch):
    use_key(monkeypatch, app)
    db.session.execute(delete(LedgerCheckpoint))  # rolled back after the test
    db.session.commit()
    assert_error(get_json(client, "/api/log/checkpoint", 404), 404)
    assert client.get("/api/log/checkpoint.txt").status_code == 404
    assert_error(get_json(client, "/api/log/leaves/0", 404), 404)


# --- entries and inclusion ----------------------------------------------------------------------


def test_a_leaf_and_its_inclusion_proof_verify_against_the_checkpoint(client, world):
    entry = db.session.scalars(
        db.select(LedgerEntry)
        .where(LedgerEntry.batch_id == world.batch.id)
        .order_by(LedgerEntry.id)
    ).first()
    body = get_json(client, f"/api/log/leaves/{entry.leaf_index}")
    size = checkpoints.latest().size
    assert body["tree_size"] == size and body["leaf_hash"] == entry.leaf_hash
    leaf = merkle.leaf_hash(body["record"].encode())
    assert leaf.hex() == entry.leaf_hash
    signed = checkpoint.open_checkpoint(
        body["checkpoint"].encode(), world.signer.verifier(), keys.origin()
    )
    path = [base64.b64decode(h) for h in body["inclusion_path"]]
    merkle.verify_inclusion(body["leaf_index"], size, leaf, path, signed.root_hash)
    # A modified record does not verify.
    other = merkle.leaf_hash(body["record"].replace('"v":1', '"v":2').encode())
    with pytest.raises(merkle.ProofError):
        merkle.verify_inclusion(body["leaf_index"], size, other, path, signed.root_hash)


def test_a_leaf_in_an_earlier_checkpoint(client, world):
    first, second = a_second_checkpoint()
    body = get_json(client, f"/api/log/leaves/0?tree_size={first}")
    assert body["tree_size"] == first
    assert get_json(client, "/api/log/leaves/0")["tree_size"] == second
    assert body["checkpoint"] == checkpoints.at_size(first).note


def test_leaf_errors_say_what_to_ask_for(client, world):
    size = checkpoints.latest().size
    body = get_json(client, f"/api/log/leaves/{size}?tree_size={size}", 400)
    assert_error(body, 400, "tree_size")
    assert_error(get_json(client, f"/api/log/leaves/{size}", 404), 404)
    assert_error(get_json(client, "/api/log/leaves/0?tree_size=999999", 404), 404, "tree_size")
    assert_error(get_json(client, "/api/log/leaves/0?tree_size=-1", 400), 400, "tree_size")
    assert_error(get_json(client, "/api/log/leaves/0?tree_size=0", 400), 400, "tree_size")


def test_entry_json_carries_the_event_whose_hash_the_record_holds(client, world):
    from traceability.events import hashing

    entry = db.session.scalars(
        db.select(LedgerEntry)
        .where(LedgerEntry.batch_id == world.batch.id, LedgerEntry.event_pk.is_not(None))
        .order_by(LedgerEntry.id)
    ).first()
    body = get_json(client, f"/api/log/entries/{entry.leaf_hash.upper()}")
    assert body["leaf_hash"] == entry.leaf_hash and body["type"] == "trace_event"
    record = json.loads(body["record"])
    assert hashing.event_hash(body["event"], body["context"]) == record["content_hash"]
    product = db.session.scalars(
        db.select(LedgerEntry)
        .where(LedgerEntry.product_id == world.product.id)
        .order_by(LedgerEntry.id)
    ).first()
    body = get_json(client, f"/api/log/entries/{product.leaf_hash}")
    assert records.content_hash(body["content"]) == json.loads(body["record"])["content_hash"]
    assert_error(get_json(client, "/api/log/entries/" + "f" * 64, 404), 404)


# --- consistency --------------------------------------------------------------------------------


def test_consistency_proof_between_two_checkpoints_verifies(client, world):
    first, second = a_second_checkpoint()
    body = get_json(client, f"/api/log/proof/consistency?first={first}&second={second}")
    assert (body["tree_size_1"], body["tree_size_2"]) == (first, second)
    verifier = world.signer.verifier()
    root1 = checkpoint.open_checkpoint(checkpoints.at_size(first).note.encode(), verifier).root_hash
    root2 = checkpoint.open_checkpoint(
        checkpoints.at_size(second).note.encode(), verifier
    ).root_hash
    proof = [base64.b64decode(h) for h in body["consistency_path"]]
    merkle.verify_consistency(first, second, root1, root2, proof)
    with pytest.raises(merkle.ProofError):
        merkle.verify_consistency(first, second, root1, tree.root(second - 1), proof)


def test_consistency_errors(client, world):
    first, second = a_second_checkpoint()
    assert_error(get_json(client, "/api/log/proof/consistency", 400), 400, "first")
    url = f"/api/log/proof/consistency?first={second}&second={first}"
    assert_error(get_json(client, url, 400), 400, "first")
    url = f"/api/log/proof/consistency?first={first}&second={second + 1}"
    assert_error(get_json(client, url, 404), 404, "second")


# --- bundles ------------------------------------------------------------------------------------


def test_batch_bundle_holds_every_checkpointed_record_with_a_valid_proof(client, world):
    world.record("receiving", world_time())
    db.session.commit()  # one more record, not yet in a checkpoint
    response = client.get(f"/api/log/batches/{world.batch.id}/bundle")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    body = response.get_json()
    assert body["format"] == "dongnai-trace-log-bundle/1"
    assert body["subject"]["lot"] == world.batch.lot_code
    signed = checkpoint.open_checkpoint(body["checkpoint"].encode(), world.signer.verifier())
    assert len(body["entries"]) == 6  # the waiting one is left out
    for item in body["entries"]:
        leaf = merkle.leaf_hash(item["record"].encode())
        path = [base64.b64decode(h) for h in item["inclusion_path"]]
        merkle.verify_inclusion(item["leaf_index"], signed.size, leaf, path, signed.root_hash)


def test_product_bundle(client, world):
    body = get_json(client, f"/api/log/products/{world.product.gtin}/bundle")
    assert body["subject"] == {"gtin": world.product.gtin}
    assert len(body["entries"]) == 6


def test_draft_products_and_their_batches_have_no_bundle(client, world):
    producer, owner = factories.producer()
    draft = factories.product(producer, owner)
    batch = factories.batch(draft, owner)
    db.session.commit()
    assert_error(get_json(client, f"/api/log/products/{draft.gtin}/bundle", 404), 404)
    assert_error(get_json(client, f"/api/log/batches/{batch.id}/bundle", 404), 404)
    assert_error(get_json(client, "/api/log/batches/2147483647/bundle", 404), 404)


# --- the edge -----------------------------------------------------------------------------------


def test_session_cookie_and_token_change_nothing(client, world):
    staff = factories.staff()
    db.session.commit()
    anonymous = get_json(client, "/api/log/checkpoint")
    client.login(staff.email, factories.PASSWORD)
    assert get_json(client, "/api/log/checkpoint") == anonymous


def test_public_json_is_rate_limited_with_the_error_shape(client, world, app, monkeypatch):
    monkeypatch.setitem(app.config, "RATELIMIT_LOG", "3 per minute")
    limiter.reset()
    for _ in range(3):
        assert client.get("/api/log/key").status_code == 200
    response = client.get("/api/log/key")
    assert response.status_code == 429
    assert_error(response.get_json(), 429)
    limiter.reset()


# --- the standalone verifier on what the API serves ---------------------------------------------


def _verify(*argv: str) -> tuple[int, str]:
    import io

    from traceability.ledger import verify

    out = io.StringIO()
    return verify.main(list(argv), out=out), out.getvalue()


def test_the_verifier_accepts_our_bundle_and_consistency_with_only_the_public_key(
    client, world, tmp_path
):
    first, second = a_second_checkpoint()
    key = tmp_path / "KEY"
    key.write_bytes(client.get("/api/log/key").get_data())
    bundle = tmp_path / "bundle.json"
    bundle.write_bytes(client.get(f"/api/log/batches/{world.batch.id}/bundle").get_data())
    code, said = _verify("bundle", "--key", str(key), str(bundle))
    assert code == 0, said
    old, new = (tmp_path / "old.txt"), (tmp_path / "new.txt")
    listed = {
        c["tree_size"]: c["checkpoint"]
        for c in get_json(client, "/api/log/checkpoints")["checkpoints"]
    }
    old.write_text(listed[first])
    new.write_bytes(client.get("/api/log/checkpoint.txt").get_data())
    proof = tmp_path / "proof.json"
    proof.write_bytes(
        client.get(f"/api/log/proof/consistency?first={first}&second={second}").get_data()
    )
    code, said = _verify(
        "consistency",
        "--key",
        str(key),
        "--old",
        str(old),
        "--new",
        str(new),
        "--proof",
        str(proof),
    )
    assert code == 0, said
    # A record changed after the fact does not verify.
    body = json.loads(bundle.read_text())
    body["entries"][0]["record"] = body["entries"][0]["record"].replace('"v":1', '"v":2')
    bundle.write_text(json.dumps(body))
    code, said = _verify("bundle", "--key", str(key), str(bundle))
    assert code == 1, said
