"""The service's English field problems, shown in the reader's language."""

from __future__ import annotations

import pytest
from flask import Flask

from web.problems import field_problem


@pytest.mark.parametrize(
    ("message", "vietnamese", "english"),
    [
        ("is required", "Cần điền mục này.", "This is required."),
        ("must be a number", "Phải là một số.", "Must be a number."),
        ("must be at least 3", "Phải từ 3 trở lên.", "Must be at least 3."),
        ("must be at most 200 characters", "Tối đa 200 ký tự.", "At most 200 characters."),
        ("must be at most 5", "Phải không quá 5.", "Must be at most 5."),
        (
            "must be on or after 2026-01-01",
            "Phải từ ngày 2026-01-01 trở đi.",
            "Must be on or after 2026-01-01.",
        ),
        (
            "attach a 'labour_list' document first",
            "Hãy tải lên giấy tờ này trước (labour_list).",
            "Upload this document first (labour_list).",
        ),
        (
            "'99' is not a product set of workflow 'ocop-2026'",
            "Bộ sản phẩm 99 không thuộc quy trình này.",
            "Product set 99 is not part of this workflow.",
        ),
        (
            "something new the service says",
            "something new the service says",
            "something new the service says",
        ),
    ],
)
def test_known_problems_are_translated_and_unknown_ones_shown_as_they_are(
    app: Flask, message: str, vietnamese: str, english: str
) -> None:
    with app.test_request_context("/"):
        assert field_problem(message) == vietnamese
    with app.test_request_context("/", headers={"Cookie": "ocopflow_lang=en"}):
        assert field_problem(message) == english
