"""C2SP signed notes (c2sp.org/signed-note) with Ed25519 keys. Pure: stdlib and `cryptography`.

A note is its text (UTF-8, ending in a newline), a blank line, then signature lines
`— <key name> base64(key id ‖ signature)\\n`. The Ed25519 key id is the first four bytes of
SHA-256(name ‖ "\\n" ‖ 0x01 ‖ public key). Keys are written as golang.org/x/mod/sumdb/note does:
verifier keys `name+hexid+base64(0x01 ‖ public key)`, signer keys
`PRIVATE+KEY+name+hexid+base64(0x01 ‖ seed)`. Only Ed25519 (type 0x01) is supported; ECDSA
(0x02) and cosignature (0x04, 0x06) keys are refused as unsupported, and signatures by them are
"unverified", like any signature by an unknown key.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

ALG_ED25519 = 0x01
MAX_SIGNATURES = 100  # x/mod's limit; signed-note.md: a verifier MUST accept at least 16
SIG_PREFIX = "— "  # U+2014 EM DASH, space

_HEX_ID = re.compile(r"[0-9a-f]{8}")
_B64 = re.compile(r"(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?")
_KINDS = {"malformed", "no_verifiable_signature", "invalid_signature", "ambiguous_key"}


class NoteError(ValueError):
    """A note or key that cannot be used; `.kind` says why, `.note` holds what was parsed."""

    def __init__(self, kind: str, message: str, note: Note | None = None):
        assert kind in _KINDS, kind
        super().__init__(message)
        self.kind = kind
        self.note = note


def _malformed(message: str) -> NoteError:
    return NoteError("malformed", message)


def valid_name(name: str) -> bool:
    """A key name: non-empty, no whitespace, no '+' (signed-note.md, "Verifier keys")."""
    return bool(name) and "+" not in name and not any(ch.isspace() for ch in name)


def key_id(name: str, public_key: bytes) -> int:
    """The key id of an Ed25519 key: SHA-256(name ‖ 0x0A ‖ 0x01 ‖ public key)[:4], big-endian."""
    digest = hashlib.sha256(name.encode() + b"\n" + bytes([ALG_ED25519]) + public_key).digest()
    return int.from_bytes(digest[:4], "big")


def _b64decode(text: str) -> bytes:
    if not _B64.fullmatch(text):
        raise _malformed("not standard base64")
    try:
        return base64.b64decode(text, validate=True)
    except binascii.Error as exc:
        raise _malformed("not standard base64") from exc


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _key_parts(text: str, count: int) -> list[str]:
    """Split a key string into `count` '+'-separated fields; the last keeps any '+' (base64)."""
    parts = text.split("+", count - 1)
    if len(parts) != count:
        raise _malformed("a key has fewer fields than name+id+key")
    return parts


def _key_material(name: str, hex_id: str, key64: str, what: str) -> tuple[int, bytes]:
    if not valid_name(name):
        raise _malformed(f"invalid key name {name!r} (empty, a space or a '+')")
    if not _HEX_ID.fullmatch(hex_id):
        raise _malformed(f"the {what} id is not 8 lowercase hex digits")
    key = _b64decode(key64)
    if not key:
        raise _malformed(f"the {what} is empty")
    if key[0] != ALG_ED25519:
        raise _malformed(
            f"unsupported key type 0x{key[0]:02x}: only Ed25519 (0x01) keys are supported"
        )
    if len(key) != 33:
        raise _malformed(f"an Ed25519 {what} is 32 bytes, not {len(key) - 1}")
    return int(hex_id, 16), key[1:]


class Verifier:
    """An Ed25519 verifier key."""

    def __init__(self, name: str, public_key: bytes):
        if not valid_name(name):
            raise _malformed(f"invalid key name {name!r} (empty, a space or a '+')")
        self.name = name
        self.public_key = bytes(public_key)
        self.key_id = key_id(name, self.public_key)
        try:
            self._key = Ed25519PublicKey.from_public_bytes(self.public_key)
        except ValueError as exc:
            raise _malformed("not an Ed25519 public key") from exc

    @property
    def vkey(self) -> str:
        return f"{self.name}+{self.key_id:08x}+{_b64(bytes([ALG_ED25519]) + self.public_key)}"

    @classmethod
    def from_vkey(cls, vkey: str) -> Verifier:
        name, hex_id, key64 = _key_parts(vkey, 3)
        wanted, public_key = _key_material(name, hex_id, key64, "public key")
        verifier = cls(name, public_key)
        if verifier.key_id != wanted:
            raise _malformed(f"the key id {hex_id} does not match the key")
        return verifier

    def verify(self, msg: bytes, sig: bytes) -> bool:
        try:
            self._key.verify(sig, msg)
        except InvalidSignature:
            return False
        return True

    def __repr__(self) -> str:
        return f"Verifier({self.vkey!r})"


class Signer:
    """An Ed25519 signer key (x/mod's `PRIVATE+KEY+…` encoding of the 32-byte seed)."""

    def __init__(self, name: str, seed: bytes):
        if not valid_name(name):
            raise _malformed(f"invalid key name {name!r} (empty, a space or a '+')")
        if len(seed) != 32:
            raise _malformed("an Ed25519 seed is 32 bytes")
        self.name = name
        self._seed = bytes(seed)
        self._key = Ed25519PrivateKey.from_private_bytes(self._seed)
        self.public_key = self._key.public_key().public_bytes_raw()
        self.key_id = key_id(name, self.public_key)

    @property
    def skey(self) -> str:
        seed64 = _b64(bytes([ALG_ED25519]) + self._seed)
        return f"PRIVATE+KEY+{self.name}+{self.key_id:08x}+{seed64}"

    @classmethod
    def from_skey(cls, skey: str) -> Signer:
        private, key, name, hex_id, key64 = _key_parts(skey, 5)
        if private != "PRIVATE" or key != "KEY":
            raise _malformed("a signer key starts with PRIVATE+KEY+")
        wanted, seed = _key_material(name, hex_id, key64, "private key")
        signer = cls(name, seed)
        if signer.key_id != wanted:
            raise _malformed(f"the key id {hex_id} does not match the key")
        return signer

    def sign(self, msg: bytes) -> bytes:
        return self._key.sign(msg)

    def verifier(self) -> Verifier:
        return Verifier(self.name, self.public_key)

    def __repr__(self) -> str:  # never show the seed
        return f"Signer({self.name}+{self.key_id:08x})"


def generate_key(name: str) -> tuple[str, str]:
    """A new Ed25519 key pair as (skey, vkey)."""
    signer = Signer(name, os.urandom(32))
    return signer.skey, signer.verifier().vkey


@dataclass(frozen=True)
class Signature:
    """One signature line: `raw` is the decoded base64, i.e. the 4-byte key id ‖ the signature."""

    name: str
    key_id: int | None
    raw: bytes

    @property
    def b64(self) -> str:
        return _b64(self.raw)

    @property
    def signature(self) -> bytes:
        return self.raw[4:]

    def line(self) -> str:
        return f"{SIG_PREFIX}{self.name} {self.b64}\n"


@dataclass
class Note:
    text: bytes
    verified: list[Signature] = field(default_factory=list)
    unverified: list[Signature] = field(default_factory=list)


def _check_text(text: bytes) -> str:
    """Valid UTF-8 with no control character but newline (x/mod's rule for the whole note)."""
    try:
        decoded = text.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _malformed("the note is not valid UTF-8") from exc
    if any(ord(ch) < 0x20 and ch != "\n" for ch in decoded):
        raise _malformed("the note contains a control character")
    return decoded


def _split(msg: bytes) -> tuple[bytes, list[Signature]]:
    """The text and the signature lines, unverified."""
    _check_text(msg)
    at = msg.rfind(b"\n\n")
    if at < 0:
        raise _malformed("no blank line before the signatures")
    text, block = msg[: at + 1], msg[at + 2 :]
    if not block or not block.endswith(b"\n"):
        raise _malformed("no signature lines, or the last one lacks its newline")
    lines = block[:-1].decode("utf-8").split("\n")
    if len(lines) > MAX_SIGNATURES:
        raise _malformed(f"more than {MAX_SIGNATURES} signatures")
    sigs = []
    for line in lines:
        if not line.startswith(SIG_PREFIX):
            raise _malformed("a line after the blank line is not a signature")
        name, _, b64 = line[len(SIG_PREFIX) :].partition(" ")
        if not valid_name(name) or not b64:
            raise _malformed("a signature line has an invalid key name or no signature")
        raw = _b64decode(b64)
        if len(raw) < 5:
            raise _malformed("a signature is too short")
        sigs.append(Signature(name, int.from_bytes(raw[:4], "big"), raw))
    return text, sigs


def _as_verifiers(verifiers: Iterable[Verifier | str]) -> dict[tuple[str, int], list[Verifier]]:
    known: dict[tuple[str, int], list[Verifier]] = {}
    for item in verifiers:
        verifier = Verifier.from_vkey(item) if isinstance(item, str) else item
        known.setdefault((verifier.name, verifier.key_id), []).append(verifier)
    return known


def open_note(msg: bytes, verifiers: Iterable[Verifier | str]) -> Note:
    """Parse a note and verify its signatures by the known keys.

    Signatures by unknown keys go to `unverified`; repeated identical ones are dropped. A known
    key whose signature fails rejects the whole note (signed-note.md: SHOULD), as does a note
    no known key signed, and a key configured twice that signed (x/mod: ambiguous).
    """
    known = _as_verifiers(verifiers)
    text, sigs = _split(msg)
    note = Note(text)
    seen: set[tuple[str, int]] = set()
    seen_unverified: set[tuple[str, bytes]] = set()
    for sig in sigs:
        assert sig.key_id is not None
        candidates = known.get((sig.name, sig.key_id))
        if not candidates:
            if (sig.name, sig.raw) not in seen_unverified:
                seen_unverified.add((sig.name, sig.raw))
                note.unverified.append(sig)
            continue
        if len(candidates) > 1:
            raise NoteError("ambiguous_key", f"ambiguous key {sig.name}+{sig.key_id:08x}")
        if (sig.name, sig.key_id) in seen:
            continue
        seen.add((sig.name, sig.key_id))
        if not candidates[0].verify(text, sig.signature):
            raise NoteError(
                "invalid_signature", f"invalid signature for key {sig.name}+{sig.key_id:08x}"
            )
        note.verified.append(sig)
    if not note.verified:
        raise NoteError("no_verifiable_signature", "no verifiable signatures", note)
    return note


def signatures(msg: bytes) -> tuple[bytes, list[Signature]]:
    """The text and signature lines of a note, without verifying any."""
    return _split(msg)


def sign(
    text: bytes,
    signers: Iterable[Signer],
    existing: bytes | Iterable[Signature] | None = None,
) -> bytes:
    """The whole note: `text` signed by `signers`, after the existing signatures.

    `existing` is a signed note of the same text, or its signatures; one by a key that signs now
    is replaced by the new signature.
    """
    _check_text(text)
    if not text.endswith(b"\n"):
        raise _malformed("the note text must end with a newline")
    if isinstance(existing, bytes):
        old_text, old = _split(existing)
        if old_text != text:
            raise _malformed("the existing note has another text")
    else:
        old = list(existing or ())
    signers = list(signers)
    signing = {(s.name, s.key_id) for s in signers}
    out = [text.decode("utf-8"), "\n"]
    for sig in old:
        if not valid_name(sig.name):
            raise _malformed(f"an existing signature has an invalid key name {sig.name!r}")
        if (sig.name, sig.key_id) in signing:
            continue
        if len(sig.raw) < 4 or int.from_bytes(sig.raw[:4], "big") != sig.key_id:
            raise _malformed("an existing signature's key id does not match its bytes")
        out.append(sig.line())
    for signer in signers:
        raw = signer.key_id.to_bytes(4, "big") + signer.sign(text)
        out.append(Signature(signer.name, signer.key_id, raw).line())
    return "".join(out).encode("utf-8")
