"""Retail shops: registration by field officers, duplicates, merging and imports."""
