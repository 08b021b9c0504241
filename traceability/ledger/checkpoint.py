"""C2SP tlog-checkpoint (c2sp.org/tlog-checkpoint): the signed tree head of a log. Pure.

The note text is `origin\\n`, the tree size in decimal without leading zeroes (uint64), the
standard base64 of the 32-byte root hash, then optional extension lines; every line is non-empty
and ends in a newline. Origins with a space or a '+' are accepted: the spec only says SHOULD NOT.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass

from traceability.ledger import note
from traceability.ledger.merkle import HASH_SIZE

MAX_SIZE = 2**64 - 1
_SIZE = re.compile(r"0|[1-9][0-9]*")
_B64 = re.compile(r"(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?")


class CheckpointError(ValueError):
    """A checkpoint that is malformed, not signed by the log's key, or from another log."""


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    size: int
    root_hash: bytes
    extensions: tuple[str, ...] = ()

    @property
    def root_b64(self) -> str:
        return base64.b64encode(self.root_hash).decode("ascii")


def parse(text: bytes, *, hash_size: int | None = HASH_SIZE) -> Checkpoint:
    """Parse a checkpoint's note text strictly; `hash_size=None` accepts roots of any length."""
    try:
        decoded = text.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CheckpointError("the checkpoint is not valid UTF-8") from exc
    if not decoded.endswith("\n"):
        raise CheckpointError("the checkpoint text must end with a newline")
    lines = decoded[:-1].split("\n")
    if len(lines) < 3:
        raise CheckpointError("a checkpoint has at least three lines: origin, size, root hash")
    if any(not line for line in lines):
        raise CheckpointError("a checkpoint has no empty lines")
    origin, size_text, root_text, *extensions = lines
    if not _SIZE.fullmatch(size_text):
        raise CheckpointError("the tree size is not a decimal number without leading zeroes")
    size = int(size_text)
    if size > MAX_SIZE:
        raise CheckpointError("the tree size does not fit in 64 bits")
    if not _B64.fullmatch(root_text):
        raise CheckpointError("the root hash is not standard base64")
    try:
        root = base64.b64decode(root_text, validate=True)
    except binascii.Error as exc:
        raise CheckpointError("the root hash is not standard base64") from exc
    if hash_size is not None and len(root) != hash_size:
        raise CheckpointError(f"the root hash is {len(root)} bytes, not {hash_size}")
    if not root:
        raise CheckpointError("the root hash is empty")
    return Checkpoint(origin, size, root, tuple(extensions))


def marshal(cp: Checkpoint) -> bytes:
    """The note text of a checkpoint."""
    lines = [cp.origin, str(cp.size), cp.root_b64, *cp.extensions]
    if any(not line or "\n" in line for line in lines):
        raise CheckpointError("checkpoint lines must be non-empty and hold no newline")
    if not 0 <= cp.size <= MAX_SIZE:
        raise CheckpointError("the tree size does not fit in 64 bits")
    return "".join(line + "\n" for line in lines).encode("utf-8")


def sign_checkpoint(cp: Checkpoint, signer: note.Signer) -> bytes:
    """The signed note of a checkpoint."""
    return note.sign(marshal(cp), [signer])


def open_checkpoint(
    signed: bytes,
    log_verifier: note.Verifier,
    origin: str | None = None,
    others=(),
    *,
    hash_size: int | None = HASH_SIZE,
) -> Checkpoint:
    """Verify a signed checkpoint: the log key's signature must verify, the text must parse and
    its origin equal `origin` (when given). Signatures by `others` must verify if present
    (a failing one rejects the note); unknown signatures are ignored."""
    try:
        opened = note.open_note(signed, [log_verifier, *others])
    except note.NoteError as exc:
        raise CheckpointError(f"the checkpoint's signatures: {exc}") from exc
    if not any(
        s.name == log_verifier.name and s.key_id == log_verifier.key_id for s in opened.verified
    ):
        raise CheckpointError(f"the checkpoint is not signed by the log key {log_verifier.name}")
    cp = parse(opened.text, hash_size=hash_size)
    if origin is not None and cp.origin != origin:
        raise CheckpointError(f"the checkpoint is from {cp.origin!r}, not from {origin!r}")
    return cp
