"""EPCIS 2.0 REST binding: query."""

from api.epcis import bp  # noqa: F401
