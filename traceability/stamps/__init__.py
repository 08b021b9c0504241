"""Stamp orders, stamps, scans, counterfeit reports and the GS1 Digital Link resolver."""
