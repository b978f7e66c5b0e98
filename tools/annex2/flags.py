"""What the notes of the decision mean: requirements, knock-outs, gates, commune criteria.

This is the OCOP-specific reading of Annex II, kept in the converter so the
engine stays generic: the engine only sees `knockouts`, `gate` and `assessed_by`.
"""

from __future__ import annotations

import re

from tools.annex2.model import Criterion, Finding, Flag, FormDraft

COMMUNE_ROLE = "commune_officer"

# Art. 7(2)(a): the commune "đánh giá về các nội dung sau đây: nguồn gốc sản phẩm, nguyên liệu
# địa phương; sử dụng lao động địa phương; nguồn gốc ý tưởng sản phẩm; bản sắc, trí tuệ địa phương".
COMMUNE_CRITERIA = (
    re.compile(r"^Nguồn gốc sản phẩm$"),
    re.compile(r"^Nguồn nguyên liệu$"),
    re.compile(r"^Sử dụng lao động địa phương$"),
    re.compile(r"^Nguồn gốc ý tưởng sản phẩm"),
    re.compile(r"^Trí tuệ/bản sắc địa phương$"),
)

KNOCKOUT = re.compile(r"(?:Bị loại nếu|[Nn]ếu (.+?), sẽ bị loại bỏ)\s*(.*)$")
KNOCKOUT_IDS = (
    ("nhập khẩu hoặc không rõ nguồn gốc", "imported_or_unknown_materials"),
    ("giống hệt sản phẩm", "copied_product"),
    ("vi phạm sở hữu trí tuệ", "ip_infringement"),
)
GATE = re.compile(
    r"không đánh giá các bước tiếp|Không đánh giá các bước tiếp|Không xem xét các chỉ tiêu khác"
)
GATE_IDS = (
    ("tạp chất", "impurities"),
    ("0 điểm", "zero_score"),
    ("Phiếu công bố", "no_declaration_gate"),
)
GATE_CONDITION = re.compile(r"[Nn]ếu (.+?)(?:,?\s*sẽ không đánh giá.*)?$")

REJECTION_IDS = (
    ("Giả mạo hồ sơ", "forged"),
    ("không đáp ứng", "incomplete"),
    ("ghi nhãn sản phẩm, quảng cáo", "declaration_labelling_advertising"),
    ("công bố", "no_declaration"),
    ("an toàn thực phẩm", "food_safety"),
    ("giấy phép sản xuất", "no_production_licence"),
    ("điều kiện", "production_conditions"),
)


def commune_assessed(label: str) -> bool:
    return any(p.search(label) for p in COMMUNE_CRITERIA)


def annotate(draft: FormDraft, criterion: Criterion, text: str, line: int) -> None:
    """Attach a non-option row of the table to the criterion it follows."""
    if text.startswith("Yêu cầu:"):
        criterion.requirement.append(text)
        return
    criterion.notes.append(text)
    if m := KNOCKOUT.search(text):
        clause = m.group(1) or m.group(2)
        criterion.knockouts.append(Flag(_pick(KNOCKOUT_IDS, text, "knockout"), _sentence(clause)))
    elif GATE.search(text):
        if criterion.gate is not None:
            draft.findings.append(
                Finding(
                    "representation", line, "", "Tiêu chí có hai điểm dừng.", "Two gates on one criterion."
                )
            )
        condition = GATE_CONDITION.search(text)
        criterion.gate = Flag(
            _pick(GATE_IDS, text, "gate"), _sentence(condition.group(1) if condition else text)
        )


def rejection_flags(sentence: str) -> list[Flag]:
    """Split "Hồ sơ bị loại khi: A hoặc B; hoặc C" into one flag per condition."""
    body = sentence.split(":", 1)[1].strip()
    flags: list[Flag] = []
    for clause in _top_level_split(body):
        flag_id = _pick(REJECTION_IDS, clause, "rejection")
        if any(f.id == flag_id for f in flags):
            flag_id = f"{flag_id}_{len(flags) + 1}"
        flags.append(Flag(flag_id, _sentence(clause)))
    return flags


def _top_level_split(text: str) -> list[str]:
    """Split on "; hoặc", " hoặc " and ";" outside parentheses."""
    parts: list[str] = []
    depth, start, i = 0, 0, 0
    separators = ("; hoặc ", " hoặc ", "; ")
    while i < len(text):
        ch = text[i]
        depth += ch == "("
        depth -= ch == ")"
        sep = next((s for s in separators if depth == 0 and text.startswith(s, i)), None)
        if sep:
            parts.append(text[start:i])
            i += len(sep)
            start = i
            continue
        i += 1
    parts.append(text[start:])
    return [p.strip(" ;.") for p in parts if p.strip(" ;.")]


def _pick(table: tuple[tuple[str, str], ...], text: str, fallback: str) -> str:
    return next((flag_id for needle, flag_id in table if needle in text), fallback)


def _sentence(clause: str) -> str:
    clause = clause.strip()
    if clause.endswith(".") and not clause.endswith(".."):
        clause = clause[:-1]  # a sentence's full stop, not an ellipsis
    return clause[:1].upper() + clause[1:]
