"""EPCIS 2.0 REST binding: problems."""

from api.epcis import bp  # noqa: F401
