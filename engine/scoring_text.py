"""Scoring explanations rendered as sentences, in Vietnamese (default) or English.

`engine.scoring` records an explanation as stable codes with parameters
(`Note`); this module turns them into text using the form's own labels.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

from engine.definitions.model import ScoringForm


class Note(NamedTuple):
    """One step of an explanation: a stable code and its parameters (ids and numbers)."""

    code: str
    params: Mapping[str, Any]


_TEXTS: dict[str, tuple[str, str]] = {
    "invalid": ("Câu trả lời không hợp lệ ({id}): {problem}", "Invalid answer ({id}): {problem}"),
    "assessors": (
        "Tiêu chí theo phiếu của người đánh giá riêng: {criteria}",
        "Criteria taken from the sheet of their own assessors: {criteria}",
    ),
    "gate": (
        "Dừng đánh giá tại tiêu chí {criterion}: {flag}",
        "Scoring stopped at criterion {criterion}: {flag}",
    ),
    "skipped": (
        "Không đánh giá các tiêu chí tiếp theo: {criteria}",
        "Later criteria not assessed: {criteria}",
    ),
    "knockout_flag": ("Bị loại ở tiêu chí {criterion}: {flag}", "Excluded at criterion {criterion}: {flag}"),
    "knockout_option": (
        "Bị loại ở tiêu chí {criterion}: chọn «{option}»",
        "Excluded at criterion {criterion}: answer «{option}»",
    ),
    "rejected": ("Hồ sơ bị loại: {flag}", "Dossier rejected: {flag}"),
    "missing": (
        "Chưa chấm các tiêu chí (tính 0 điểm): {criteria}",
        "Criteria not scored (counted 0): {criteria}",
    ),
    "total": ("Tổng điểm: {total}/{max}", "Total: {total}/{max}"),
    "no_band": ("Tổng điểm {total} không thuộc mức sao nào", "Total {total} is in no star band"),
    "band": ("Mức điểm {min}–{below} tương ứng {stars} sao", "The band {min}–{below} gives {stars} stars"),
    "floor": (
        "Tiêu chí {criterion} chưa đạt mức tối thiểu cho {stars} sao (cần «{option}», {needed} điểm; đạt {got})",
        "Criterion {criterion} is below the minimum for {stars} stars (needs «{option}», {needed} points; got {got})",
    ),
    "floor_council": (
        "Tiêu chí {criterion} chưa đạt mức tối thiểu cho {stars} sao ở {unmet}/{of} phiếu",
        "Criterion {criterion} is below the minimum for {stars} stars on {unmet} of {of} sheets",
    ),
    "capped": ("Hạng sao giảm từ {from} xuống {to}", "Stars lowered from {from} to {to}"),
    "excluded": ("Sản phẩm bị loại, không xếp hạng sao", "The product is excluded and gets no stars"),
    "stars": ("Kết quả: {stars} sao", "Result: {stars} stars"),
    "quorum": (
        "Có {present}/{members} thành viên nộp phiếu chính thức (cần ít nhất {fraction}): {met}",
        "{present} of {members} members handed in a final sheet (at least {fraction} needed): {met}",
    ),
    "chair_missing": (
        "Chưa đủ điều kiện: Chủ tịch Hội đồng chưa nộp phiếu chính thức của mình",
        "Not yet: the council chair has not handed in a final sheet",
    ),
    "incomplete": ("Phiếu chấm chưa đầy đủ: {members}", "Incomplete score sheets: {members}"),
    "no_sheets": ("Chưa có phiếu chấm nào", "No score sheets yet"),
    "combine": (
        "Điểm Hội đồng ({method} của {sheets} phiếu): {total}",
        "Council score ({method} of {sheets} sheets): {total}",
    ),
    "spread": (
        "Chênh lệch giữa các thành viên: {spread} (tối đa {max}); chấm lại: {rescore}",
        "Spread between members: {spread} (at most {max}); re-score: {rescore}",
    ),
    "dissent": (
        "{id}: chỉ {sheets}/{of} phiếu đánh dấu, không tính",
        "{id}: ticked on only {sheets} of {of} sheets, not counted",
    ),
    "knockout_council": ("Bị loại: {id} ({sheets}/{of} phiếu)", "Excluded: {id} ({sheets} of {of} sheets)"),
    "rejected_council": (
        "Hồ sơ bị loại: {id} ({sheets}/{of} phiếu)",
        "Dossier rejected: {id} ({sheets} of {of} sheets)",
    ),
    "final": ("Kết quả chính thức", "The result is final"),
    "not_final": ("Kết quả chưa chính thức", "The result is not final yet"),
}
_WORDS = {True: ("có", "yes"), False: ("không", "no"), None: ("—", "—")}
_METHODS = {
    "mean": ("trung bình", "mean"),
    "median": ("trung vị", "median"),
    "trimmed_mean": ("trung bình sau khi bỏ điểm cao nhất và thấp nhất", "trimmed mean"),
}


def _labels(form: ScoringForm, lang: str) -> dict[str, str]:
    names: dict[str, str] = {f.id: f.label.get(lang) for f in form.rejection}
    for c in form.criteria():
        names[c.id] = f"{c.id} {c.label.get(lang)}"
        for flag in (*c.knockouts, *((c.gate,) if c.gate else ())):
            names[flag.id] = flag.label.get(lang)
    return names


def _option_label(form: ScoringForm, criterion: str, option: str, lang: str) -> str:
    for c in form.criteria():
        if c.id == criterion:
            for o in c.options:
                if o.id == option:
                    return o.label.get(lang)
    return option


def _show(value: Any, names: Mapping[str, str], lang: str) -> str:
    en = lang == "en"
    if hasattr(value, "vi") and callable(getattr(value, "get", None)):  # a message that knows its languages
        return str(value.get(lang))
    if isinstance(value, bool) or value is None:
        return _WORDS[value][en]
    if isinstance(value, float | int):
        return f"{round(value, 2):g}"
    if isinstance(value, list | tuple):
        return ", ".join(_show(v, names, lang) for v in value)
    return names.get(str(value), str(value))


def describe(form: ScoringForm, notes: Sequence[Note], lang: str = "vi") -> list[str]:
    """The explanation as sentences in Vietnamese (default) or English, using the form's labels."""
    names = _labels(form, lang)
    lines: list[str] = []
    for code, params in notes:
        vi, en = _TEXTS.get(code, (code, code))
        shown = {k: _show(v, names, lang) for k, v in params.items()}
        if "option" in params and "criterion" in params:
            shown["option"] = _option_label(form, params["criterion"], params["option"], lang)
        if code in ("floor", "floor_council", "gate", "knockout_flag", "knockout_option"):
            shown["criterion"] = names.get(params["criterion"], params["criterion"])
        shown.setdefault("got", "0")
        if code == "quorum":
            shown["fraction"] = f"{round(params['fraction'] * 100)}%"
        if code == "combine":
            shown["method"] = _METHODS.get(params["method"], (params["method"],) * 2)[lang == "en"]
        if params.get("below") is None and "below" in params:
            shown["below"] = _show(form.max_points, names, lang)
        lines.append((en if lang == "en" else vi).format(**shown))
    return lines
