"""Indicators: definitions kept as data, measures computed from the records, snapshots, targets."""
