"""RFC 9162 Merkle tree hashing and proofs (SHA-256): pure functions, no database, no Flask.

A tree of n leaves is stored as the hashes of its complete subtrees: node (level, index) covers
leaves [index·2^level, (index+1)·2^level). Every hash the RFC's recursive definitions need (a root
at any size, the subtrees of an inclusion or a consistency proof) is a range [lo, hi) whose lo is
aligned to the largest power of two ≤ hi − lo, so it is a short fold of complete subtrees
(`range_nodes`). Provers therefore read O(log n) stored nodes through a `fetch` callback and never
the whole log. The standalone verifier (`traceability.ledger.verify`) imports only this module,
`note` and `checkpoint`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping, Sequence

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()

NodeKey = tuple[int, int]  # (level, index)
Fetch = Callable[[set[NodeKey]], Mapping[NodeKey, bytes]]


class ProofError(ValueError):
    """A proof that does not verify, or a request for one that cannot exist; says why."""


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def split(n: int) -> int:
    """The largest power of two smaller than n (n > 1): where RFC 9162 splits a tree of n leaves."""
    return 1 << ((n - 1).bit_length() - 1)


def root_of(leaf_hashes: Sequence[bytes]) -> bytes:
    """MTH of a whole list of leaf hashes, without storage (a stack of complete subtrees)."""
    _created, frontier = extend(0, [], leaf_hashes)
    return fold(frontier) if frontier else EMPTY_ROOT


# --- which stored nodes a hash needs -----------------------------------------------------------


def range_nodes(lo: int, hi: int) -> list[NodeKey]:
    """The complete subtrees, left to right, whose fold is MTH(D[lo:hi])."""
    keys = []
    while lo < hi:
        level = (hi - lo).bit_length() - 1
        if lo % (1 << level):
            raise ValueError(f"range [{lo}, {hi}) is not aligned as RFC 9162 subtrees are")
        keys.append((level, lo >> level))
        lo += 1 << level
    return keys


def fold(hashes: Sequence[bytes]) -> bytes:
    """The hash of consecutive complete subtrees, each one level smaller than the last: the
    right-most pair is joined first, as RFC 9162's split puts the larger subtree on the left."""
    result = hashes[-1]
    for left in reversed(hashes[:-1]):
        result = node_hash(left, result)
    return result


def inclusion_ranges(index: int, size: int) -> list[tuple[int, int]]:
    """The subtrees of PATH(index, D[0:size]) (RFC 9162 §2.1.3.1), in proof order."""
    if not 0 <= index < size:
        raise ProofError(f"leaf {index} is not in a tree of {size} leaves")
    out: list[tuple[int, int]] = []
    lo, hi = 0, size
    while hi - lo > 1:
        k = split(hi - lo)
        if index - lo < k:
            out.append((lo + k, hi))
            hi = lo + k
        else:
            out.append((lo, lo + k))
            lo = lo + k
    out.reverse()  # the recursion appends the top sibling last
    return out


def consistency_ranges(size1: int, size2: int) -> list[tuple[int, int]]:
    """The subtrees of PROOF(size1, D[0:size2]) (RFC 9162 §2.1.4.1), in proof order."""
    if not 0 < size1 <= size2:
        raise ProofError(f"no consistency proof from {size1} to {size2} leaves")
    out: list[tuple[int, int]] = []
    m, lo, hi, complete = size1, 0, size2, True
    while True:
        n = hi - lo
        if m == n:
            if not complete:
                out.append((lo, hi))
            break
        k = split(n)
        if m <= k:
            out.append((lo + k, hi))
            hi = lo + k
        else:
            out.append((lo, lo + k))
            m, lo, complete = m - k, lo + k, False
    out.reverse()
    return out


def _hashes(ranges: Iterable[tuple[int, int]], fetch: Fetch) -> list[bytes]:
    ranges = list(ranges)
    plans = [range_nodes(lo, hi) for lo, hi in ranges]
    wanted = {key for plan in plans for key in plan}
    found = fetch(wanted) if wanted else {}
    missing = wanted - set(found)
    if missing:
        raise LookupError(f"stored subtree hashes missing: {sorted(missing)[:5]}")
    return [fold([found[key] for key in plan]) for plan in plans]


def root_at(size: int, fetch: Fetch) -> bytes:
    if size == 0:
        return EMPTY_ROOT
    return _hashes([(0, size)], fetch)[0]


def inclusion_proof(index: int, size: int, fetch: Fetch) -> list[bytes]:
    return _hashes(inclusion_ranges(index, size), fetch)


def consistency_proof(size1: int, size2: int, fetch: Fetch) -> list[bytes]:
    if size1 == size2:
        return []
    return _hashes(consistency_ranges(size1, size2), fetch)


# --- appending -------------------------------------------------------------------------------


def frontier_keys(size: int) -> list[NodeKey]:
    """The complete subtrees a tree of `size` leaves ends with (its binary decomposition)."""
    return range_nodes(0, size)


