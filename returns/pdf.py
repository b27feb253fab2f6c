"""WeasyPrint documents of returns: the customer's return label."""

from __future__ import annotations

import base64
import io

import barcode
from barcode.writer import SVGWriter
from django.template.loader import render_to_string


def code128_data_uri(value: str) -> str:
    """A Code 128 barcode of the value as an SVG data URI (scanners at the returns desk read it)."""
    out = io.BytesIO()
    barcode.Code128(value, writer=SVGWriter()).write(
        out, options={"write_text": False, "module_height": 14, "module_width": 0.3, "quiet_zone": 2}
    )
    return "data:image/svg+xml;base64," + base64.b64encode(out.getvalue()).decode()


def return_label_pdf(*, rma) -> bytes:
    """Render the return label of a return: from the customer, to the returns area, RMA and tracking barcodes."""
    from weasyprint import HTML

    warehouse = rma.warehouse
    context = {
        "rma": rma,
        "order": rma.order,
        "warehouse": warehouse,
        "rma_barcode": code128_data_uri(rma.number),
        "tracking_barcode": code128_data_uri(rma.label_tracking_number) if rma.label_tracking_number else "",
        "lines": list(rma.lines.select_related("product")),
    }
    return HTML(string=render_to_string("returns/pdf/return_label.html", context)).write_pdf()
