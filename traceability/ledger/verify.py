"""The standalone verifier of the origin log: no database, no Flask, no trust in our server.

    python -m traceability.ledger.verify checkpoint --key KEY CHECKPOINT_FILE
    python -m traceability.ledger.verify inclusion --key KEY [--checkpoint FILE] --proof FILE
    python -m traceability.ledger.verify consistency --key KEY --old FILE --new FILE --proof FILE
    python -m traceability.ledger.verify bundle --key KEY BUNDLE_FILE

KEY is the log's published public key (`name+id+base64`), or a file of such keys, one a line:
any of them may have signed, and the signing key's name must equal the checkpoint's origin.
`--origin` also requires the origin. The output is one line per check, then `OK: …` (exit 0) or
`FAILED: <reason>` (exit 1); unreadable input exits 2. It imports only `merkle`, `note`,
`checkpoint`, `rfc8785` and the pure EPCIS event hash (`traceability.events.hashing`).
"""

from __future__ import annotations

import argparse
import base64
import binascii
import hashlib
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import rfc8785

from traceability.events import hashing
from traceability.ledger import merkle, note
from traceability.ledger.checkpoint import Checkpoint, CheckpointError, parse

BUNDLE_FORMAT = "dongnai-trace-log-bundle/1"


class Unreadable(Exception):
    """Input that cannot be read at all (exit 2), as opposed to input that does not verify."""


class Failed(Exception):
    """A check that did not pass (exit 1)."""


Say = Callable[[str], None]


# --- reading input ------------------------------------------------------------------------------