def extend(
    size: int, frontier: Sequence[bytes], leaf_hashes: Iterable[bytes]
) -> tuple[list[tuple[int, int, bytes]], list[bytes]]:
    """Append leaves to a tree of `size` leaves whose frontier hashes are given.

    Returns every new complete subtree as (level, index, hash), level 0 included, and the new
    frontier. Nothing else of the tree is read.
    """
    levels = [level for level, _ in frontier_keys(size)]
    if len(levels) != len(frontier):
        raise ValueError(f"a tree of {size} leaves has {len(levels)} frontier nodes")
    stack = list(frontier)
    created: list[tuple[int, int, bytes]] = []
    for item in leaf_hashes:
        created.append((0, size, item))
        stack.append(item)
        levels.append(0)
        size += 1
        while len(levels) >= 2 and levels[-1] == levels[-2]:
            right, left = stack.pop(), stack.pop()
            level = levels.pop() + 1
            levels.pop()
            joined = node_hash(left, right)
            created.append((level, (size >> level) - 1, joined))
            stack.append(joined)
            levels.append(level)
    return created, stack


class MemoryTree:
    """A whole tree in memory: for tests, benchmarks and the verifier's self-checks."""

    def __init__(self, leaf_hashes: Iterable[bytes] = ()):
        self.size = 0
        self.nodes: dict[NodeKey, bytes] = {}
        self.frontier: list[bytes] = []
        self.append(leaf_hashes)

    def append(self, leaf_hashes: Iterable[bytes]) -> None:
        created, self.frontier = extend(self.size, self.frontier, list(leaf_hashes))
        for level, index, value in created:
            self.nodes[level, index] = value
            if level == 0:
                self.size += 1

    def fetch(self, keys: set[NodeKey]) -> dict[NodeKey, bytes]:
        return {key: self.nodes[key] for key in keys if key in self.nodes}

    def root(self, size: int | None = None) -> bytes:
        return root_at(self.size if size is None else size, self.fetch)

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        return inclusion_proof(index, self.size if size is None else size, self.fetch)

    def consistency_proof(self, size1: int, size2: int | None = None) -> list[bytes]:
        return consistency_proof(size1, self.size if size2 is None else size2, self.fetch)


# --- verifying (RFC 9162 §2.1.3.2 and §2.1.4.2) -----------------------------------------------


def _check_hash(value: bytes, what: str) -> None:
    if len(value) != HASH_SIZE:
        raise ProofError(f"{what} is {len(value)} bytes, not {HASH_SIZE}")


def verify_inclusion(
    index: int, size: int, leaf: bytes, proof: Sequence[bytes], root: bytes
) -> None:
    """Raise ProofError unless `proof` shows leaf hash `leaf` at `index` in the tree `root`."""
    if not 0 <= index < size:
        raise ProofError(f"leaf index {index} is not below the tree size {size}")
    _check_hash(leaf, "the leaf hash")
    _check_hash(root, "the root hash")
    for n, element in enumerate(proof):
        _check_hash(element, f"proof element {n}")
    fn, sn, r = index, size - 1, leaf
    for element in proof:
        if sn == 0:
            raise ProofError("the proof is longer than the tree is deep")
        if fn & 1 or fn == sn:
            r = node_hash(element, r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, element)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("the proof is shorter than the tree is deep")
    if r != root:
        raise ProofError("the proof leads to another root: the leaf is not in this tree")


def verify_consistency(
    size1: int, size2: int, root1: bytes, root2: bytes, proof: Sequence[bytes]
) -> None:
    """Raise ProofError unless `proof` shows that tree (size2, root2) extends (size1, root1).

    Roots must be 32 bytes, also when size1 == size2 (transparency-dev/merkle does not check them
    there; see tests/traceability/ledger for the one vector this decides).
    """
    if size1 == 0:
        raise ProofError("a consistency proof from the empty tree means nothing")
    if size1 > size2:
        raise ProofError(f"the first tree ({size1}) is larger than the second ({size2})")
    _check_hash(root1, "the first root")
    _check_hash(root2, "the second root")
    for n, element in enumerate(proof):
        _check_hash(element, f"proof element {n}")
    if size1 == size2:
        if proof:
            raise ProofError("trees of the same size need an empty proof")
        if root1 != root2:
            raise ProofError("two trees of the same size have different roots")
        return
    if not proof:
        raise ProofError("the proof is empty")
    path = list(proof)
    if size1 & (size1 - 1) == 0:  # a power of two: the old root is the first node
        path.insert(0, root1)
    fn, sn = size1 - 1, size2 - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for element in path[1:]:
        if sn == 0:
            raise ProofError("the proof is longer than the trees are deep")
        if fn & 1 or fn == sn:
            fr = node_hash(element, fr)
            sr = node_hash(element, sr)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, element)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("the proof is shorter than the trees are deep")
    if fr != root1:
        raise ProofError("the proof does not lead to the first root")
    if sr != root2:
        raise ProofError("the proof does not lead to the second root: the log was rewritten")
