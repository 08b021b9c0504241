"""API schemas of the annual report: which file to download."""

from __future__ import annotations

import enum

from marshmallow import Schema

from core.fields import Choice


class ReportFormat(enum.StrEnum):
    PDF = "pdf"
    XLSX = "xlsx"


class AnnualReportQuery(Schema):
    format = Choice(
        ReportFormat,
        load_default=ReportFormat.PDF,
        metadata={"description": "pdf (print-ready, the default) or xlsx (one sheet per table)"},
    )
