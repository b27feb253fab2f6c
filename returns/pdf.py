"""WeasyPrint documents of returns: the customer's return label."""

from __future__ import annotations

import base64
import io

import barcode
from barcode.writer import SVGWriter
from django.template.loader import render_to_string

from core.pdf import render_pdf
from returns.models import ReturnAuthorization
from shipping.document_store import DocumentKind


def code128_data_uri(value: str) -> str:
    """A Code 128 barcode of the value as an SVG data URI (scanners at the returns desk read it)."""
    out = io.BytesIO()
    barcode.Code128(value, writer=SVGWriter()).write(
        out, options={"write_text": False, "module_height": 14, "module_width": 0.3, "quiet_zone": 2}
    )
    return "data:image/svg+xml;base64," + base64.b64encode(out.getvalue()).decode()


def return_label_pdf(*, rma) -> bytes:
    """Render the return label of a return: from the customer, to the returns area, RMA and tracking barcodes."""
    warehouse = rma.warehouse
    context = {
        "rma": rma,
        "order": rma.order,
        "warehouse": warehouse,
        "rma_barcode": code128_data_uri(rma.number),
        "tracking_barcode": code128_data_uri(rma.label_tracking_number) if rma.label_tracking_number else "",
        "lines": list(rma.lines.select_related("product")),
    }
    # core.pdf's renderer: the customer's name and address must not make WeasyPrint fetch anything.
    return render_pdf(render_to_string("returns/pdf/return_label.html", context))


RETURN_LABEL = DocumentKind(
    model=ReturnAuthorization, field="label_pdf", render=lambda rma: return_label_pdf(rma=rma),
    filename=lambda rma: f"return-label-{rma.number}.pdf",
    load=lambda pk: ReturnAuthorization.objects.select_related("order", "client", "warehouse").get(pk=pk),
)
