"""Adapters to other systems (helper D2 fills this)."""
