"""The stored tree: the sequencer and the prover over ledger_nodes, against MemoryTree."""

from __future__ import annotations

import threading

import pytest
from flask_migrate import upgrade
from sqlalchemy import event, select

from core.extensions import db
from tests.conftest import make_test_app
from tests.traceability.ledger.helpers import add_entries, sequenced_leaf_hashes
from traceability.ledger import merkle, tree
from traceability.ledger.models import LedgerEntry, LedgerHead, LedgerNode


@pytest.fixture
def log(app_ctx):
    """The log as it is (other tests' entries are rolled back, the demo's may be there)."""
    tree.integrate()
    return tree


def memory_tree() -> merkle.MemoryTree:
    return merkle.MemoryTree(sequenced_leaf_hashes())


def test_roots_and_proofs_equal_memory_trees_for_sizes_1_to_40(log):
    start = tree.tree_size()
    for _ in range(40):
        add_entries(1, tag=f"one-{tree.tree_size()}")
        assert tree.integrate() == 1
    reference = memory_tree()
    assert reference.size == tree.tree_size() == start + 40
    for size in range(max(start, 1), start + 41):
        assert tree.root(size) == reference.root(size)
        for index in {0, size // 2, size - 1}:
            assert tree.inclusion_proof(index, size) == reference.inclusion_proof(index, size)
        for size1 in {1, size // 3 or 1, size - 1 or 1}:
            assert tree.consistency_proof(size1, size) == reference.consistency_proof(size1, size)


def test_uneven_integrates_build_the_same_tree(log):
    start = tree.tree_size()
    for count in (1, 7, 2, 16, 33, 5):
        add_entries(count, tag=f"batch-{count}")
        assert tree.integrate() == count
    reference = memory_tree()
    size = tree.tree_size()
    assert size == start + 64
    assert tree.root(size) == reference.root() == merkle.root_of(sequenced_leaf_hashes())
    for index in range(0, size, 5):
        assert tree.inclusion_proof(index, size) == reference.inclusion_proof(index, size)
        merkle.verify_inclusion(
            index,
            size,
            reference.nodes[0, index],
            tree.inclusion_proof(index, size),
            tree.root(size),
        )
    stored = dict(
        ((row.level, row.index), bytes(row.hash))
        for row in db.session.execute(select(LedgerNode.level, LedgerNode.index, LedgerNode.hash))
    )
    assert stored == reference.nodes


def test_integrate_with_a_limit_and_in_chunks(log, monkeypatch):
    monkeypatch.setattr(tree, "CHUNK", 4)
    start = tree.tree_size()
    hashes = add_entries(11, tag="chunks")
    assert tree.integrate(limit=6) == 6
    assert tree.tree_size() == start + 6
    assert tree.pending() == 5
    assert tree.integrate() == 5
    indexes = [tree.entry_by_leaf_hash(h).leaf_index for h in hashes]
    assert indexes == list(range(start, start + 11))
    assert tree.root(start + 11) == memory_tree().root()


def test_ids_with_gaps_get_consecutive_indexes(log):
    """Ids have gaps (rolled-back transactions); leaf indexes never do."""
    start = tree.tree_size()
    hashes = add_entries(10, tag="gaps")
    ids = [tree.entry_by_leaf_hash(h).id for h in hashes]
    gone = {ids[2], ids[3], ids[7]}
    db.session.execute(LedgerEntry.__table__.delete().where(LedgerEntry.id.in_(gone)))
    assert tree.integrate() == 7
    kept = [h for h, i in zip(hashes, ids, strict=True) if i not in gone]
    got = [
        (e.leaf_index, e.leaf_hash)
        for e in db.session.scalars(
            select(LedgerEntry).where(LedgerEntry.leaf_index >= start).order_by(LedgerEntry.id)
        )
    ]
    assert got == list(zip(range(start, start + 7), kept, strict=True))
    assert tree.root(start + 7) == memory_tree().root()


def test_integrate_is_idempotent(log):
    add_entries(9, tag="idem")
    assert tree.integrate() == 9
    size, root = tree.tree_size(), tree.root(tree.tree_size())
    nodes = db.session.scalar(select(db.func.count()).select_from(LedgerNode))
    assert tree.integrate() == 0
    assert tree.tree_size() == size and tree.root(size) == root
    assert db.session.scalar(select(db.func.count()).select_from(LedgerNode)) == nodes


def test_leaf_hashes_follow_the_records_bytes(log):
    (leaf,) = add_entries(1, tag="bytes")
    tree.integrate()
    entry = tree.entry_by_leaf_hash(leaf)
    assert merkle.leaf_hash(entry.record.encode()).hex() == leaf
    assert tree.entry_at(entry.leaf_index).id == entry.id
    assert tree.fetch({(0, entry.leaf_index)}) == {(0, entry.leaf_index): bytes.fromhex(leaf)}


def test_proofs_beyond_the_tree_are_refused(log):
    add_entries(3, tag="beyond")
    tree.integrate()
    size = tree.tree_size()
    with pytest.raises(merkle.ProofError):
        tree.root(size + 1)
    with pytest.raises(merkle.ProofError):
        tree.inclusion_proof(size, size)
    with pytest.raises(merkle.ProofError):
        tree.consistency_proof(1, size + 1)


def test_proofs_read_few_nodes_in_one_query(log):
    add_entries(300, tag="few")
    tree.integrate()
    size = tree.tree_size()
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    engine = db.session.get_bind()
    event.listen(engine, "before_cursor_execute", count)
    try:
        fetched: list[int] = []
        original = tree.fetch

        def counting_fetch(keys):
            found = original(keys)
            fetched.append(len(found))
            return found

        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(tree, "fetch", counting_fetch)
            statements.clear()
            proof = tree.inclusion_proof(size // 2, size)
            node_queries = [s for s in statements if "ledger_nodes" in s]
            assert len(node_queries) == 1
            statements.clear()
            tree.consistency_proof(size // 3, size)
            assert len([s for s in statements if "ledger_nodes" in s]) == 1
    finally:
        event.remove(engine, "before_cursor_execute", count)
    depth = size.bit_length()
    assert len(proof) <= depth
    # Each proof element folds at most log2(size) stored subtrees.
    assert all(n <= 2 * depth for n in fetched)


def test_integrate_flushes_the_session_first(log):
    add_entries(2, tag="flush")
    # integrate flushes the session first: what this transaction added is sequenced with it.
    entry = LedgerEntry(
        kind="product", record='{"x":1}', leaf_hash=merkle.leaf_hash(b'{"x":1}').hex()
    )
    db.session.add(entry)
    assert tree.integrate() == 3
    assert entry.leaf_index == tree.tree_size() - 1


@pytest.mark.no_db_isolation
def test_two_concurrent_integrates_never_share_an_index(fresh_database, tmp_path):
    """Two sequencers on two connections, started together: the second waits for the first's
    lock, then sequences what is left; every index is given once."""
    app = make_test_app(fresh_database(), tmp_path)
    with app.app_context():
        upgrade()
        add_entries(400, tag="race")
        db.session.commit()
    start = threading.Barrier(2)
    errors: list[BaseException] = []
    done: list[int] = []

    def sequencer():
        try:
            with app.app_context():
                start.wait()
                while True:
                    count = tree.integrate(limit=37)
                    db.session.commit()
                    if not count:
                        break
                    done.append(count)
                db.session.remove()
        except BaseException as exc:  # reported by the test below
            errors.append(exc)

    threads = [threading.Thread(target=sequencer) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors
    assert sum(done) == 400
    with app.app_context():
        indexes = sorted(db.session.scalars(select(LedgerEntry.leaf_index)))
        assert indexes == list(range(400))
        assert db.session.get(LedgerHead, 1).size == 400
        assert tree.root(400) == merkle.root_of(sequenced_leaf_hashes())
        db.session.remove()
        db.engine.dispose()
