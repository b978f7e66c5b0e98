"""One page per failure, never a traceback: engine errors and HTTP errors mapped to statuses."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException

from engine.errors import (
    Conflict,
    InvalidDefinition,
    InvalidForm,
    NotFound,
    OcopflowError,
    PermissionDenied,
    TransitionNotAllowed,
)
from web.inputs import InputRefused
from web.problems import error_text

STATUS = {
    NotFound: 404,
    PermissionDenied: 403,
    TransitionNotAllowed: 422,
    InvalidForm: 422,
    InvalidDefinition: 422,
    Conflict: 409,
}


def _page(status: int, title: str, message: str, back: str | None = None) -> ResponseReturnValue:
    page = render_template("error.html", status=status, title=title, message=message, back=back)
    return page, status


def _back() -> str | None:
    """The page on this site the request came from (the form a too large upload was sent from)."""
    referrer = urlsplit(request.referrer or "")
    if referrer.netloc != request.host or referrer.scheme not in ("http", "https"):
        return None
    path = referrer.path + (f"?{referrer.query}" if referrer.query else "")
    return path if path.startswith("/") and not path.startswith("//") else None


def _words(status: int) -> tuple[str, str]:
    """The title and message of an HTTP error in the reader's language (never Werkzeug's English)."""
    if status == 401:
        return _("Cần đăng nhập"), _("Hãy đăng nhập để xem trang này.")
    if status == 403:
        return _("Không có quyền"), _("Vai trò của bạn không được mở trang này.")
    if status == 404:
        return _("Không tìm thấy"), _("Không có trang hoặc hồ sơ này, hoặc bạn không được xem nó.")
    if status == 405:
        return _("Không thực hiện được"), _("Trang này không nhận yêu cầu kiểu này.")
    if status == 409:
        return _("Không thực hiện được"), _("Hồ sơ vừa được người khác thay đổi. Hãy tải lại trang.")
    if status == 429:
        return _("Quá nhiều yêu cầu"), _("Hãy đợi một lát rồi thử lại.")
    if 400 <= status < 500:
        return _("Yêu cầu không hợp lệ"), _("Trang không hiểu yêu cầu này. Hãy quay lại và thử lại.")
    return _("Có lỗi"), _("Hệ thống gặp lỗi. Thao tác của bạn chưa được thực hiện.")


def init_errors(app: Flask, json_blueprints: set[str]) -> None:
    def is_json() -> bool:
        return request.blueprint in json_blueprints

    @app.errorhandler(OcopflowError)
    def engine_error(exc: OcopflowError) -> ResponseReturnValue:
        status = next((code for cls, code in STATUS.items() if isinstance(exc, cls)), 400)
        if status == 404:
            return _page(
                404, _("Không tìm thấy"), _("Không có trang hoặc hồ sơ này, hoặc bạn không được xem nó.")
            )
        return _page(status, _("Không thực hiện được"), error_text(exc))

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> ResponseReturnValue:
        if is_json():
            return exc
        status = exc.code or 500
        if status == 400 and exc.description == "csrf":
            return _page(
                400,
                _("Phiên làm việc đã hết hạn"),
                _("Biểu mẫu này đã cũ hoặc không hợp lệ. Hãy tải lại trang rồi thử lại."),
            )
        if isinstance(exc, InputRefused):
            return _page(
                400,
                _("Dữ liệu không hợp lệ"),
                _(
                    "Mục «%(field)s» chứa ký tự điều khiển không được phép (%(char)s, vị trí %(position)d). "
                    "Hãy xoá ký tự đó rồi gửi lại.",
                    field=exc.where,
                    char=exc.char,
                    position=exc.position + 1,
                ),
            )
        if status == 413:
            mb = app.config["MAX_UPLOAD_MB"]
            message = _(
                "Tệp tải lên vượt quá giới hạn %(mb)s MB, nên chưa được lưu. Hãy chọn tệp nhỏ hơn "
                "(nén hoặc quét với độ phân giải thấp hơn) rồi gửi lại.",
                mb=mb,
            )
            return _page(413, _("Tệp quá lớn"), message, back=_back())
        return _page(status, *_words(status))

    @app.errorhandler(500)
    def server_error(exc: Exception) -> ResponseReturnValue:
        return _page(500, _("Có lỗi"), _("Hệ thống gặp lỗi. Thao tác của bạn chưa được thực hiện."))