def _read(path: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise Unreadable(f"cannot read {path}: {exc.strerror or exc}") from exc


def _json(path: str) -> dict[str, Any]:
    try:
        value = json.loads(_read(path).decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise Unreadable(f"{path} is not JSON: {exc}") from exc
    if not isinstance(value, dict):
        raise Unreadable(f"{path} is not a JSON object")
    return value


def _field(body: dict, name: str, kind: type | tuple[type, ...], where: str) -> Any:
    value = body.get(name)
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise Unreadable(f"{where}: field {name!r} is missing or not a {_kind_name(kind)}")
    return value


def _kind_name(kind) -> str:
    names = {int: "number", str: "string", list: "list", dict: "object"}
    if isinstance(kind, tuple):
        return " or ".join(names.get(k, k.__name__) for k in kind)
    return names.get(kind, kind.__name__)


def _hashes(values: list, where: str) -> list[bytes]:
    out = []
    for value in values:
        if not isinstance(value, str):
            raise Unreadable(f"{where}: a proof hash is not a string")
        try:
            out.append(base64.b64decode(value, validate=True))
        except binascii.Error as exc:
            raise Unreadable(f"{where}: a proof hash is not base64") from exc
    return out


def load_keys(key: str) -> list[note.Verifier]:
    """The verifier keys of KEY: a vkey string, or a file of vkeys (blank lines and # comments)."""
    path = Path(key)
    lines = [key]
    if "+" not in key or path.is_file():
        if not path.is_file():
            raise Unreadable(f"the key {key!r} is neither a public key nor a readable file")
        lines = _read(key).decode("utf-8", "replace").splitlines()
    verifiers = []
    for line in lines:
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        try:
            verifiers.append(note.Verifier.from_vkey(line))
        except note.NoteError as exc:
            raise Unreadable(f"not a public key ({exc}): {line}") from exc
    if not verifiers:
        raise Unreadable(f"no public key in {key}")
    return verifiers


# --- checks -------------------------------------------------------------------------------------


def check_checkpoint(
    signed: bytes, keys: Sequence[note.Verifier], origin: str | None, say: Say, label: str = ""
) -> Checkpoint:
    """The checkpoint, if a key named as its origin signed it; its lines said with `label`."""
    try:
        opened = note.open_note(signed, keys)
    except note.NoteError as exc:
        if exc.kind == "no_verifiable_signature":
            raise Failed(f"{label}checkpoint is not signed by the given key") from exc
        raise Failed(f"{label}checkpoint signature: {exc}") from exc
    try:
        cp = parse(opened.text)
    except CheckpointError as exc:
        raise Failed(f"{label}checkpoint text: {exc}") from exc
    by_log = [s for s in opened.verified if s.name == cp.origin]
    if not by_log:
        names = ", ".join(s.name for s in opened.verified)
        raise Failed(f"{label}checkpoint of {cp.origin} is signed only by {names}, not by the log")
    if origin is not None and cp.origin != origin:
        raise Failed(f"{label}checkpoint is from {cp.origin}, not from {origin}")
    say(f"{label}checkpoint: origin {cp.origin}, tree size {cp.size}, root {cp.root_b64}")
    say(f"{label}signature: verified, key {by_log[0].name}+{by_log[0].key_id:08x}")
    return cp


def check_leaf(
    record: str, index: int, path: list[bytes], cp: Checkpoint, say: Say, label: str
) -> bytes:
    """The leaf hash of `record`, if `path` proves it at `index` in the checkpoint's tree."""
    leaf = merkle.leaf_hash(record.encode("utf-8"))
    try:
        merkle.verify_inclusion(index, cp.size, leaf, path, cp.root_hash)
    except merkle.ProofError as exc:
        raise Failed(f"{label}is not in the log at leaf {index}: {exc}") from exc
    say(f"{label}in the log: leaf {index} of {cp.size}, leaf hash {leaf.hex()}")
    return leaf


def content_hash(value: Any) -> str:
    """SHA-256 of the RFC 8785 canonical JSON, as `records.content_hash` writes it."""
    return "sha256:" + hashlib.sha256(rfc8785.dumps(value)).hexdigest()


def check_content(entry: dict, record: dict, say: Say, label: str) -> None:
    """The entry's event or content hashes to the record's `content_hash`."""
    want = record.get("content_hash")
    event, content = entry.get("event"), entry.get("content")
    if event is not None:
        context = entry.get("context")
        if not isinstance(event, dict) or not isinstance(context, (list, dict, str, type(None))):
            raise Unreadable(f"{label}: the event is not a JSON object")
        try:
            got = hashing.event_hash(event, context or None)
        except (ValueError, TypeError, KeyError) as exc:
            raise Failed(f"{label}the event cannot be hashed: {exc}") from exc
        if got != want:
            raise Failed(f"{label}event hashes to {got}, the log recorded {want}")
        say(f"{label}event: its EPCIS event hash matches the record")
    elif content is not None:
        got = content_hash(content)
        if got != want:
            raise Failed(f"{label}content hashes to {got}, the log recorded {want}")
        say(f"{label}content: its hash matches the record")
    else:
        say(f"{label}content: not included, only the record is checked")


# --- subcommands --------------------------------------------------------------------------------


def cmd_checkpoint(args, say: Say) -> str:
    cp = check_checkpoint(_read(args.checkpoint), load_keys(args.key), args.origin, say)
    return f"checkpoint of {cp.origin} at tree size {cp.size} is signed by the log"


def cmd_inclusion(args, say: Say) -> str:
    keys = load_keys(args.key)
    proof = _json(args.proof)
    where = args.proof
    index = _field(proof, "leaf_index", int, where)
    size = _field(proof, "tree_size", int, where)
    record = _field(proof, "record", str, where)
    path = _hashes(_field(proof, "inclusion_path", list, where), where)
    if args.checkpoint:
        signed = _read(args.checkpoint)
    else:
        signed = _field(proof, "checkpoint", str, where).encode("utf-8")
    cp = check_checkpoint(signed, keys, args.origin, say)
    if size != cp.size:
        raise Failed(f"the proof is for tree size {size}, the checkpoint for {cp.size}")
    leaf = check_leaf(record, index, path, cp, say, "record: ")
    given = proof.get("leaf_hash")
    if given is not None and given != leaf.hex():
        raise Failed(f"the record hashes to {leaf.hex()}, not to the leaf hash {given}")
    return f"the record is leaf {index} of the log of {cp.origin} at tree size {cp.size}"


def cmd_consistency(args, say: Say) -> str:
    keys = load_keys(args.key)
    proof = _json(args.proof)
    where = args.proof
    size1 = _field(proof, "tree_size_1", int, where)
    size2 = _field(proof, "tree_size_2", int, where)
    path = _hashes(_field(proof, "consistency_path", list, where), where)
    old = check_checkpoint(_read(args.old), keys, args.origin, say, "old ")
    new = check_checkpoint(_read(args.new), keys, args.origin or old.origin, say, "new ")
    if (size1, size2) != (old.size, new.size):
        raise Failed(
            f"the proof is from size {size1} to {size2}, the checkpoints are {old.size} and "
            f"{new.size}"
        )
    try:
        merkle.verify_consistency(old.size, new.size, old.root_hash, new.root_hash, path)
    except merkle.ProofError as exc:
        raise Failed(f"the new checkpoint does not extend the old one: {exc}") from exc
    say(f"consistency: tree size {new.size} extends tree size {old.size}")
    return f"the log of {new.origin} at tree size {new.size} extends tree size {old.size}"


def cmd_bundle(args, say: Say) -> str:
    keys = load_keys(args.key)
    body = _json(args.bundle)
    where = args.bundle
    if body.get("format") != BUNDLE_FORMAT:
        raise Unreadable(f"{where} is not a {BUNDLE_FORMAT} bundle")
    if body.get("checkpoint") is None:
        raise Failed("the bundle has no checkpoint: the log has not signed one yet, try later")
    signed = _field(body, "checkpoint", str, where).encode("utf-8")
    cp = check_checkpoint(signed, keys, args.origin, say)
    if body.get("origin") is not None and body["origin"] != cp.origin:
        raise Failed(f"the bundle says origin {body['origin']}, its checkpoint {cp.origin}")
    if isinstance(body.get("subject"), dict) and body["subject"]:
        say("subject: " + json.dumps(body["subject"], ensure_ascii=False, sort_keys=True))
    entries = _field(body, "entries", list, where)
    seen: set[int] = set()
    for n, entry in enumerate(entries, 1):
        label = f"entry {n}: "
        if not isinstance(entry, dict):
            raise Unreadable(f"{where}: entry {n} is not an object")
        record_text = _field(entry, "record", str, f"{where} entry {n}")
        index = _field(entry, "leaf_index", int, f"{where} entry {n}")
        path = _hashes(_field(entry, "inclusion_path", list, f"{where} entry {n}"), where)
        if index in seen:
            raise Failed(f"{label}leaf {index} appears twice in the bundle")
        seen.add(index)
        check_leaf(record_text, index, path, cp, say, label)
        try:
            record = json.loads(record_text)
        except json.JSONDecodeError as exc:
            raise Failed(f"{label}the record is not JSON") from exc
        if not isinstance(record, dict):
            raise Failed(f"{label}the record is not a JSON object")
        check_content(entry, record, say, label)
    return f"{len(entries)} records are in the log of {cp.origin} at tree size {cp.size}"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m traceability.ledger.verify",
        description="Verify checkpoints and proofs of the Dong Nai origin log, offline.",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    def command(name: str, help_text: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text)
        p.add_argument("--key", required=True, help="the log's public key, or a file of keys")
        p.add_argument("--origin", help="require this checkpoint origin")
        return p

    p = command("checkpoint", "check a signed checkpoint")
    p.add_argument("checkpoint", metavar="CHECKPOINT_FILE")
    p.set_defaults(run=cmd_checkpoint)
    p = command("inclusion", "check that a record is in the log")
    p.add_argument("--checkpoint", help="signed checkpoint (default: the one in the proof)")
    p.add_argument("--proof", required=True, help="inclusion proof JSON")
    p.set_defaults(run=cmd_inclusion)
    p = command("consistency", "check that a newer checkpoint extends an older one")
    p.add_argument("--old", required=True, help="the older signed checkpoint")
    p.add_argument("--new", required=True, help="the newer signed checkpoint")
    p.add_argument("--proof", required=True, help="consistency proof JSON")
    p.set_defaults(run=cmd_consistency)
    p = command("bundle", "check a product's or batch's records and their content")
    p.add_argument("bundle", metavar="BUNDLE_FILE")
    p.set_defaults(run=cmd_bundle)
    return parser


def main(argv: Sequence[str] | None = None, out=None) -> int:
    out = out or sys.stdout
    args = _parser().parse_args(argv)

    def say(line: str) -> None:
        print(line, file=out)

    try:
        summary = args.run(args, say)
    except Unreadable as exc:
        print(f"ERROR: {exc}", file=sys.stderr)
        return 2
    except Failed as exc:
        say(f"FAILED: {exc}")
        return 1
    say(f"OK: {summary}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
