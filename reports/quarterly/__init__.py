"""The wards' quarterly reports: pre-filled figures, the officer's narrative, staff review."""
