"""The service's field problems in the reader's language.

The service words its InvalidForm problems in English (`"must be a number"`).
Until it hands out codes, the known sentences are matched here and rendered
from the message catalog; an unknown sentence is shown as it is.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from flask_babel import gettext as _

_PATTERNS: list[tuple[re.Pattern[str], Callable[[re.Match[str]], str]]] = [
    (re.compile(r"^is required$"), lambda m: _("Cần điền mục này.")),
    (re.compile(r"^must be a number$"), lambda m: _("Phải là một số.")),
    (re.compile(r"^must be a whole number$"), lambda m: _("Phải là số nguyên.")),
    (re.compile(r"^must be at least (\S+)$"), lambda m: _("Phải từ %(n)s trở lên.", n=m[1])),
    (re.compile(r"^must be at most (\d+) characters$"), lambda m: _("Tối đa %(n)s ký tự.", n=m[1])),
    (re.compile(r"^must be at most (\S+)$"), lambda m: _("Phải không quá %(n)s.", n=m[1])),
    (re.compile(r"^must be a date \(YYYY-MM-DD\)$"), lambda m: _("Phải là một ngày (năm-tháng-ngày).")),
    (re.compile(r"^must be on or after (\S+)$"), lambda m: _("Phải từ ngày %(d)s trở đi.", d=m[1])),
    (re.compile(r"^must be on or before (\S+)$"), lambda m: _("Phải trước hoặc đúng ngày %(d)s.", d=m[1])),
    (re.compile(r"^must be text$"), lambda m: _("Phải là chữ.")),
    (re.compile(r"^must be one of: (.*)$"), lambda m: _("Phải là một trong: %(v)s.", v=m[1])),
    (re.compile(r"^must be yes or no$"), lambda m: _("Phải chọn Có hoặc Không.")),
    (re.compile(r"^is not a known .* code$"), lambda m: _("Không có đơn vị hành chính này.")),
    (
        re.compile(r"^attach a '(.+)' document first$"),
        lambda m: _("Hãy tải lên giấy tờ này trước (%(doc)s).", doc=m[1]),
    ),
    (re.compile(r"^is not a field of this form$"), lambda m: _("Không phải một mục của biểu mẫu này.")),
    (
        re.compile(r"^'(.*)' is not a known commune code$"),
        lambda m: _("Không có xã, phường mã %(c)s.", c=m[1]),
    ),
    (
        re.compile(r"^'(.*)' is not a product set of workflow '.*'$"),
        lambda m: _("Bộ sản phẩm %(c)s không thuộc quy trình này.", c=m[1]),
    ),
    (re.compile(r"^the file is empty$"), lambda m: _("Tệp rỗng.")),
    (re.compile(r"^files of type (.+) are not accepted$"), lambda m: _("Không nhận tệp loại %(t)s.", t=m[1])),
]


def field_problem(message: object) -> str:
    text = str(message)
    for pattern, render in _PATTERNS:
        found = pattern.match(text)
        if found:
            return render(found)
    return text


def field_problems(problems: dict[str, str]) -> dict[str, str]:
    return {key: field_problem(value) for key, value in problems.items()}
