"""A string-valued SQL enum type shared by the models."""

from __future__ import annotations

import enum

from sqlalchemy import Enum


def str_enum(cls: type[enum.StrEnum], name: str) -> Enum:
    """Store a StrEnum by value as a VARCHAR with a CHECK constraint (portable across databases)."""
    return Enum(
        cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        validate_strings=True,
        length=max(len(m.value) for m in cls),
        values_callable=lambda e: [m.value for m in e],
    )
