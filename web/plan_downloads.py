"""A plan's periodic report as a download (the dashboard's buttons and the API share it)."""

from __future__ import annotations

import re

from flask import Response

from engine import plan_report
from engine.plan_report import PlanReport

TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}
UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def report_response(made: PlanReport, fmt: str) -> Response:
    data = plan_report.workbook(made) if fmt == "xlsx" else plan_report.csv_text(made).encode("utf-8")
    name = UNSAFE.sub("-", f"{made.plan_id}-{made.area.code}-{made.period or 'all'}")
    response = Response(data, mimetype=TYPES[fmt])
    response.headers["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    response.headers["Cache-Control"] = "no-store"
    return response
