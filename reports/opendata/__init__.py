"""Open data: aggregated indicators by ward and period, CSV and JSON, a Frictionless package."""
