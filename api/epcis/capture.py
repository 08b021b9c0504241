"""EPCIS 2.0 REST binding: capture."""

from api.epcis import bp  # noqa: F401
