"""The Department's annual report (due before 15 December): XLSX and print-ready PDF."""
