"""Invoices: draft, rebuild, finalise. Lines come from billing.pricing; nothing here prices anything."""

from __future__ import annotations

import calendar
import datetime

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from billing.choices import INVOICE_TRANSITIONS, InvoiceStatus
from billing.exceptions import BillingError, InvalidInvoiceTransition
from billing.locks import invoice_counter_lock, invoice_lock
from billing.models import (
    Invoice,
    InvoiceLine,
    InvoiceLineEvent,
    PriceList,
    ServiceRate,
    ShippingMarkup,
    StorageRate,
)
from billing.pricing import billable_events, invoice_lines_compute
from core.transitions import status_transition, user_or_none
from inventory.models import Client

NUMBER_FORMAT = "INV-{:06d}"


def month_period(day: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The calendar month holding `day`, as (first day, last day)."""
    return day.replace(day=1), day.replace(day=calendar.monthrange(day.year, day.month)[1])


def previous_month(today: datetime.date) -> tuple[datetime.date, datetime.date]:
    return month_period(today.replace(day=1) - datetime.timedelta(days=1))


def _check_period(client: Client, start: datetime.date, end: datetime.date, *, exclude: int | None = None) -> None:
    if end < start:
        raise BillingError("The period must end on or after its first day.", field="period_end")
    if (end - start).days > 366:
        raise BillingError("An invoice covers at most a year.", field="period_end")
    overlapping = Invoice.objects.filter(client=client, status=InvoiceStatus.FINAL, period_start__lte=end,
                                         period_end__gte=start).exclude(pk=exclude).first()
    if overlapping is not None:
        raise BillingError(f"Invoice {overlapping.number} already covers part of this period.", field="period_start")


def _lines_write(invoice: Invoice) -> None:
    """Replace the draft's lines with freshly computed ones, each linked to its events (in SQL)."""
    InvoiceLine.objects.filter(invoice=invoice).delete()
    specs = invoice_lines_compute(client=invoice.client, start=invoice.period_start, end=invoice.period_end)
    lines = InvoiceLine.objects.bulk_create([
        InvoiceLine(invoice=invoice, position=i, category=s.category, description=s.description[:255],
                    quantity=s.quantity, unit_price=s.unit_price, amount=s.amount, late=s.late,
                    price_list_id=s.price_list_id)
        for i, s in enumerate(specs, start=1)])
    events = billable_events(client=invoice.client, start=invoice.period_start, end=invoice.period_end)
    table = InvoiceLineEvent._meta.db_table
    with connection.cursor() as cursor:
        for line, spec in zip(lines, specs, strict=True):
            if spec.events is None:
                continue
            sql, params = events.filter(spec.events).values("pk").query.sql_with_params()
            # values("pk") selects the id as "pk"
            cursor.execute(f"INSERT INTO {table} (line_id, event_id) SELECT %s, linked.pk FROM ({sql}) linked",  # noqa: S608 - our own query
                           [line.pk, *params])
    invoice.subtotal = sum((s.amount for s in specs), start=invoice.subtotal * 0)
    invoice.total = invoice.subtotal
    invoice.built_at = timezone.now()
    invoice.save(update_fields=["subtotal", "total", "built_at", "updated_at"])


def invoice_draft(*, client: Client, period_start: datetime.date | None = None,
                  period_end: datetime.date | None = None, user=None) -> Invoice:
    """Build (or rebuild) the client's draft for a period, last month by default.

    Raises BillingError for a bad period or one a finalised invoice already covers.
    """
    if period_start is None:
        period_start, default_end = previous_month(timezone.localdate())
        period_end = period_end or default_end
    elif period_end is None:
        period_end = month_period(period_start)[1]
    _check_period(client, period_start, period_end)
    with transaction.atomic():
        try:
            with transaction.atomic():
                invoice, _ = Invoice.objects.get_or_create(
                    client=client, period_start=period_start, period_end=period_end, status=InvoiceStatus.DRAFT,
                    defaults={"currency": client.currency, "created_by": user_or_none(user)})
        except IntegrityError:  # another request made it a moment ago
            invoice = Invoice.objects.get(client=client, period_start=period_start, period_end=period_end,
                                          status=InvoiceStatus.DRAFT)
        locked = invoice_lock(invoice.pk)
        _lines_write(locked)
    return locked


def invoice_rebuild(*, invoice: Invoice, user=None) -> Invoice:
    """Compute a draft's lines again from the events and prices as they are now.

    Raises InvalidInvoiceTransition when it is finalised.
    """
    with transaction.atomic():
        locked = invoice_lock(invoice.pk)
        if not locked.is_draft:
            raise InvalidInvoiceTransition(f"Invoice {locked.number} is finalised; it cannot change.")
        _lines_write(locked)
    return locked


def invoice_finalise(*, invoice: Invoice, user=None) -> Invoice:
    """Rebuild the draft a last time, lock it and give it the next number of the gap-free sequence.

    Finalisations queue on the counter row, so two at once get consecutive numbers and the same invoice
    finalised twice at once gets one. Raises InvalidInvoiceTransition when it is finalised already,
    BillingError when a finalised invoice covers part of its period.
    """
    with transaction.atomic():
        counter = invoice_counter_lock()
        locked = invoice_lock(invoice.pk)
        if not locked.can_finalise:
            raise InvalidInvoiceTransition(f"Invoice {locked.number} is finalised already.")
        _check_period(locked.client, locked.period_start, locked.period_end, exclude=locked.pk)
        _lines_write(locked)
        counter.last_number += 1
        counter.save(update_fields=["last_number"])
        status_transition(instance=locked, lock=None, to_status=InvoiceStatus.FINAL, transitions=INVOICE_TRANSITIONS,
                          user=user, note=f"Finalised at {locked.total} {locked.currency}",
                          stamps={InvoiceStatus.FINAL: "finalised_at"},
                          fields={"number": NUMBER_FORMAT.format(counter.last_number),
                                  "finalised_by": user_or_none(user)},
                          error=InvalidInvoiceTransition)
    return locked


def _settled_by(client: Client, day: datetime.date) -> Invoice | None:
    """The last finalised invoice of the client that reaches `day` or later: prices from then on are settled."""
    return (Invoice.objects.filter(client=client, status=InvoiceStatus.FINAL, period_end__gte=day)
            .order_by("-period_end").first())


def price_list_create(*, client: Client, effective_from: datetime.date, user=None, **prices) -> PriceList:
    """Start a new price list for a client on a date, beginning from the rates of the list in force then
    (storage, carrier markups, value-added services), with `prices` changed.

    Raises BillingError when a finalised invoice already covers that date (its prices are settled) or the client
    has a list starting that day.
    """
    settled = _settled_by(client, effective_from)
    if settled is not None:
        raise BillingError(f"Invoice {settled.number} is finalised up to {settled.period_end:%Y-%m-%d}; a new "
                           "price list must start after it.", field="effective_from")
    if PriceList.objects.filter(client=client, effective_from=effective_from).exists():
        raise BillingError("The client already has a price list starting that day.", field="effective_from")
    previous = (PriceList.objects.filter(client=client, effective_from__lt=effective_from)
                .order_by("-effective_from").first())
    with transaction.atomic():
        created = PriceList(client=client, effective_from=effective_from, created_by=user_or_none(user))
        if previous is not None:
            for field in PriceList._meta.concrete_fields:
                if field.name not in {"id", "client", "effective_from", "created_by", "created_at", "updated_at",
                                      "note"}:
                    setattr(created, field.attname, getattr(previous, field.attname))
        for name, value in prices.items():
            setattr(created, name, value)
        created.full_clean()
        created.save()
        if previous is not None:
            StorageRate.objects.bulk_create([
                StorageRate(price_list=created, location_kind=r.location_kind, unit=r.unit, period=r.period,
                            price=r.price) for r in previous.storage_rates.all()])
            ShippingMarkup.objects.bulk_create([
                ShippingMarkup(price_list=created, carrier_id=r.carrier_id, service_id=r.service_id,
                               markup_pct=r.markup_pct, markup_fixed=r.markup_fixed)
                for r in previous.shipping_markups.all()])
            ServiceRate.objects.bulk_create([
                ServiceRate(price_list=created, code=r.code, name=r.name, price=r.price)
                for r in previous.service_rates.all()])
    return created


def price_list_rates_settled_by(price_list: PriceList) -> Invoice | None:
    """The finalised invoice that was (or may have been) priced with this list: its rates are settled then."""
    return _settled_by(price_list.client, price_list.effective_from)


def _rates_editable(price_list: PriceList) -> PriceList:
    """Lock the price list; raise BillingError when a finalised invoice was priced with it."""
    locked = PriceList.objects.select_for_update().get(pk=price_list.pk)
    settled = price_list_rates_settled_by(locked)
    if settled is not None:
        raise BillingError(f"Invoice {settled.number} was finalised with these prices; start a new price list to "
                           "change them.")
    return locked


@transaction.atomic
def storage_rate_set(*, price_list: PriceList, location_kind: str, unit: str, period: str, price) -> StorageRate:
    """Set how a kind of location is charged (one rate per kind). Raises BillingError once the list is settled."""
    locked = _rates_editable(price_list)
    rate, _ = StorageRate.objects.update_or_create(price_list=locked, location_kind=location_kind,
                                                   defaults={"unit": unit, "period": period, "price": price})
    return rate


@transaction.atomic
def shipping_markup_set(*, price_list: PriceList, carrier, service=None, markup_pct, markup_fixed) -> ShippingMarkup:
    """Set a carrier's (or one of its services') own label markup. Raises BillingError once the list is settled
    or when the service is not the carrier's."""
    if service is not None and service.carrier_id != carrier.pk:
        raise BillingError(f"{service} is not a service of {carrier}.", field="service")
    locked = _rates_editable(price_list)
    markup, _ = ShippingMarkup.objects.update_or_create(
        price_list=locked, carrier=carrier, service=service,
        defaults={"markup_pct": markup_pct, "markup_fixed": markup_fixed})
    return markup


@transaction.atomic
def service_rate_set(*, price_list: PriceList, code: str, name: str, price) -> ServiceRate:
    """Set the price of a value-added service by its code. Raises BillingError once the list is settled."""
    locked = _rates_editable(price_list)
    rate, _ = ServiceRate.objects.update_or_create(price_list=locked, code=code.strip().lower(),
                                                   defaults={"name": name.strip(), "price": price})
    return rate


RATE_MODELS = {"storage": StorageRate, "markup": ShippingMarkup, "service": ServiceRate}


@transaction.atomic
def price_list_rate_remove(*, price_list: PriceList, kind: str, rate_id: int) -> None:
    """Remove one storage rate, carrier markup or service price of a list not yet settled."""
    locked = _rates_editable(price_list)
    RATE_MODELS[kind].objects.filter(price_list=locked, pk=rate_id).delete()
