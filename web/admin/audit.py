"""The audit page: events filtered by actor, dossier, action and date range; CSV and Excel export;
the hash chain's verification status."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from flask import Response, render_template, request, stream_with_context, url_for
from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from web.admin import bp
from web.admin.access import requires
from web.runtime import runtime

PER_PAGE = 50
COLUMNS = (
    "seq",
    "at",
    "actor",
    "action",
    "dossier_id",
    "from_state",
    "to_state",
    "comment",
    "definition_hash",
    "payload_digest",
    "prev_hash",
    "hash",
)
# A spreadsheet runs a cell that starts with one of these as a formula.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class AuditFilters:
    actor: str = ""
    dossier: str = ""
    action: str = ""
    since: dt.date | None = None
    until: dt.date | None = None

    @classmethod
    def from_args(cls, args: Any) -> tuple[AuditFilters, dict[str, str]]:
        problems: dict[str, str] = {}
        dates: dict[str, dt.date | None] = {}
        for name in ("since", "until"):
            raw = (args.get(name) or "").strip()
            dates[name] = None
            if raw:
                try:
                    dates[name] = dt.date.fromisoformat(raw)
                except ValueError:
                    problems[name] = _("Ngày phải có dạng YYYY-MM-DD.")
        dossier = (args.get("dossier") or "").strip()[:40]
        if dossier and not dossier.isdigit():
            problems["dossier"] = _("Mã hồ sơ là một số.")
        since, until = dates["since"], dates["until"]
        if since and until and since > until:
            problems["until"] = _("Ngày kết thúc phải sau ngày bắt đầu.")
        filters = cls(
            actor=(args.get("actor") or "").strip()[:80],
            dossier=dossier if "dossier" not in problems else "",
            action=(args.get("action") or "").strip()[:80],
            since=since,
            until=until,
        )
        return filters, problems

    def matches(self, event: Any) -> bool:
        if self.actor and event.actor != self.actor:
            return False
        if self.dossier and str(event.dossier_id or "") != self.dossier:
            return False
        if self.action and event.action != self.action:
            return False
        day = str(event.at)[:10]
        if self.since and day < self.since.isoformat():
            return False
        return not (self.until and day > self.until.isoformat())

    def query(self) -> dict[str, Any]:
        """The filters as URL parameters, for the pager and the export links."""
        values = {
            "actor": self.actor,
            "dossier": self.dossier,
            "action": self.action,
            "since": self.since.isoformat() if self.since else "",
            "until": self.until.isoformat() if self.until else "",
        }
        return {k: v for k, v in values.items() if v}


def events(filters: AuditFilters) -> Iterator[Any]:
    """Matching events, oldest first, streamed from the append-only store."""
    with runtime().database.transaction(write=False) as repo:
        for event in repo.iter_events():
            if filters.matches(event):
                yield event


@bp.get("/audit")
@requires("audit")
def audit() -> str:
    filters, problems = AuditFilters.from_args(request.args)
    try:
        page = max(1, min(int(request.args.get("page", "1")), 1_000_000))
    except ValueError:
        page = 1
    # Stream the log once; keep only the newest page*PER_PAGE matches (memory stays flat).
    window: deque[Any] = deque(maxlen=page * PER_PAGE)
    actions: set[str] = set()
    total = 0
    for event in events(filters):
        window.append(event)
        actions.add(event.action)
        total += 1
    pages = max(1, -(-total // PER_PAGE))
    newest_first = list(reversed(window))
    shown = newest_first[(page - 1) * PER_PAGE : page * PER_PAGE]
    return render_template(
        "admin/audit.html",
        events=shown,
        filters=filters,
        problems=problems,
        values=request.args,
        page=page,
        pages=pages,
        total=total,
        actions=sorted(actions),
        verification=runtime().service.verify_audit(),
        page_url=lambda p: url_for("admin.audit", page=p, **filters.query()),
        export_url=lambda fmt: url_for("admin.audit_export", fmt=fmt, **filters.query()),
    )


def _cell(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def _rows(filters: AuditFilters) -> Iterator[list[Any]]:
    for event in events(filters):
        yield [_cell(getattr(event, name)) for name in COLUMNS]


def _filename(filters: AuditFilters, ext: str) -> str:
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M%S")
    return f"audit-{stamp}.{ext}"


@bp.get("/audit/export.<fmt>")
@requires("audit")
def audit_export(fmt: str) -> Response:
    filters, problems = AuditFilters.from_args(request.args)
    if problems:
        return Response(
            "\n".join(f"{k}: {v}" for k, v in problems.items()), status=400, mimetype="text/plain"
        )
    if fmt == "csv":
        return _csv(filters)
    if fmt == "xlsx":
        return _xlsx(filters)
    return Response(_("Định dạng không hỗ trợ: chọn csv hoặc xlsx."), status=404, mimetype="text/plain")


def _csv(filters: AuditFilters) -> Response:
    def generate() -> Iterator[str]:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        buffer.write("\ufeff")  # Excel reads UTF-8 (Vietnamese) only with the byte-order mark
        writer.writerow(COLUMNS)
        for row in _rows(filters):
            writer.writerow(row)
            if buffer.tell() > 64_000:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
        yield buffer.getvalue()

    response = Response(stream_with_context(generate()), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{_filename(filters, "csv")}"'
    return response


def _xlsx(filters: AuditFilters) -> Response:
    book = Workbook(write_only=True)
    sheet = book.create_sheet("audit")
    sheet.append(list(COLUMNS))
    for row in _rows(filters):
        cells = []
        for value in row:
            cell = WriteOnlyCell(sheet, value=value)
            if isinstance(value, str):
                cell.data_type = "s"  # never a formula, whatever the text
            cells.append(cell)
        sheet.append(cells)
    data = io.BytesIO()
    book.save(data)
    response = Response(
        data.getvalue(), mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response.headers["Content-Disposition"] = f'attachment; filename="{_filename(filters, "xlsx")}"'
    return response
