"""The invoice as a PDF (WeasyPrint, through core.pdf) and its detail as CSV: one row per event per line."""

from __future__ import annotations

import csv
import io
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count
from django.template.loader import render_to_string

from billing.choices import LineCategory
from billing.models import Invoice, InvoiceLine
from billing.pricing import storage_charges
from billing.selectors import invoice_detail_rows
from core.pdf import render_pdf
from warehouses.models import Warehouse


def invoice_warehouse(invoice: Invoice) -> Warehouse | None:
    """The warehouse that issues the invoice: the client's preferred one, else the one that did most of its work."""
    if invoice.client.preferred_warehouse_id:
        return invoice.client.preferred_warehouse
    busiest = (InvoiceLine.events.through.objects.filter(line__invoice=invoice, event__warehouse__isnull=False)
               .values("event__warehouse").annotate(n=Count("pk")).order_by("-n", "event__warehouse").first())
    if busiest is not None:
        return Warehouse.objects.get(pk=busiest["event__warehouse"])
    return Warehouse.objects.filter(is_active=True).order_by("code").first()


def invoice_pdf(*, invoice: Invoice) -> bytes:
    """Render the invoice: issuer and client, period, lines by category, late work, total, in its currency."""
    lines = list(invoice.lines.order_by("position"))
    context = {"invoice": invoice, "client": invoice.client, "warehouse": invoice_warehouse(invoice),
               "lines": [line for line in lines if not line.late], "late_lines": [line for line in lines if line.late]}
    return render_pdf(render_to_string("billing/pdf/invoice.html", context))


CSV_HEADER = ["line", "line_description", "line_amount", "event_id", "kind", "sign", "date", "cause", "cause_id",
              "order_id", "units", "skus", "boxes", "cartons", "minutes", "restocked", "disposed", "quantity", "cost",
              "service_code", "note"]


def invoice_csv(*, invoice: Invoice) -> str:
    """Every event behind every line of the invoice, then every night's snapshot behind each storage line (its
    chargeable quantity in the rate's unit, and the daily price in the cost column), so the client can recompute
    each line."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_HEADER)
    for row in invoice_detail_rows(invoice=invoice).iterator(chunk_size=2000):
        writer.writerow([row["invoice_lines__position"], row["invoice_lines__description"],
                         row["invoice_lines__amount"], row["pk"], row["kind"], row["sign"], row["event_date"],
                         row["source"], row["source_id"], row["order_id"] or "", row["units"], row["skus"],
                         row["boxes"], row["cartons"], row["minutes"], row["restocked"], row["disposed"],
                         row["quantity"], row["cost"], row["service_code"], _safe(row["note"])])
    storage_lines = {line.description: line for line in invoice.lines.filter(category=LineCategory.STORAGE)}
    if storage_lines:
        for charge in storage_charges(client=invoice.client, start=invoice.period_start, end=invoice.period_end):
            line = storage_lines.get(charge.description)
            if line is None:
                continue
            snapshot = charge.snapshot
            writer.writerow([line.position, line.description, line.amount, "", "storage", 1, snapshot.snapshot_date,
                             "billing.storagesnapshot", snapshot.pk, "", snapshot.units, "", "", "", "", "", "",
                             charge.quantity.quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP),
                             charge.per_day.quantize(Decimal("0.000001"), rounding=ROUND_HALF_UP), "",
                             f"{snapshot.bins} bins, {snapshot.volume_cm3} cm3, {charge.free_units} units free"])
    return out.getvalue()


def _safe(text: str) -> str:
    """Keep a note from being read as a formula by a spreadsheet."""
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text
