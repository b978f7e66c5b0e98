"""The printable certificate (A4 PDF) a producer downloads from the dossier page: the
certificate's facts and the QR code carrying its signed token (the same address as /c/)."""

from __future__ import annotations

from flask import Response, abort, g
from flask_babel import gettext as _

from web import pdf
from web.auth import login_required
from web.runtime import runtime
from web.views.certificates import public_url
from web.views.dossiers import bp

QR_MM = 60


@bp.get("/<int:dossier_id>/certificate.pdf")
@login_required
def certificate_pdf(dossier_id: int) -> Response:
    rt = runtime()
    dossier = rt.service.get_dossier(g.actor, dossier_id)  # 404 outside the reader's scope
    c = dossier.certificate
    if c is None:
        abort(404)
    address = public_url(c.number, rt.service.certificate_signing.token(c))
    document = pdf.a4(_("Giấy chứng nhận sản phẩm OCOP") + f" {c.number}")
    pdf.heading(document, _("GIẤY CHỨNG NHẬN SẢN PHẨM OCOP"))
    pdf.paragraph(document, _("Chương trình Mỗi xã một sản phẩm (OCOP)"), align="C")
    document.ln(4)
    pdf.facts(
        document,
        [
            pdf.Line(_("Số"), c.number),
            pdf.Line(_("Sản phẩm"), c.product_name),
            pdf.Line(_("Mã sản phẩm"), c.product_code or "—"),
            pdf.Line(_("Chủ thể"), c.producer_org),
            pdf.Line(
                _("Địa bàn"), f"{rt.unit_name(dossier.commune_code)}, {rt.unit_name(dossier.province_code)}"
            ),
            pdf.Line(_("Hạng"), _("%(n)d sao", n=c.stars)),
            pdf.Line(_("Ngày cấp"), c.issued_on.strftime("%d/%m/%Y")),
            pdf.Line(_("Hết hạn"), c.expires_on.strftime("%d/%m/%Y")),
        ],
    )
    document.ln(8)
    top = document.get_y()
    pdf.qr(document, address, (document.w - QR_MM) / 2, top, QR_MM)
    document.set_y(top + QR_MM + 4)
    pdf.paragraph(
        document,
        _(
            "Quét mã QR để kiểm tra giấy chứng nhận: mã mang chữ ký số của hệ thống, cho biết giấy là thật và còn hiệu lực."
        ),
        size=10,
        align="C",
    )
    pdf.paragraph(document, address, size=7, align="C")
    body = pdf.output(document)
    filename = "ocop-" + "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in c.number) + ".pdf"
    return Response(
        body,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
