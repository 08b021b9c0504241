"""Password rules (OWASP ASVS L1, V2.1): long enough, not common, not the account's own words.

Common passwords and guessability come from zxcvbn (Dropbox's estimator: a list of 30 000 leaked
passwords, dictionaries, keyboard patterns, dates and sequences). Context words are the account's
email, its holder's name, the producer's name and its product names, compared without case,
diacritics, spaces or punctuation, so "Nguyễn Văn A" is found in "nguyenvana2026!".
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from flask import current_app
from flask_babel import lazy_gettext as _l

# zxcvbn cost grows with length; the first characters decide whether a password is guessable.
_SCORED_LENGTH = 64
# zxcvbn's score 3 is about 10^8 guesses: safe against online guessing, which is the L1 threat.
MIN_SCORE = 3
# Context words shorter than this ("An", "Hà") would refuse too many good passwords.
_MIN_CONTEXT_WORD = 4
# Runs of a name's words ("van binh") are refused from this length on; longer names are cut.
_MIN_CONTEXT_RUN = 6
_MAX_CONTEXT_TOKENS = 12
# Words any password of this site is likely to be built from.
SITE_WORDS = ("matkhau", "dongnai", "truyxuat", "nguongoc", "quantri", "admin", "password")


def compact(text: str) -> str:
    """Lower case, no diacritics (đ → d), only letters and digits: "Đồng Nai" → "dongnai"."""
    text = (text or "").replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return re.sub(r"[\W_]+", "", plain.lower())


def context_words(*texts: str | None) -> list[str]:
    """The words of an account a password must not contain, compacted: each text whole, an
    email's local part, and every run of two or more of a text's words ("HTX Sầu Riêng Long
    Khánh" gives "saurieng", "longkhanh", …). Too-short ones are dropped."""
    words: list[str] = []

    def add(word: str, minimum: int = _MIN_CONTEXT_WORD) -> None:
        if len(word) >= minimum and word not in words:
            words.append(word)

    for text in texts:
        if not text:
            continue
        candidates = [text]
        if "@" in text:
            candidates.append(text.split("@", 1)[0])
        for candidate in candidates:
            add(compact(candidate))
            tokens = [t for t in (compact(t) for t in re.split(r"[\s.,;:_+@-]+", candidate)) if t]
            tokens = tokens[:_MAX_CONTEXT_TOKENS]
            for start in range(len(tokens)):
                for end in range(start + 2, len(tokens) + 1):
                    add("".join(tokens[start:end]), _MIN_CONTEXT_RUN)
    return words


def context_tokens(*texts: str | None) -> list[str]:
    """Single words of the context, for zxcvbn's guess estimate (too common to refuse alone)."""
    return [
        t
        for text in texts
        if text
        for t in (compact(t) for t in re.split(r"[\s.,;:_+@-]+", text))
        if len(t) >= 3
    ]


def _zxcvbn(password: str, user_inputs: list[str]) -> dict:
    from zxcvbn import zxcvbn  # loads its word lists on first use, not at start-up

    return zxcvbn(password[:_SCORED_LENGTH], user_inputs=user_inputs)


def _is_common(password: str) -> bool:
    from zxcvbn.matching import RANKED_DICTIONARIES

    common = RANKED_DICTIONARIES["passwords"]
    return password.lower() in common or compact(password) in common


def problems(password: str, context: Iterable[str | None] = ()) -> list:
    """What is wrong with a new password (translated messages), empty when it is acceptable.

    `context` holds the account's own texts: email, holder's name, producer and product names.
    """
    minimum = current_app.config["PASSWORD_MIN_LENGTH"]
    if len(password) < minimum:
        return [_l("Use at least %(n)d characters.", n=minimum)]
    if password.isdigit() or (password.lower() == password and password.isalpha()):
        return [_l("Mix letters with digits or symbols.")]
    texts = list(context)
    words = context_words(*texts)
    flat = compact(password)
    if any(word in flat for word in words):
        return [
            _l(
                "Do not build the password from your email, your name or the name of your "
                "business or products."
            )
        ]
    if _is_common(password):
        return [_l("This is one of the most common passwords; choose another.")]
    if _zxcvbn(password, [*words, *context_tokens(*texts), *SITE_WORDS])["score"] < MIN_SCORE:
        return [
            _l(
                "This password is easy to guess. Try a few unrelated words with a digit or a "
                "symbol between them."
            )
        ]
    return []
