"""A stamp's identity: its random serial (GS1 AI 21) and the Digital Link URI that names it."""

from __future__ import annotations

import math
import os

from flask import current_app

from traceability.gs1.digital_link import uri_escape

# Letters and digits only (so a serial never needs percent-encoding in a URI), without the
# look-alikes 0/O, 1/I/l: a consumer may have to read it aloud to a hotline.
SERIAL_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
SERIAL_LENGTH = 11
SERIAL_BITS = SERIAL_LENGTH * math.log2(len(SERIAL_ALPHABET))  # about 64.2 bits
_SERIAL_SPACE = len(SERIAL_ALPHABET) ** SERIAL_LENGTH
# Rejection sampling on 72-bit draws keeps every serial equally likely.
_DRAW_BYTES = 9
_DRAW_LIMIT = (256**_DRAW_BYTES // _SERIAL_SPACE) * _SERIAL_SPACE


def _encode_serial(number: int) -> str:
    base = len(SERIAL_ALPHABET)
    chars = []
    for _ in range(SERIAL_LENGTH):
        number, digit = divmod(number, base)
        chars.append(SERIAL_ALPHABET[digit])
    return "".join(chars)


def new_serials(count: int) -> list[str]:
    """`count` distinct random serials from the operating system's CSPRNG."""
    serials: set[str] = set()
    while len(serials) < count:
        need = count - len(serials)
        pool = os.urandom(_DRAW_BYTES * (need + need // 50 + 8))
        for offset in range(0, len(pool), _DRAW_BYTES):
            number = int.from_bytes(pool[offset : offset + _DRAW_BYTES], "big")
            if number < _DRAW_LIMIT:
                serials.add(_encode_serial(number % _SERIAL_SPACE))
                if len(serials) == count:
                    break
    return list(serials)


def stamp_path(gtin: str, lot: str | None, serial: str | None) -> str:
    """The Digital Link path of a stamp (or of its batch or product when parts are None)."""
    path = f"/01/{gtin}"
    if lot is not None:
        path += f"/10/{uri_escape(lot, query=False)}"
    if serial is not None:
        path += f"/21/{uri_escape(serial, query=False)}"
    return path


def stamp_url(gtin: str, lot: str | None, serial: str | None) -> str:
    """The URI in a stamp's QR code: the stamp's path on this service's BASE_URL."""
    return current_app.config["BASE_URL"] + stamp_path(gtin, lot, serial)
