"""The names that guard and visibility expressions read, and the one builder of each.

A guard (`transitions[].guard`) sees `dossier`, `forms`, `evidence`, `score` and
`today`; a field's `visible_when` sees `answers`, `dossier` and `today`. This
module declares what each name holds (`GUARD`, `VISIBLE`, and the keys of
`dossier` and `score`), builds the values the service hands to expressions
(`dossier_names`, `score_names`, `guard_context`), and renders the table of
docs/definitions.md that a test keeps equal to these declarations. The
validator checks `score.<key>` and `dossier.<key>` against the same lists, so
a typo such as `score.totl` is a problem at its line instead of a guard that
is always false.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from engine.expressions import Namespace

if TYPE_CHECKING:  # scoring imports the definitions, which import this module's names
    from engine.scoring import CouncilResult


@dataclass(frozen=True)
class Name:
    key: str
    kind: str  # what the value is, for the table: "number", "text", "date" …
    en: str
    vi: str


DOSSIER: tuple[Name, ...] = (
    Name("id", "number", "the dossier's number", "số hồ sơ"),
    Name("kind", "text", "first evaluation or re-evaluation, as the workflow's kinds name it",
         "đánh giá lần đầu hay đánh giá lại, theo 'kinds' của quy trình"),
    Name("product_set", "text", "the product set's id (scoring form)", "mã bộ sản phẩm (phiếu chấm)"),
    Name("product_group", "text", "the product group's id", "mã nhóm sản phẩm"),
    Name("province_code", "text", "code of the province it is filed in", "mã tỉnh nơi nộp"),
    Name("commune_code", "text", "code of the commune it is filed in", "mã xã nơi nộp"),
    Name("year", "number", "the year of its filing date", "năm của ngày nộp"),
    Name("state", "text", "the state it is in", "trạng thái hiện tại"),
    Name("stars", "number or none", "the stars recorded, none before", "số sao đã ghi nhận, không có nếu chưa"),
    Name("product_code", "text or none", "the product's code", "mã sản phẩm"),
)  # fmt: skip

SCORE: tuple[Name, ...] = (
    Name("total", "number or none", "the council's combined total, rounded to 2 places; none without sheets",
         "tổng điểm kết hợp của Hội đồng, làm tròn 2 chữ số; không có nếu chưa có phiếu"),
    Name("stars", "number or none", "the stars the result gives; none when excluded or without sheets",
         "số sao theo kết quả; không có nếu bị loại hoặc chưa có phiếu"),
    Name("knocked_out", "true/false", "excluded: a knock-out or a rejection holds on the majority of sheets",
         "bị loại: điểm liệt hoặc điều kiện loại được đa số phiếu ghi nhận"),
    Name("rejected", "true/false", "a rejection condition holds", "có điều kiện loại"),
    Name("recognised", "true/false", "the stars are a recognised level of the form",
         "số sao là hạng được công nhận của phiếu chấm"),
    Name("final", "true/false", "quorum met, chair signed, no rescore required",
         "đủ số lượng, chủ tịch đã ký, không cần chấm lại"),
)  # fmt: skip

GUARD: tuple[Name, ...] = (
    Name("dossier", "object", "the dossier: keys below", "hồ sơ: các khóa bên dưới"),
    Name("forms", "object", "saved answers by form id: forms.<form>.<field>",
         "câu trả lời đã lưu theo mã biểu mẫu: forms.<biểu mẫu>.<trường>"),
    Name("evidence", "set of text", "document types attached: 'lab_test' in evidence",
         "các loại tài liệu đã nộp: 'lab_test' in evidence"),
    Name("score", "object", "the council result: keys below", "kết quả của Hội đồng: các khóa bên dưới"),
    Name("today", "date", "today's date on the server's clock", "ngày hôm nay theo đồng hồ máy chủ"),
)  # fmt: skip

VISIBLE: tuple[Name, ...] = (
    Name("answers", "object", "this form's answers: answers.<field>", "câu trả lời của biểu mẫu: answers.<trường>"),
    Name("dossier", "object", "the dossier: keys below", "hồ sơ: các khóa bên dưới"),
    Name("today", "date", "today's date on the server's clock", "ngày hôm nay theo đồng hồ máy chủ"),
)  # fmt: skip

# The names whose keys are declared: `score.totl` is a problem, `forms.x` is checked by reference.
KEYS: Mapping[str, frozenset[str]] = {
    "dossier": frozenset(n.key for n in DOSSIER),
    "score": frozenset(n.key for n in SCORE),
}


def _keys(names: Iterable[Name]) -> frozenset[str]:
    return frozenset(n.key for n in names)


GUARD_NAMES = _keys(GUARD)
VISIBLE_NAMES = _keys(VISIBLE)


def dossier_names(dossier: Mapping[str, Any] | object) -> Namespace:
    """The `dossier` name, from a stored row (a mapping) or a snapshot (attributes)."""
    if isinstance(dossier, Mapping):
        value = dossier.__getitem__
    else:

        def value(key: str) -> Any:
            return getattr(dossier, key)

    filed_on: dt.date = value("filed_on")
    return Namespace({n.key: filed_on.year if n.key == "year" else value(n.key) for n in DOSSIER})


def score_names(result: CouncilResult | None) -> Namespace:
    """The `score` name: the council result, or every key empty before any sheet counts."""
    if result is None:
        return Namespace({"total": None, "stars": None, "knocked_out": False, "rejected": False,
                          "recognised": False, "final": False})  # fmt: skip
    return Namespace(
        {
            "total": None if result.total is None else round(result.total, 2),
            "stars": result.stars,
            "knocked_out": result.excluded,
            "rejected": bool(result.rejected),
            "recognised": result.recognised,
            "final": result.final,
        }
    )


def guard_context(
    *,
    dossier: Namespace,
    forms: Mapping[str, Mapping[str, Any]],
    evidence: frozenset[str],
    score: Namespace,
    today: dt.date,
) -> dict[str, Any]:
    """Every name of GUARD, the only way the service and the test cases build it."""
    return {
        "dossier": dossier,
        "forms": Namespace(forms),
        "evidence": evidence,
        "score": score,
        "today": today,
    }


def table(lang: str = "en") -> str:
    """The Markdown table of docs/definitions.md (tests/unit/test_context.py keeps them equal)."""
    rows = ["| name | key | what | holds |", "|---|---|---|---|"]
    sections = (("guard", GUARD), ("visible_when", VISIBLE))
    for where, names in sections:
        for n in names:
            rows.append(f"| {where} | `{n.key}` | {n.kind} | {getattr(n, lang)} |")
    for root, names in (("dossier", DOSSIER), ("score", SCORE)):
        for n in names:
            rows.append(f"| {root} | `{root}.{n.key}` | {n.kind} | {getattr(n, lang)} |")
    return "\n".join(rows)
