"""The audit page: events filtered by actor, dossier, action and date range (in SQL, through the
service), newest first with keyset paging; CSV and Excel export of the same query, streamed; the
hash chain's status as this process has verified it, and a button for a full check."""

from __future__ import annotations

import csv
import datetime as dt
import io
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any

from flask import Response, flash, g, redirect, render_template, request, stream_with_context, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import ngettext
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from engine.errors import Conflict
from engine.storage.audit_query import AuditFilter
from web.admin import bp
from web.admin.access import requires
from web.admin.audit_view import TRANSITION_PREFIX, EventView, Labeller, local, offset, shown, zone
from web.i18n import current_language
from web.runtime import runtime

PER_PAGE = 50
MAX_SEQ = 2**62  # a cursor beyond any event number is not a page
# The export's columns: what a person reads first, then what the chain check needs.
COLUMNS = (
    "seq",
    "at",
    "actor",
    "what",
    "dossier_id",
    "from_state",
    "to_state",
    "comment",
    "action",
    "definition_hash",
    "payload_digest",
    "prev_hash",
    "hash",
)
WIDTHS = {"at": 20, "actor": 16, "what": 40, "from_state": 28, "to_state": 28, "comment": 30, "action": 24}
# A spreadsheet runs a cell that starts with one of these as a formula.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
FILTER_NAMES = ("actor", "dossier", "action", "since", "until")


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
        if dossier and not (dossier.isascii() and dossier.isdigit() and len(dossier) <= 18):
            problems["dossier"] = _("Mã hồ sơ là một số.")
        since, until = dates["since"], dates["until"]
        if since and until and since > until:
            problems["until"] = _("Ngày kết thúc phải sau ngày bắt đầu.")
        filters = cls(
            actor=(args.get("actor") or "").strip()[:80],
            dossier=dossier if "dossier" not in problems else "",
            action=(args.get("action") or "").strip()[:100],
            since=since,
            until=until if "until" not in problems else None,
        )
        return filters, problems

    def for_service(self) -> AuditFilter:
        transition = self.action.removeprefix(TRANSITION_PREFIX)
        is_step = self.action.startswith(TRANSITION_PREFIX) and bool(transition)
        return AuditFilter(
            actor=self.actor or None,
            dossier_id=int(self.dossier) if self.dossier else None,
            action=None if is_step else self.action or None,
            transition=transition if is_step else None,
            since=self.since,
            until=self.until,
        )

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


def _cursor(args: Any, problems: dict[str, str]) -> tuple[int | None, int | None]:
    """`before` (older than this event) or `after` (newer than it); a bad value shows the newest page."""
    found: dict[str, int | None] = {"before": None, "after": None}
    for name in found:
        raw = (args.get(name) or "").strip()
        if not raw:
            continue
        if raw.isascii() and raw.isdigit() and int(raw) <= MAX_SEQ:
            found[name] = int(raw)
        else:
            problems["page"] = _("Địa chỉ trang không hợp lệ; đang hiện trang mới nhất.")
            return None, None
    if found["before"] is not None and found["after"] is not None:
        problems["page"] = _("Địa chỉ trang không hợp lệ; đang hiện trang mới nhất.")
        return None, None
    return found["before"], found["after"]


@bp.get("/audit")
@requires("audit")
def audit() -> ResponseReturnValue:
    filters, problems = AuditFilters.from_args(request.args)
    before, after = _cursor(request.args, problems)
    service = runtime().service
    log = service.audit_log(g.actor, filters.for_service(), before=before, after=after, per_page=PER_PAGE)
    status = 200
    if not log.events and (before is not None or after is not None):
        # A page past either end is not a page (the pager never links to one): 404, form kept.
        problems["page"] = _("Không có trang này: không còn sự kiện nào theo hướng đó.")
        status = 404
    query = filters.query()
    events = log.events
    labeller = Labeller(runtime(), current_language())
    steps, others = labeller.choices(service.audit_actions(g.actor))
    return render_template(
        "admin/audit.html",
        log=log,
        events=events,
        views=[labeller.view(e, log.subjects.get(e.seq, {})) for e in events],
        zone_name=zone().key,
        zone_offset=offset(dt.datetime.now(zone())),
        local_time=lambda moment: shown(local(moment)),
        steps=steps,
        others=others,
        filters=filters,
        problems=problems,
        values={name: request.args.get(name, "") for name in FILTER_NAMES},
        verification=service.audit_status(g.actor),
        checkpoint=service.audit_checkpoint_status(g.actor),
        newest_url=url_for("admin.audit", **query),
        oldest_url=url_for("admin.audit", after=0, **query),
        newer_url=url_for("admin.audit", after=events[0].seq, **query) if log.newer else None,
        older_url=url_for("admin.audit", before=events[-1].seq, **query) if log.older else None,
        export_url=lambda fmt: url_for("admin.audit_export", fmt=fmt, **query),
    ), status


@bp.post("/audit/verify")
@requires("audit")
def audit_verify() -> ResponseReturnValue:
    """Verify the whole chain now (seconds on a long history), then back to the page."""
    try:
        result = runtime().service.check_audit_chain(g.actor)
    except Conflict:
        flash(_("Một lần kiểm tra toàn bộ chuỗi đang chạy; hãy đợi rồi tải lại trang."), "error")
    else:
        if result.ok:
            flash(
                ngettext(
                    "Đã kiểm tra toàn bộ chuỗi: %(num)d sự kiện nguyên vẹn.",
                    "Đã kiểm tra toàn bộ chuỗi: %(num)d sự kiện nguyên vẹn.",
                    result.through,
                ),
                "success",
            )
        else:
            flash(_("Chuỗi bị phá vỡ tại sự kiện số %(seq)s.", seq=result.first_broken), "error")
    filters, _problems = AuditFilters.from_args(request.form)
    return redirect(url_for("admin.audit", **filters.query()))


