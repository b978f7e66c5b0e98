"""English labels for Annex II: the recurring headings, criteria and boxes here (a label is matched
on its words before any parenthesis), every other text (titles, product sets, options,
requirements, notes) from the reviewed glossary beside this file (glossary.yaml), matched exactly.

The Vietnamese text is the legal one and is never changed; English is what a reader who chose
English sees.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

from ruamel.yaml import YAML

GLOSSARY = Path(__file__).resolve().parent / "glossary.yaml"

GROUPS = {
    "TỔ CHỨC SẢN XUẤT": "Production organisation",
    "TỔ CHỨC DỊCH VỤ CỘNG ĐỒNG": "Community service organisation",
    "PHÁT TRIỂN SẢN PHẨM": "Product development",
    "SỨC MẠNH CỘNG ĐỒNG": "Community strength",
    "TIẾP THỊ": "Marketing",
    "CÂU CHUYỆN SẢN PHẨM": "Product story",
    "CÂU CHUYỆN VỀ SẢN PHẨM": "Product story",
    "CHỈ TIÊU CẢM QUAN": "Sensory criteria",
    "DINH DƯỠNG": "Nutrition",
    "TÍNH ĐỘC ĐÁO": "Uniqueness",
    "CÔNG BỐ CHẤT LƯỢNG SẢN PHẨM": "Product quality declaration",
    "CÔNG BỐ CHẤT LƯỢNG": "Quality declaration",
    "CÔNG BỐ SẢN PHẨM": "Product declaration",
    "ĐẢM BẢO CHẤT LƯỢNG SẢN PHẨM": "Product quality assurance",
    "HƯỚNG DẪN SỬ DỤNG ĐỂ ĐẢM BẢO SẢN PHẨM CÓ CHẤT LƯỢNG TỐT NHẤT CHO NGƯỜI TIÊU DÙNG": (
        "Instructions for use that keep the product at its best for the consumer"
    ),
    "CƠ HỘI THỊ TRƯỜNG TOÀN CẦU": "Global market opportunity",
    "SỰ TIỆN LỢI KHI SỬ DỤNG, BẢO QUẢN": "Convenience of use and storage",
    "HIỆU QUẢ SỬ DỤNG": "Effectiveness in use",
    "KIỂM TRA ĐỊNH KỲ": "Periodic testing",
    "TÍNH AN TOÀN": "Safety",
}

CRITERIA = {
    "Nguồn gốc sản phẩm": "Origin of the product",
    "Nguồn nguyên liệu": "Source of raw materials",
    "Vùng nguyên liệu được cấp chứng nhận chất lượng": "Quality-certified raw-material area",
    "Gia tăng giá trị": "Value added",
    "Năng lực sản xuất để đáp ứng yêu cầu phân phối": "Production capacity to meet distribution needs",
    "Năng lực sản xuất đáp ứng yêu cầu phân phối": "Production capacity to meet distribution needs",
    "Liên kết chuỗi trong sản xuất": "Value-chain links in production",
    "Liên kết sản xuất": "Production links",
    "Bảo vệ môi trường trong quá trình sản xuất": "Environmental protection in production",
    "Sử dụng công nghệ theo hướng bền vững trong sản xuất": "Sustainable technology in production",
    "Nguồn gốc ý tưởng sản phẩm": "Origin of the product idea",
    "Đóng gói, bao bì sản phẩm": "Packing and packaging",
    "Phong cách, ghi nhãn hàng hóa": "Style and labelling",
    "Ghi nhãn hàng hóa có sử dụng song ngữ": "Bilingual labelling",
    "Loại hình tổ chức sản xuất - kinh doanh": "Type of producing organisation",
    "Đại diện pháp luật của chủ thể là nữ; hoặc đồng bào dân tộc thiểu số; hoặc người khuyết tật": (
        "Legal representative is a woman, from an ethnic minority or a person with disabilities"
    ),
    "Sử dụng lao động địa phương": "Local labour",
    "Tăng trưởng sản xuất kinh doanh": "Business growth",
    "Sở hữu trí tuệ": "Intellectual property",
    "Khu vực phân phối chính": "Main distribution area",
    "Tổ chức phân phối": "Distribution organisation",
    "Quảng bá sản phẩm": "Promotion",
    "Câu chuyện sản phẩm": "Product story",
    "Cấu trúc câu chuyện sản phẩm": "Structure of the product story",
    "Trí tuệ/bản sắc địa phương": "Local knowledge and identity",
    "Màu sắc": "Colour",
    "Mùi": "Smell",
    "Vị": "Taste",
    "Mùi, vị": "Smell and taste",
    "Tạp chất": "Impurities",
    "Tạp chất lạ": "Foreign matter",
}

FLAGS = {
    "forged": "Forged dossier",
    "food_safety": "Food-safety facility certificate not complied with",
    "incomplete": "Registration dossier does not meet the rules",
    "no_declaration": "No product declaration",
    "no_production_licence": "No production licence",
    "production_conditions": "Mandatory production conditions not met",
    "declaration_labelling_advertising": "Declaration, labelling and advertising registration",
    "imported_or_unknown_materials": "All raw materials imported or of unknown origin",
    "copied_product": "Identical to another producer's product, only names changed",
    "ip_infringement": "The product infringes intellectual property",
    "impurities": "Unacceptable impurities (food-safety risk)",
    "zero_score": "Zero points on one of the criteria above",
    "no_declaration_gate": "No product declaration sheet",
}

_HEAD = re.compile(r"^(.*?)(?:\s*\(.*)?$")


def _head(label: str) -> str:
    m = _HEAD.match(label)
    return (m.group(1) if m else label).strip()


def group(label: str) -> str | None:
    head = _head(label)
    return GROUPS.get(head) or next((en for vi, en in GROUPS.items() if head.startswith(vi + " ")), None)


def criterion(label: str) -> str | None:
    return CRITERIA.get(label) or CRITERIA.get(_head(label))


def flag(flag_id: str) -> str | None:
    return FLAGS.get(flag_id)


@functools.cache
def glossary() -> dict[str, str]:
    """The glossary's labels, Vietnamese -> English."""
    data = YAML(typ="safe").load(GLOSSARY.read_text(encoding="utf-8"))
    return {str(entry["vi"]): str(entry["en"]) for entry in data["labels"]}


@functools.cache
def terms() -> dict[str, tuple[str, ...]]:
    """The glossary's terms, Vietnamese -> the English forms any of which renders it."""
    data = YAML(typ="safe").load(GLOSSARY.read_text(encoding="utf-8"))
    return {
        str(t["vi"]): tuple(t["en"]) if isinstance(t["en"], list) else (str(t["en"]),) for t in data["terms"]
    }


def label(vi: str) -> str | None:
    return glossary().get(vi)
