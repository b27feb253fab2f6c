"""Reads of billing, scoped to the user: managers see every client, client users only their own, and only
finalised invoices (a draft is the warehouse's work in progress)."""

from __future__ import annotations

import datetime

from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from billing.choices import EventKind, InvoiceStatus
from billing.models import BillableEvent, Invoice, InvoiceLine, PriceList, ServiceRate
from billing.pricing import LineSpec, invoice_lines_compute
from core.access import restrict, user_access
from inventory.models import Client


def price_list_list(*, user) -> QuerySet[PriceList]:
    """Return the price lists the user may see, newest first per client."""
    return restrict(PriceList.objects.select_related("client"), user, client="client", warehouse=None)


def billable_event_list(*, user) -> QuerySet[BillableEvent]:
    """Return the billable events the user may see."""
    return restrict(BillableEvent.objects.select_related("client", "carrier", "service", "warehouse"), user,
                    client="client", warehouse=None)


def invoice_list(*, user) -> QuerySet[Invoice]:
    """Return the invoices the user may see: a client user only its finalised ones."""
    invoices = restrict(Invoice.objects.select_related("client"), user, client="client", warehouse=None)
    if not user_access(user).is_manager:
        invoices = invoices.filter(status=InvoiceStatus.FINAL)
    return invoices


def invoice_get(*, user, pk: int) -> Invoice:
    """Return one invoice the user may see. Raises Invoice.DoesNotExist otherwise."""
    return invoice_list(user=user).get(pk=pk)


def invoice_lines(*, invoice: Invoice) -> QuerySet[InvoiceLine]:
    return invoice.lines.select_related("price_list").order_by("position")


def invoice_detail_rows(*, invoice: Invoice) -> QuerySet:
    """Every event behind every line, for the CSV export: one row per (line, event)."""
    return (BillableEvent.objects.filter(invoice_lines__invoice=invoice)
            .select_related("carrier", "service")
            .values("invoice_lines__position", "invoice_lines__description", "invoice_lines__amount", "pk", "kind",
                    "sign", "event_date", "source", "source_id", "order_id", "units", "skus", "boxes", "cartons",
                    "minutes", "restocked", "disposed", "quantity", "cost", "service_code", "note")
            .order_by("invoice_lines__position", "event_date", "pk"))


def client_list(*, user) -> QuerySet[Client]:
    return restrict(Client.objects.filter(is_active=True), user, client="pk", warehouse=None).order_by("name")


def unbilled_event_list(*, user) -> QuerySet[BillableEvent]:
    """Return the events no price covers: dated before the client's first price list, or a value-added service
    the list in force does not price. Those already on a finalised invoice are not listed."""
    in_force = (PriceList.objects.filter(client=OuterRef("client"), effective_from__lte=OuterRef("event_date"))
                .order_by("-effective_from").values("pk")[:1])
    priced_service = ServiceRate.objects.filter(price_list=OuterRef("price_list_id"), code=OuterRef("service_code"))
    on_final = BillableEvent.invoice_lines.through.objects.filter(event=OuterRef("pk"),
                                                                  line__invoice__status=InvoiceStatus.FINAL)
    return (billable_event_list(user=user)
            .annotate(price_list_id=Subquery(in_force))
            .filter(~Exists(on_final))
            .filter(Q(price_list_id__isnull=True) | Q(kind=EventKind.VAS) & ~Exists(priced_service))
            .order_by("client__name", "-event_date", "-pk"))


def month_estimate(*, client: Client, today: datetime.date | None = None) -> tuple[datetime.date, datetime.date,
                                                                                    list[LineSpec]]:
    """Price the work of the current month so far (nothing is saved): (first day, today, lines)."""
    today = today or timezone.localdate()
    start = today.replace(day=1)
    return start, today, invoice_lines_compute(client=client, start=start, end=today)
