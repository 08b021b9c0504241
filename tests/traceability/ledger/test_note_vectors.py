"""C2SP signed notes against every vector of shared/conformance/tlog/signed_note_vectors.json."""

from __future__ import annotations

import base64
import json

import pytest

from tests.conftest import shared_path
from traceability.ledger import note
from traceability.ledger.note import NoteError, Signature, Signer, Verifier


def _vectors() -> dict:
    return json.loads(shared_path("conformance", "tlog", "signed_note_vectors.json").read_text())


VECTORS = _vectors()


def _ids(cases, key="desc"):
    return [f"{n}-{case[key]}" for n, case in enumerate(cases)]


def _sig(item: dict) -> Signature:
    key_id = int(item["key_id"], 16) if item["key_id"] else None
    return Signature(item["name"], key_id, base64.b64decode(item["sig_b64"]))


def _as_dicts(sigs: list[Signature]) -> list[dict]:
    return [{"name": s.name, "key_id": f"{s.key_id:08x}", "sig_b64": s.b64} for s in sigs]


@pytest.mark.parametrize("case", VECTORS["keys"], ids=_ids(VECTORS["keys"], "name"))
def test_key(case):
    verifier = Verifier.from_vkey(case["vkey"])
    assert verifier.name == case["name"]
    assert verifier.key_id == int(case["key_id"], 16)
    assert verifier.public_key.hex() == case["public_key_hex"]
    assert verifier.vkey == case["vkey"]
    assert note.key_id(case["name"], bytes.fromhex(case["public_key_hex"])) == verifier.key_id
    if case["skey"]:
        signer = Signer.from_skey(case["skey"])
        assert signer.skey == case["skey"]
        assert (signer.name, signer.key_id) == (verifier.name, verifier.key_id)
        assert signer.verifier().vkey == case["vkey"]


@pytest.mark.parametrize("case", VECTORS["vkey_parse"], ids=_ids(VECTORS["vkey_parse"]))
def test_vkey_parse(case):
    if "needs_alg" in case:
        # ECDSA (type 0x02) is not supported, so every one of these is rejected, valid or not;
        # a well-formed one is rejected for its type.
        with pytest.raises(NoteError) as caught:
            Verifier.from_vkey(case["vkey"])
        assert caught.value.kind == "malformed"
        if case["valid"]:
            assert "unsupported key type 0x02" in str(caught.value)
    elif case["valid"]:
        assert Verifier.from_vkey(case["vkey"]).vkey == case["vkey"]
    else:
        with pytest.raises(NoteError):
            Verifier.from_vkey(case["vkey"])


def _mangled(key: str) -> set[str]:
    """x/mod's rule: every proper substring and every copy with one byte incremented."""
    variants = {key[i:j] for i in range(len(key)) for j in range(i + 1, len(key) + 1)}
    variants |= {key[:i] + chr(ord(key[i]) + 1) + key[i + 1 :] for i in range(len(key))}
    variants.discard(key)
    return variants


def _rejected(parse, text: str) -> bool:
    try:
        parse(text)
    except NoteError:
        return True
    return False


def test_every_mangled_vkey_is_rejected():
    rule = VECTORS["key_mangling_rule"]
    variants = _mangled(rule["vkey"])
    assert len(variants) == 2254
    Verifier.from_vkey(rule["vkey"])  # the key itself parses
    accepted = [v for v in variants if not _rejected(Verifier.from_vkey, v)]
    assert accepted == []


def test_every_mangled_skey_is_rejected():
    rule = VECTORS["key_mangling_rule"]
    variants = _mangled(rule["skey"])
    assert len(variants) == 3125
    Signer.from_skey(rule["skey"])
    accepted = [v for v in variants if not _rejected(Signer.from_skey, v)]
    assert accepted == []


@pytest.mark.parametrize("case", VECTORS["sign"], ids=_ids(VECTORS["sign"]))
def test_sign(case):
    signers = [Signer.from_skey(s) for s in case["signer_skeys"]]
    existing = [_sig(item) for item in case["existing_sigs"]]
    text = case["text"].encode()
    if case["want_ok"]:
        assert note.sign(text, signers, existing).decode() == case["want_note"]
    else:
        with pytest.raises(NoteError) as caught:
            note.sign(text, signers, existing)
        assert caught.value.kind == "malformed"


def test_sign_keeps_the_signatures_of_an_existing_note():
    case = VECTORS["sign"][-1]  # PeterNeumann's note, EnochRoot adds a signature
    peter = next(k for k in VECTORS["keys"] if k["name"] == "PeterNeumann")
    first = note.sign(case["text"].encode(), [Signer.from_skey(peter["skey"])])
    enoch = Signer.from_skey(case["signer_skeys"][0])
    assert note.sign(case["text"].encode(), [enoch], first).decode() == case["want_note"]
    with pytest.raises(NoteError):
        note.sign(b"another text\n", [enoch], first)


