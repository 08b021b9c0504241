"""The coverage dashboard: tiles, the ward table, charts over time, drill-down, exports."""
