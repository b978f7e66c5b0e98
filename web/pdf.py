"""PDF primitives (fpdf2, pure Python): an A4 page in DejaVu Sans, which has every Vietnamese
letter, and a QR code drawn from segno's PNG. The fonts come from Debian's fonts-dejavu-core
(tools/ensure-fonts.sh installs it); a missing font is a clear error, not a page of boxes.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import segno
from fpdf import FPDF

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
REGULAR = FONT_DIR / "DejaVuSans.ttf"
BOLD = FONT_DIR / "DejaVuSans-Bold.ttf"


class FontMissing(RuntimeError):
    pass


def a4(title: str) -> FPDF:
    """An A4 portrait document with DejaVu Sans as "dejavu" (regular and bold)."""
    for font in (REGULAR, BOLD):
        if not font.is_file():
            raise FontMissing(f"{font} is missing: run tools/ensure-fonts.sh (Debian's fonts-dejavu-core)")
    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.set_title(title)
    pdf.set_creator("ocopflow")
    pdf.add_font("dejavu", "", str(REGULAR))
    pdf.add_font("dejavu", "B", str(BOLD))
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    return pdf


def qr(pdf: FPDF, text: str, x: float, y: float, size: float) -> None:
    """A QR code of `text` (error correction M), `size` mm wide, its top left corner at (x, y)."""
    png = io.BytesIO()
    segno.make(text, error="m").save(png, kind="png", scale=10, border=2)
    png.seek(0)
    pdf.image(png, x=x, y=y, w=size, h=size)


@dataclass(frozen=True)
class Line:
    label: str
    value: str


def heading(pdf: FPDF, text: str, size: float = 18) -> None:
    pdf.set_font("dejavu", "B", size)
    pdf.multi_cell(0, size * 0.55, text, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)


def paragraph(pdf: FPDF, text: str, size: float = 11, align: str = "L") -> None:
    pdf.set_font("dejavu", "", size)
    pdf.multi_cell(0, size * 0.5, text, align=align, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)


def facts(pdf: FPDF, lines: list[Line], label_width: float = 55, size: float = 12) -> None:
    """Label: value rows, the value wrapping in its column."""
    for line in lines:
        pdf.set_font("dejavu", "", size)
        pdf.cell(label_width, size * 0.6, line.label)
        pdf.set_font("dejavu", "B", size)
        pdf.multi_cell(0, size * 0.6, line.value, new_x="LMARGIN", new_y="NEXT")


def output(pdf: FPDF) -> bytes:
    return bytes(pdf.output())
