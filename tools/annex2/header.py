"""The lines above each form's table: title, classification and the rejection rule."""

from __future__ import annotations

import re

from tools.annex2.cells import FormText, normalise
from tools.annex2.flags import rejection_flags
from tools.annex2.model import Finding, FormDraft

NUMBERED_TITLE = re.compile(r"^(\d+)\.\s*(.*)$")
CLASSIFICATION = re.compile(r"\(Sản phẩm:.*?\)(?=\s|$)")
REJECTION = re.compile(r"(?:Hồ sơ )?[Bb]ị loại khi:.*?(?=(?:Hồ sơ )?[Bb]ị loại khi:|$)")
FIELDS = ("Tên sản phẩm:",)


class HeaderError(Exception):
    pass


def read_header(form: FormText) -> FormDraft:
    text = normalise(" ".join(form.header))
    classification = CLASSIFICATION.search(text)
    if classification is None:
        raise HeaderError(f'form {form.number} (line {form.first_line}): no "(Sản phẩm: …)" line')
    title = text[: classification.start()].strip()
    m = NUMBERED_TITLE.match(title)
    if m:
        if int(m.group(1)) != form.number:
            raise HeaderError(
                f"form at line {form.first_line} is numbered {m.group(1)}, expected {form.number}"
            )
        title = m.group(2).strip()
    draft = FormDraft(
        number=form.number,
        title=title,
        classification=classification.group(0),
        first_line=form.first_line,
    )
    sentences = [s.strip() for s in REJECTION.findall(text)]
    if len(sentences) > 1 and len(set(sentences)) == 1:
        draft.findings.append(
            Finding(
                "artefact",
                form.first_line,
                "rejection",
                "Câu “Hồ sơ bị loại khi” được chép hai lần giống hệt nhau; giữ một.",
                "The “Hồ sơ bị loại khi” sentence is transcribed twice, identically; kept once.",
            )
        )
    elif len(set(sentences)) > 1:
        raise HeaderError(f"form {form.number}: two different rejection rules")
    if sentences:
        draft.rejection = rejection_flags(_strip_fields(sentences[0]))
        for flag in draft.rejection:
            if not flag.label.startswith(("Giả mạo", "Không")):
                draft.findings.append(
                    Finding(
                        "discrepancy",
                        form.first_line,
                        f"rejection/{flag.id}",
                        f"Điều kiện loại hồ sơ “{flag.label}” không phải là một điều kiện phủ định như các điều "
                        "kiện khác (thiếu “không có”?); giữ nguyên văn bản.",
                        f"The rejection condition “{flag.label}” is not worded as a failing like the others "
                        "(“không có” missing?); kept as printed.",
                    )
                )
    else:
        draft.findings.append(
            Finding(
                "discrepancy",
                form.first_line,
                "rejection",
                "Biểu mẫu không có câu “Hồ sơ bị loại khi”; không có điều kiện loại hồ sơ nào.",
                "The form has no “Hồ sơ bị loại khi” sentence; no dossier-level rejection condition.",
            )
        )
    return draft


def _strip_fields(sentence: str) -> str:
    for field in FIELDS:
        sentence = sentence.split(field)[0]
    return sentence.strip()


TOC_ENTRY = re.compile(r"^Bộ sản phẩm: (.+)$")
SECTORS = (
    ("thực phẩm", "thuc-pham"),
    ("đồ uống", "do-uong"),
    ("dược liệu", "duoc-lieu"),
    ("thủ công mỹ nghệ", "thu-cong-my-nghe"),
    ("sinh vật cảnh", "sinh-vat-canh"),
    ("du lịch", "du-lich"),
)


def product_set_names(text: str, count: int) -> list[str]:
    """The names of Annex II's table of contents ("1 | Bộ sản phẩm: Rau, củ, quả, hạt tươi | 2 | …")."""
    start = text.find("PHỤ LỤC II\n")
    end = text.find("\n1. Bộ sản phẩm: ", start)
    if start < 0 or end < 0:
        raise HeaderError("no table of contents (“PHỤ LỤC II” … “1. Bộ sản phẩm:”) before the forms")
    cells = [normalise(c) for c in text[start:end].split("\n |")]
    names = [m.group(1) for c in cells if (m := TOC_ENTRY.match(c))]
    if len(names) != count:
        raise HeaderError(
            f"the table of contents of Annex II lists {len(names)} product sets, expected {count}"
        )
    return names


def sector(classification: str) -> str:
    """The product group slug from "(Sản phẩm: Thực phẩm. Nhóm: …)"."""
    head = classification.removeprefix("(Sản phẩm:").split(".")[0].split(",")[0].lower()
    for needle, slug in SECTORS:
        if needle in head:
            return slug
    raise HeaderError(f"unknown product group in {classification!r}")
