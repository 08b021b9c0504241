"""The annual report as files: one XLSX sheet per table, and the print-ready PDF."""

from __future__ import annotations

from flask import render_template

from reports.annual import content
from reports.annual.content import Report
from reports.pdf import html_to_pdf
from reports.tables import xlsx_bytes

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PDF = "application/pdf"
TYPES = {"xlsx": XLSX, "pdf": PDF}


def filename(year: int, extension: str) -> str:
    return f"annual-report-{year}.{extension}"


def xlsx(report: Report) -> bytes:
    return xlsx_bytes(report.tables)


def print_html(report: Report) -> str:
    return render_template(
        "reports/annual/print.html", report=report, show=content.show, cell_kind=content.cell_kind
    )


def pdf(report: Report) -> bytes:
    return html_to_pdf(print_html(report))


def render(report: Report, extension: str) -> bytes:
    return xlsx(report) if extension == "xlsx" else pdf(report)