@pytest.mark.parametrize("case", VECTORS["open"], ids=_ids(VECTORS["open"]))
def test_open(case):
    msg = base64.b64decode(case["note_b64"])
    if case["note"] is not None:
        assert msg == case["note"].encode()
    verifiers = [Verifier.from_vkey(v) for v in case["verifier_vkeys"]]
    if case["want_ok"]:
        opened = note.open_note(msg, verifiers)
        assert opened.text.decode() == case["want_text"]
        assert _as_dicts(opened.verified) == case["want_verified"]
        assert _as_dicts(opened.unverified) == case["want_unverified"]
    else:
        with pytest.raises(NoteError) as caught:
            note.open_note(msg, verifiers)
        assert caught.value.kind == case["want_error_kind"]
        if case["want_error_kind"] != "malformed":  # ours says which rule a malformed one breaks
            assert str(caught.value) == case["want_error"]
        if "want_unverified" in case:
            assert _as_dicts(caught.value.note.unverified) == case["want_unverified"]


def test_at_least_sixteen_signatures_are_accepted():
    peter = next(k for k in VECTORS["keys"] if k["name"] == "PeterNeumann")
    signer = Signer.from_skey(peter["skey"])
    others = [Signer(f"witness{n}", bytes([n]) * 32) for n in range(1, 99)]
    msg = note.sign(b"many witnesses\n", [signer, *others])
    assert len(note.open_note(msg, [signer.verifier()]).unverified) == 98  # 99 lines: fine
    msg = note.sign(b"many witnesses\n", [signer, *others, Signer("w99", bytes([99]) * 32)])
    assert note.open_note(msg, [signer.verifier()]).verified  # 100 lines: still fine
    msg = note.sign(
        b"many witnesses\n",
        [signer, *others, *(Signer(f"x{n}", bytes([n]) * 32) for n in (100, 101))],
    )
    with pytest.raises(NoteError) as caught:  # 101 lines
        note.open_note(msg, [signer.verifier()])
    assert caught.value.kind == "malformed"


@pytest.mark.parametrize("name", ["", "a+b", "a b", "tab\tname", "new\nline"])
def test_bad_key_names_are_refused(name):
    with pytest.raises(NoteError):
        note.generate_key(name)
    with pytest.raises(NoteError):
        Signer(name, bytes(32))


def test_generated_key_signs_and_verifies():
    skey, vkey = note.generate_key("truyxuat.dongnai.gov.vn/log")
    signer, verifier = Signer.from_skey(skey), Verifier.from_vkey(vkey)
    msg = note.sign(b"hello\n", [signer])
    assert note.open_note(msg, [verifier]).text == b"hello\n"
    _other_skey, other_vkey = note.generate_key("truyxuat.dongnai.gov.vn/log")
    with pytest.raises(NoteError) as caught:
        note.open_note(msg, [Verifier.from_vkey(other_vkey)])
    assert caught.value.kind == "no_verifiable_signature"


@pytest.mark.parametrize(
    "case", VECTORS["ecdsa_open"]["cases"], ids=_ids(VECTORS["ecdsa_open"]["cases"])
)
def test_ecdsa_notes_are_not_supported_and_rejected(case):
    # Type 0x02 keys are refused, so no ECDSA note can be opened: not supported, rejected.
    with pytest.raises(NoteError):
        Verifier.from_vkey(case["vkey"])
    with pytest.raises(NoteError) as caught:
        note.open_note(base64.b64decode(case["note_b64"]), [])
    assert caught.value.kind == "no_verifiable_signature"


@pytest.mark.parametrize(
    "case", VECTORS["unverifiable_examples"], ids=_ids(VECTORS["unverifiable_examples"])
)
def test_unverifiable_example(case):
    msg = base64.b64decode(case["note_b64"])
    text, sigs = note.signatures(msg)
    assert text.decode() == case["want_text"]  # the inner blank line stays in the text
    assert [(s.name, f"{s.key_id:08x}") for s in sigs] == [(case["key_name"], case["key_id"])]
    with pytest.raises(NoteError) as caught:
        note.open_note(msg, [])
    assert caught.value.kind == "no_verifiable_signature"


def test_cosignature_lines_are_unverified_not_fatal():
    # c2sp.org/tlog-cosignature types 0x04 and 0x06: such keys are refused, and a cosignature
    # line on a note is kept as unverified.
    peter = next(k for k in VECTORS["keys"] if k["name"] == "PeterNeumann")
    for alg in (0x04, 0x06):
        vkey = f"witness+01020304+{base64.b64encode(bytes([alg]) + bytes(32)).decode()}"
        with pytest.raises(NoteError):
            Verifier.from_vkey(vkey)
    signer = Signer.from_skey(peter["skey"])
    cosig = Signature("witness.example", 0x01020304, bytes.fromhex("01020304") + bytes(72))
    msg = note.sign(b"checkpoint\n", [signer], [cosig])
    opened = note.open_note(msg, [signer.verifier()])
    assert [s.name for s in opened.verified] == ["PeterNeumann"]
    assert opened.unverified == [cosig]
