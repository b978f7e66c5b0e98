"""Do the declared maxima of a form add up? Every disagreement becomes a Finding.

The legal text is never changed here: a sum that does not hold is recorded so the
YAML can declare it (`known_discrepancies`) and docs/annex2-discrepancies.md can list it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import pairwise

from tools.annex2.model import Criterion, Finding, FormDraft, Group, Part

FORM_MAX = 100
PARTS = {"A": 40, "B": 25, "C": 35}  # Art. 3(1) of the decision


def fmt(value: float | None) -> str:
    if value is None:
        return "—"
    return str(int(value)) if float(value).is_integer() else str(value).replace(".", ",")


def total(values: Iterable[float | None]) -> float:
    return sum(v or 0 for v in values)


def group_path(part: Part, group: Group) -> str:
    return f"parts/{part.id}/groups/{part.id}{group.number}"


def criterion_path(part: Part, group: Group, criterion: Criterion) -> str:
    return f"{group_path(part, group)}/criteria/{criterion.id}"


def check(draft: FormDraft) -> list[Finding]:
    return list(_form(draft))


def _form(draft: FormDraft) -> Iterator[Finding]:
    declared = draft.total if draft.total is not None else FORM_MAX
    parts = total(p.max for p in draft.parts)
    if parts != declared:
        yield Finding(
            "discrepancy",
            draft.first_line,
            "parts",
            f"Tổng các phần là {fmt(parts)}, dòng TỔNG CỘNG ghi {fmt(declared)}.",
            f"The parts add up to {fmt(parts)}; the TỔNG CỘNG row says {fmt(declared)}.",
            "E403",
        )
    letters = [p.id for p in draft.parts]
    if letters != list(PARTS):
        yield Finding(
            "discrepancy",
            draft.first_line,
            "parts",
            f"Biểu mẫu có các phần {', '.join(letters)} thay vì A, B, C.",
            f"The form has parts {', '.join(letters)} instead of A, B, C.",
        )
    for part in draft.parts:
        if part.id in PARTS and part.max != PARTS[part.id]:
            yield Finding(
                "discrepancy",
                part.line,
                f"parts/{part.id}",
                f"Phần {part.id} ghi {fmt(part.max)} điểm; Điều 3 khoản 1 quy định {PARTS[part.id]}.",
                f"Part {part.id} declares {fmt(part.max)} points; Art. 3(1) sets {PARTS[part.id]}.",
            )
        yield from _part(part)


def _part(part: Part) -> Iterator[Finding]:
    path = f"parts/{part.id}"
    if part.label_max is not None and part.label_max != part.max:
        yield Finding(
            "discrepancy",
            part.line,
            path,
            f"Tên Phần {part.id} ghi ({fmt(part.label_max)} Điểm) nhưng cột thang điểm ghi {fmt(part.max)}; "
            f"các nhóm cộng lại được {fmt(total(g.max for g in part.groups))}.",
            f"The label of Part {part.id} says ({fmt(part.label_max)} Điểm) but the points column says "
            f"{fmt(part.max)}; its groups add up to {fmt(total(g.max for g in part.groups))}.",
        )
    groups = total(g.max for g in part.groups)
    if groups != part.max:
        yield Finding(
            "discrepancy",
            part.line,
            path,
            f"Phần {part.id} ghi {fmt(part.max)} điểm, các nhóm tiêu chí cộng lại được {fmt(groups)}.",
            f"Part {part.id} declares {fmt(part.max)} points; its groups add up to {fmt(groups)}.",
            "E401",
        )
    for group in part.groups:
        yield from _group(part, group)


def _group(part: Part, group: Group) -> Iterator[Finding]:
    path = group_path(part, group)
    criteria = total(c.max for c in group.criteria)
    if criteria != group.max:
        listing = " + ".join(f"{c.id}: {fmt(c.max)}" for c in group.criteria)
        yield Finding(
            "discrepancy",
            group.line,
            path,
            f"Nhóm {group.number} ghi {fmt(group.max)} điểm, các tiêu chí cộng lại được {fmt(criteria)} ({listing}).",
            f"Group {group.number} declares {fmt(group.max)} points; its criteria add up to {fmt(criteria)} ({listing}).",
            "E402",
        )
    for sub in group.subgroups:
        inside = total(c.max for c in sub.criteria)
        if inside != sub.max:
            yield Finding(
                "discrepancy",
                sub.line,
                path,
                f"Tiểu mục {sub.id} ghi {fmt(sub.max)} điểm, các tiêu chí con cộng lại được {fmt(inside)}.",
                f"Sub-heading {sub.id} declares {fmt(sub.max)} points; its criteria add up to {fmt(inside)}.",
            )
    for criterion in group.criteria:
        yield from _criterion(part, group, criterion)


def _criterion(part: Part, group: Group, criterion: Criterion) -> Iterator[Finding]:
    path = criterion_path(part, group, criterion)
    if not criterion.options:
        return  # the emitter adds Không/Có options and reports it as a representation note
    yield from _order(path, criterion)
    best = max(o.points for o in criterion.options)
    for index, option in enumerate(criterion.options):
        if criterion.max is not None and option.points > criterion.max:
            yield Finding(
                "discrepancy",
                option.line,
                f"{path}/options/{chr(ord('a') + index)}",
                f"Phương án được {fmt(option.points)} điểm, vượt điểm tối đa {fmt(criterion.max)} của tiêu chí {criterion.id}.",
                f"The option is worth {fmt(option.points)}, more than the {fmt(criterion.max)} maximum of criterion {criterion.id}.",
                "E404",
            )
    if criterion.max is not None and best < criterion.max:
        yield Finding(
            "discrepancy",
            criterion.line,
            path,
            f"Tiêu chí {criterion.id} ghi tối đa {fmt(criterion.max)} điểm nhưng phương án cao nhất chỉ được {fmt(best)}.",
            f"Criterion {criterion.id} declares {fmt(criterion.max)} points but its best option is worth {fmt(best)}.",
        )


def _order(path: str, criterion: Criterion) -> Iterator[Finding]:
    """Options are printed from worst to best; two options worth the same is worth a second look."""
    points = [o.points for o in criterion.options if o.case is None]
    if any(b <= a for a, b in pairwise(points)):
        listing = ", ".join(fmt(p) for p in points)
        yield Finding(
            "discrepancy",
            criterion.line,
            path,
            f"Các phương án của tiêu chí {criterion.id} không tăng dần: {listing}. Giữ nguyên văn bản.",
            f"The options of criterion {criterion.id} do not rise strictly: {listing}. Kept as printed.",
        )
