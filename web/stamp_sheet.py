"""The A4 PDF of a stamp sheet: the register's `stamps:` grid, each label a QR code of the batch's
public address with the lines the YAML lists under it (DejaVu Sans: every Vietnamese letter).
The same QR image is embedded once and placed on every label."""

from __future__ import annotations

import io

import segno
from fpdf import FPDF

from engine.service.stamps import PrintedSheet, StampLineValue
from engine.service.trace import PublicValue
from web import pdf
from web.i18n import tr
from web.views.trace import shown

CUT_GREY = 200  # the thin frame of each label, where to cut


def line_text(line: StampLineValue) -> str:
    """A line as printed: its text, or its label and the field's value as the trace page shows it."""
    if line.text is not None:
        return tr(line.text)
    if line.field is None or line.value in (None, "", []):
        return ""
    value = shown(PublicValue(line.field, line.value, line.ref_title))
    return f"{tr(line.label)} {value}" if line.label is not None else value


def _fit(document: FPDF, text: str, width: float) -> str:
    """The text cut with an ellipsis to fit `width` mm in the current font."""
    if document.get_string_width(text) <= width:
        return text
    while text and document.get_string_width(text + "…") > width:
        text = text[:-1]
    return text.rstrip() + "…"


def draw(printed: PrintedSheet, address: str) -> bytes:
    layout = printed.layout
    document = pdf.a4(f"Tem QR {printed.product_code} {printed.lot}")
    document.set_auto_page_break(auto=False)
    texts = [(line_text(line), line.bold) for line in printed.lines]
    size = layout.text_size
    png = io.BytesIO()
    segno.make(address, error="m").save(png, kind="png", scale=10, border=2)
    code = png.getvalue()
    for i in range(printed.quantity):
        place = i % layout.per_page
        if i and place == 0:
            document.add_page()
        column, row = place % layout.columns, place // layout.columns
        x = layout.margin + column * (layout.width + layout.gap)
        y = layout.margin + row * (layout.height + layout.gap)
        document.set_draw_color(CUT_GREY)
        document.set_line_width(0.1)
        document.rect(x, y, layout.width, layout.height)
        document.image(
            io.BytesIO(code), x=x + (layout.width - layout.qr) / 2, y=y + 0.5, w=layout.qr, h=layout.qr
        )
        top = y + 0.5 + layout.qr
        for text, bold in texts:
            document.set_font("dejavu", "B" if bold else "", size)
            document.set_xy(x + 0.5, top)
            document.cell(
                layout.width - 1, layout.line_height, _fit(document, text, layout.width - 1.5), align="C"
            )
            top += layout.line_height
    return pdf.output(document)
