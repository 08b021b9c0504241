"""Glue between domain validation errors and WTForms."""

from __future__ import annotations

from core.errors import ValidationFailed


def attach_errors(form, exc: ValidationFailed) -> None:
    """Show each domain error next to its field (or at the top when the form lacks that field)."""
    for field, messages in exc.errors.items():
        target = getattr(form, field, None)
        if target is not None and hasattr(target, "errors"):
            target.errors = [*list(target.errors or []), *messages]
        else:
            form.form_errors.extend(messages)
