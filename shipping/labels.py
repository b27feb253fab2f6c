"""Shipping labels: a 4 × 6 in PDF (WeasyPrint, tracking number as Code 128) and the same label as ZPL II
for thermal printers (203 dpi: 812 × 1218 dots)."""

from __future__ import annotations

import io
import re
from decimal import Decimal

from django.utils import timezone
from pypdf import PdfWriter

from core.barcodes import code128_svg
from core.pdf import render_pdf
from core.rendering import render_for_outside
from shipping.cartonization import GRAMS_PER_LB
from shipping.document_store import DocumentKind, document_bytes, document_ensure
from shipping.models import Package

DOTS_PER_INCH = 203



def label_context(package: Package) -> dict:
    shipment = package.shipment
    order = shipment.order
    warehouse = shipment.warehouse
    total = shipment.packages.count()
    service = shipment.service
    return {
        "package": package,
        "shipment": shipment,
        "order": order,
        "warehouse": warehouse,
        "service_name": str(service.name if service else "—").upper(),
        "carrier_name": service.carrier.name if service else "",
        "package_count": total,
        "weight_lb": (Decimal(package.weight_g) / Decimal(str(GRAMS_PER_LB))).quantize(Decimal("0.1")),
        "ship_from": [warehouse.name, warehouse.address_line1, warehouse.address_line2,
                      f"{warehouse.city}, {warehouse.state} {warehouse.postal_code}"],
        "ship_to": order.ship_to_lines,
        "barcode": code128_svg(package.tracking_number, height_mm=22, module_mm=0.38) if package.tracking_number
        else "",
        "tracking_spaced": " ".join(re.findall(".{1,4}", package.tracking_number)),
        "printed_at": timezone.now(),
    }


def label_html(package: Package) -> str:
    return render_for_outside("shipping/label.html", label_context(package))


def label_pdf(package: Package) -> bytes:
    """Render one 4 × 6 in label."""
    return render_pdf(label_html(package))


def labels_pdf(packages: list[Package]) -> bytes:
    """Render many labels as one PDF, one label a page, in the order given (the hand-over order)."""
    return render_pdf([label_html(p) for p in packages])


def _zpl_text(value: str) -> str:
    # ^ and ~ start ZPL commands; a customer's address must not inject any.
    return re.sub(r"[\^~\\]", " ", value or "")[:60]


def label_zpl(package: Package) -> str:
    """Return the label as ZPL II for a 4 × 6 in thermal label at 203 dpi."""
    ctx = label_context(package)
    lines = ["^XA", "^CI28", f"^PW{4 * DOTS_PER_INCH}", f"^LL{6 * DOTS_PER_INCH}", "^LH0,0"]
    y = 30
    lines.append(f"^FO30,{y}^A0N,24,24^FDFROM:^FS")
    for text in [t for t in ctx["ship_from"] if t]:
        y += 28
        lines.append(f"^FO30,{y}^A0N,24,24^FD{_zpl_text(text)}^FS")
    y += 50
    lines.append(f"^FO20,{y}^GB772,3,3^FS")
    y += 20
    lines.append(f"^FO30,{y}^A0N,28,28^FDSHIP TO:^FS")
    for text in ctx["ship_to"]:
        y += 40
        lines.append(f"^FO60,{y}^A0N,36,36^FD{_zpl_text(text).upper()}^FS")
    y += 60
    lines.append(f"^FO20,{y}^GB772,3,3^FS")
    y += 20
    lines.append(f"^FO30,{y}^A0N,56,56^FD{_zpl_text(ctx['service_name'])}^FS")
    y += 70
    lines.append(f"^FO30,{y}^A0N,30,30^FDWT: {ctx['weight_lb']} LB   PKG {package.number} OF "
                 f"{ctx['package_count']}   ORDER {_zpl_text(ctx['order'].order_number)}^FS")
    y += 50
    lines.append(f"^FO20,{y}^GB772,3,3^FS")
    y += 40
    lines.append(f"^FO60,{y}^BY3,3,200^BCN,200,N,N,N^FD{_zpl_text(package.tracking_number)}^FS")
    y += 230
    lines.append(f"^FO60,{y}^A0N,34,34^FDTRACKING #: {_zpl_text(ctx['tracking_spaced'])}^FS")
    lines.append("^XZ")
    return "\n".join(lines) + "\n"


LABEL_PDF = DocumentKind(
    model=Package, field="label_pdf", render=label_pdf,
    filename=lambda package: f"label-{package.tracking_number or package.pk}.pdf",
    load=lambda pk: Package.objects.select_related(
        "shipment__order", "shipment__warehouse", "shipment__service__carrier").get(pk=pk),
)


def package_label_store(*, package: Package) -> Package:
    """Render and store the PDF label of a package unless it is stored already, and its ZPL if missing.
    Raises Package.DoesNotExist."""
    package = document_ensure(LABEL_PDF, package.pk)
    if not package.label_zpl:
        package.label_zpl = label_zpl(package)
        Package.objects.filter(pk=package.pk).update(label_zpl=package.label_zpl)
    return package


def package_label_zpl(*, package: Package) -> str:
    """The package's ZPL label, rendered and stored now if the label task has not yet."""
    if not package.label_zpl:
        package.label_zpl = label_zpl(Package.objects.select_related(
            "shipment__order", "shipment__warehouse", "shipment__service__carrier").get(pk=package.pk))
        Package.objects.filter(pk=package.pk, label_zpl="").update(label_zpl=package.label_zpl)
    return package.label_zpl


def stored_labels_pdf(packages: list[Package]) -> bytes:
    """The stored labels of many packages as one PDF, in the order given: the same files as printed one by one,
    each rendered only if it never was."""
    writer = PdfWriter()
    for package in packages:
        writer.append(io.BytesIO(document_bytes(LABEL_PDF, package.pk)))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