@bp.get("/audit/consistency")
@requires("audit")
def audit_consistency() -> ResponseReturnValue:
    """Replay every dossier's events against its state, stars, certificates and evidence."""
    return render_template(
        "admin/audit_consistency.html", report=runtime().service.audit_consistency(g.actor)
    )


def _cell(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def _headers() -> list[str]:
    names = {
        "seq": _("Số thứ tự"),
        "at": _("Thời điểm (%(zone)s)", zone=zone().key),
        "actor": _("Người thực hiện"),
        "what": _("Hành động"),
        "dossier_id": _("Hồ sơ số"),
        "from_state": _("Từ trạng thái"),
        "to_state": _("Đến trạng thái"),
        "comment": _("Ý kiến"),
        "action": _("Mã hành động"),
        "definition_hash": _("Mã băm định nghĩa"),
        "payload_digest": _("Mã băm nội dung"),
        "prev_hash": _("Mã băm sự kiện trước"),
        "hash": _("Mã băm"),
    }
    return [names[c] for c in COLUMNS]


def _values(view: EventView) -> list[Any]:
    """One row, typed: numbers as numbers, the time as a time in the installation's zone."""
    e = view.event
    return [
        e.seq,
        view.at,
        e.actor,
        view.what,
        view.dossier_id,
        view.from_state or None,
        view.to_state or None,
        e.comment,
        view.code,
        e.definition_hash,
        e.payload_digest,
        e.prev_hash,
        e.hash,
    ]


def _views(events: Iterator[tuple[Any, dict[str, str]]]) -> Iterator[list[Any]]:
    labeller = Labeller(runtime(), current_language())
    for event, subjects in events:
        yield [_cell(v) for v in _values(labeller.view(event, subjects))]


def _filename(ext: str) -> str:
    stamp = dt.datetime.now(zone()).strftime("%Y%m%d-%H%M%S")
    return f"audit-{stamp}.{ext}"


@bp.get("/audit/export.<fmt>")
@requires("audit")
def audit_export(fmt: str) -> Response:
    if fmt not in ("csv", "xlsx"):
        return Response(_("Định dạng không hỗ trợ: chọn csv hoặc xlsx."), status=404, mimetype="text/plain")
    filters, problems = AuditFilters.from_args(request.args)
    if problems:
        return Response(
            "\n".join(f"{k}: {v}" for k, v in problems.items()), status=400, mimetype="text/plain"
        )
    # The permission is checked here; the rows are read while the response is sent.
    events = runtime().service.audit_export(g.actor, filters.for_service())
    return _csv(events) if fmt == "csv" else _xlsx(events)


def _csv(events: Iterator[Any]) -> Response:
    headers = _headers()
    rows = _views(events)

    def generate() -> Iterator[str]:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        buffer.write("\ufeff")  # Excel reads UTF-8 (Vietnamese) only with the byte-order mark
        writer.writerow(headers)
        try:
            for row in rows:
                row[1] = row[1].isoformat()  # ISO 8601 with its offset
                writer.writerow(row)
                if buffer.tell() > 64_000:
                    yield buffer.getvalue()
                    buffer.seek(0)
                    buffer.truncate()
            yield buffer.getvalue()
        finally:
            getattr(events, "close", lambda: None)()  # a client that hangs up ends the read transaction

    response = Response(stream_with_context(generate()), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{_filename("csv")}"'
    return response


def _xlsx(events: Iterator[Any]) -> Response:
    """A write-only workbook (rows go to a temporary file as they come) saved to a temporary file
    and sent in chunks: memory stays flat whatever the number of rows. Typed cells (the time as
    an Excel date in the installation's zone, numbers as numbers), the header row frozen and an
    autofilter over the whole table."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("Nhật ký kiểm toán")[:31])
    for index, name in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = WIDTHS.get(name, 12)
    sheet.freeze_panes = "A2"
    header = []
    for title in _headers():
        cell = WriteOnlyCell(sheet, value=title)
        cell.font = Font(bold=True)
        header.append(cell)
    sheet.append(header)
    count = 0
    for row in _views(events):
        cells = []
        for value in row:
            if isinstance(value, dt.datetime):
                cell = WriteOnlyCell(sheet, value=value.replace(tzinfo=None))  # Excel has no zones
                cell.number_format = "dd/mm/yyyy hh:mm:ss"
            else:
                cell = WriteOnlyCell(sheet, value=value)
                if isinstance(value, str):
                    cell.data_type = "s"  # never a formula, whatever the text
            cells.append(cell)
        sheet.append(cells)
        count += 1
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(COLUMNS))}{count + 1}"
    spool = tempfile.TemporaryFile()  # noqa: SIM115 -- closed by _chunks once the response is sent
    try:
        book.save(spool)
        size = spool.tell()
        spool.seek(0)
    except BaseException:
        spool.close()
        raise
    response = Response(
        _chunks(spool), mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response.headers["Content-Disposition"] = f'attachment; filename="{_filename("xlsx")}"'
    response.headers["Content-Length"] = str(size)
    return response


def _chunks(spool: IO[bytes]) -> Iterator[bytes]:
    try:
        while chunk := spool.read(256 * 1024):
            yield chunk
    finally:
        spool.close()
