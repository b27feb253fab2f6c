"""Packing slips (one per order, with the client's name and logo), end-of-day manifests and commercial invoices
(shipments that leave the country), as PDFs. They leave the building, so they are written in the site's language,
whatever language the user who prints them reads the pages in."""

from __future__ import annotations

import base64
import mimetypes
from decimal import Decimal

from django.db.models import Prefetch
from django.utils import timezone

from core.barcodes import code128_svg
from core.pdf import render_pdf
from core.rendering import render_for_outside
from inventory.models import Product
from shipping.carriers.easypost import CustomsLine, customs_missing, is_international
from shipping.cartonization import GRAMS_PER_LB
from shipping.document_store import DocumentKind, document_ensure
from shipping.exceptions import PackingError
from shipping.models import ClientShippingProfile, Manifest, Package, PackageItem, Shipment
from shipping.signals import packing_slip_sections

LOGO_MAX_BYTES = 512 * 1024


def client_logo_data_url(client) -> str:
    """The client's logo as an inline data: URL (documents never fetch files), or '' when it has none."""
    profile = ClientShippingProfile.objects.filter(client=client).first()
    if profile is None or not profile.logo:
        return ""
    mime_type = mimetypes.guess_type(profile.logo.name)[0] or ""
    if mime_type not in {"image/png", "image/jpeg", "image/svg+xml", "image/gif"}:
        return ""
    try:
        with profile.logo.open("rb") as handle:
            data = handle.read(LOGO_MAX_BYTES + 1)
    except OSError:
        return ""
    if len(data) > LOGO_MAX_BYTES:
        return ""
    return f"data:{mime_type};base64,{base64.b64encode(data).decode()}"


def packing_slip_html(shipment: Shipment) -> str:
    shipment = (Shipment.objects.select_related("order", "order__client", "warehouse", "service__carrier")
                .prefetch_related(Prefetch("packages", queryset=Package.objects.select_related("box_type")
                                           .prefetch_related(Prefetch("items", queryset=PackageItem.objects
                                                                      .select_related("product")))))
                .get(pk=shipment.pk))
    order = shipment.order
    profile = ClientShippingProfile.objects.filter(client=order.client).first()
    context = {
        "shipment": shipment,
        "order": order,
        "lines": order.lines.select_related("product").order_by("pk"),
        "logo": client_logo_data_url(order.client),
        "message": profile.packing_slip_message if profile else "",
        "sections": [section for _, section in packing_slip_sections.send(sender=Shipment, order=order) if section],
        "barcode": code128_svg(order.order_number, height_mm=10),
        "printed_at": timezone.now(),
    }
    return render_for_outside("shipping/packing_slip.html", context)


def packing_slip_pdf(shipment: Shipment) -> bytes:
    return render_pdf(packing_slip_html(shipment))


def _shipment_number(shipment: Shipment) -> str:
    return shipment.order.order_number.strip("#").replace("/", "-")


PACKING_SLIP = DocumentKind(
    model=Shipment, field="packing_slip_pdf", render=packing_slip_pdf,
    filename=lambda shipment: f"packing-slip-{_shipment_number(shipment)}.pdf",
    load=lambda pk: Shipment.objects.select_related("order").get(pk=pk),
)


def packing_slip_store(*, shipment: Shipment) -> Shipment:
    """Render and store the packing slip PDF of a labelled shipment, unless it is stored already.
    Raises Shipment.DoesNotExist."""
    return document_ensure(PACKING_SLIP, shipment.pk)


def manifest_html(manifest: Manifest) -> str:
    packages = (manifest.packages.select_related("shipment__order", "shipment__service", "box_type")
                .order_by("handed_over_at", "pk"))
    packages = list(packages)
    for package in packages:
        package.weight_lb = (Decimal(package.weight_g) / Decimal(str(GRAMS_PER_LB))).quantize(Decimal("0.1"))
    total_weight_g = sum(p.weight_g for p in packages)
    return render_for_outside("shipping/manifest.html", {
        "manifest": manifest, "packages": packages, "total_weight_kg": total_weight_g / 1000,
        "total_weight_lb": (Decimal(total_weight_g) / Decimal(str(GRAMS_PER_LB))).quantize(Decimal("0.1")),
        "printed_at": timezone.now(),
    })


def manifest_pdf(manifest: Manifest) -> bytes:
    return render_pdf(manifest_html(manifest))


MANIFEST_PDF = DocumentKind(
    model=Manifest, field="pdf", render=manifest_pdf,
    filename=lambda m: f"manifest-{m.carrier.code}-{m.warehouse.code}-{m.manifest_date}.pdf",
    load=lambda pk: Manifest.objects.select_related("carrier", "warehouse").get(pk=pk),
)


def manifest_pdf_store(*, manifest: Manifest) -> Manifest:
    """Render and store the PDF of a closed manifest, unless it is stored already. Raises Manifest.DoesNotExist."""
    return document_ensure(MANIFEST_PDF, manifest.pk)


def commercial_invoice_lines(shipment: Shipment) -> list[dict]:
    """What the shipment carries, per product, with its customs data: the packed items, or the order's lines
    before packing."""
    counts: dict[int, int] = {}
    items = PackageItem.objects.filter(package__shipment=shipment).values_list("product_id", "quantity")
    if not items:
        items = shipment.order.lines.filter(product__isnull=False).values_list("product_id", "quantity")
    for product_id, quantity in items:
        counts[product_id] = counts.get(product_id, 0) + quantity
    products = Product.objects.in_bulk(list(counts))
    lines = []
    for product_id, quantity in sorted(counts.items(), key=lambda pair: products[pair[0]].sku):
        product = products[product_id]
        unit = product.declared_value
        lines.append({"product": product, "quantity": quantity, "unit_value": unit,
                      "value": (unit * quantity).quantize(Decimal("0.01")), "currency": product.currency,
                      "weight_kg": Decimal(product.weight_g * quantity) / 1000})
    return lines


def commercial_invoice_html(shipment: Shipment) -> str:
    """The commercial invoice customs need for a shipment that leaves the country. Raises PackingError for one
    that does not."""
    shipment = Shipment.objects.select_related("order__client", "warehouse", "service__carrier").get(pk=shipment.pk)
    order = shipment.order
    if not is_international(order, shipment.warehouse):
        raise PackingError(f"Order {order.order_number} stays in {shipment.warehouse.country}; it needs no "
                           "commercial invoice.")
    lines = commercial_invoice_lines(shipment)
    totals: dict[str, Decimal] = {}
    for line in lines:
        totals[line["currency"]] = totals.get(line["currency"], Decimal("0")) + line["value"]
    packages = list(shipment.packages.order_by("number"))
    account = next((p.gateway_account for p in packages if p.gateway_account_id), None)
    warehouse = shipment.warehouse
    context = {
        "shipment": shipment, "order": order, "warehouse": warehouse, "lines": lines,
        "totals": sorted(totals.items()), "packages": packages,
        "gross_weight_kg": Decimal(sum(p.weight_g for p in packages)) / 1000 if packages else None,
        "missing": customs_missing([CustomsLine(line["product"], line["quantity"]) for line in lines]),
        "signer": account.customs_signer if account else "",
        "exporter": [order.client.name, f"c/o {warehouse.name}", warehouse.address_line1, warehouse.address_line2,
                     f"{warehouse.city}, {warehouse.state} {warehouse.postal_code}".strip(), warehouse.country],
        "printed_at": timezone.now(),
    }
    return render_for_outside("shipping/commercial_invoice.html", context)


def commercial_invoice_pdf(shipment: Shipment) -> bytes:
    return render_pdf(commercial_invoice_html(shipment))
