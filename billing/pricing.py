"""What an invoice says: its lines, computed from billable events and storage snapshots with the price list in
force on each one's date.

The events are summed in the database, one query for all of them grouped by kind, price list and the few keys
that change a price (carrier and service, value-added service code, labour minutes), so the work does not grow
with the number of orders. Each line is rounded half up to the cent; the invoice total is the sum of its lines.
"""

from __future__ import annotations

import calendar
import datetime
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import (
    BigIntegerField,
    BooleanField,
    Case,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Greatest

from billing.choices import EventKind, InvoiceStatus, LineCategory, PackagingMode, StoragePeriod, StorageUnit
from billing.models import BillableEvent, Invoice, InvoiceLineEvent, PriceList, StorageSnapshot
from inventory.models import Client
from shipping.models import Carrier, CarrierService
from warehouses.choices import LocationKind

CENT = Decimal("0.01")
HUNDRED = Decimal(100)
CM3_PER_CUBIC_FOOT = Decimal("28316.846592")


def cents(value: Decimal) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass
class LineSpec:
    """One line to be: what it charges, and which events it links to (a filter on the priced events)."""

    category: str
    description: str
    quantity: Decimal
    unit_price: Decimal
    amount: Decimal
    late: bool = False
    price_list_id: int | None = None
    events: Q | None = None
    sort_key: tuple = field(default_factory=tuple)


def _price_lists(client: Client) -> list[PriceList]:
    return list(PriceList.objects.filter(client=client)
                .prefetch_related("storage_rates", "shipping_markups", "service_rates")
                .order_by("effective_from"))


def price_list_on(price_lists: list[PriceList], day: datetime.date) -> PriceList | None:
    found = None
    for price_list in price_lists:  # sorted by effective_from
        if price_list.effective_from <= day:
            found = price_list
    return found


def billable_events(*, client: Client, start: datetime.date, end: datetime.date) -> QuerySet[BillableEvent]:
    """Return the client's events an invoice of start..end bills, each with its price list and late flag.

    Those dated in the period, and those dated earlier in a period whose invoice was finalised before they
    arrived (late); never one already on a finalised invoice. The price list in force (on the event's date, or
    for a reversal on the date of the charge it reverses) is a CASE over the client's few list dates, so pricing
    costs no lookup per event.
    """
    finalised = list(Invoice.objects.filter(client=client, status=InvoiceStatus.FINAL, period_start__lt=start)
                     .values_list("period_start", "period_end"))
    dates = Q(event_date__gte=start, event_date__lte=end)
    for period_start, period_end in finalised:
        dates |= Q(event_date__gte=period_start, event_date__lte=min(period_end, start - datetime.timedelta(days=1)))
    events = BillableEvent.objects.filter(client=client).filter(dates)
    if Invoice.objects.filter(client=client, status=InvoiceStatus.FINAL).exists():
        on_final = InvoiceLineEvent.objects.filter(event=OuterRef("pk"), line__invoice__status=InvoiceStatus.FINAL)
        events = events.filter(~Exists(on_final))
    lists = PriceList.objects.filter(client=client).order_by("-effective_from").values_list("pk", "effective_from")
    # A reversal is priced as the charge it cancels was, so that the two net to nothing across a price change.
    in_force = Case(*[When(priced_on__gte=day, then=Value(pk)) for pk, day in lists], default=Value(None),
                    output_field=BigIntegerField())
    return events.annotate(priced_on=Coalesce(F("reverses__event_date"), F("event_date"))).annotate(
                           price_list_id=in_force,
                           is_late=Case(When(event_date__lt=start, then=Value(True)), default=Value(False),
                                        output_field=BooleanField()))


def _signed(expression):
    return Sum(expression * F("sign"))


def _group_sums(events: QuerySet[BillableEvent]) -> list[dict]:
    return list(events.values("kind", "price_list_id", "is_late", "carrier_id", "service_id", "service_code",
                              "minutes")
                .annotate(sum_count=Sum("sign"), sum_units=_signed(F("units")),
                          sum_extra_units=_signed(Greatest(F("units") - 1, Value(0))),
                          sum_extra_skus=_signed(Greatest(F("skus") - 1, Value(0))),
                          sum_boxes=_signed(F("boxes")),
                          sum_extra_boxes=_signed(Greatest(F("boxes") - 1, Value(0))),
                          sum_cartons=_signed(F("cartons")), sum_restocked=_signed(F("restocked")),
                          sum_disposed=_signed(F("disposed")), sum_quantity=_signed(F("quantity")),
                          sum_cost=_signed(F("cost")))
                .order_by("kind", "price_list_id", "is_late", "carrier_id", "service_id", "service_code",
                          "minutes"))


class _Lines:
    def __init__(self):
        self.by_key: dict[tuple, LineSpec] = {}
        self.added = 0

    def add(self, key: tuple, *, category: str, description: str, quantity, unit_price: Decimal,
            price_list: PriceList, late: bool, events: Q, always: bool = False, exact=None) -> None:
        """Add quantity at a unit price to the line `key` (lines of one key and price add up)."""
        quantity = Decimal(quantity or 0)
        if not always and (quantity == 0 or unit_price == 0):
            return
        # Every line is linked to the events it is priced from, so the detail export recomputes each line.
        full_key = (late, price_list.pk, category, *key)
        line = self.by_key.get(full_key)
        exact = quantity * unit_price if exact is None else exact
        if line is None:
            self.added += 1  # lines keep the order they were first added in (groups come sorted)
            self.by_key[full_key] = LineSpec(
                category=category, description=description, quantity=quantity, unit_price=unit_price,
                amount=exact, late=late, price_list_id=price_list.pk, events=events, sort_key=(self.added,))
        else:
            line.quantity += quantity
            line.amount += exact
            if events is not None:
                line.events = line.events | events if line.events is not None else events


def _money(value: Decimal, currency: str) -> str:
    return f"{currency} {value:.2f}"


def _pct(value: Decimal) -> str:
    return f"{value.normalize():f}%"


def _markup(price_list: PriceList, carrier_id: int | None, service_id: int | None) -> tuple[Decimal, Decimal]:
    rows = list(price_list.shipping_markups.all())
    for row in rows:
        if service_id and row.service_id == service_id:
            return row.markup_pct, row.markup_fixed
    for row in rows:
        if carrier_id and row.carrier_id == carrier_id and row.service_id is None:
            return row.markup_pct, row.markup_fixed
    return price_list.shipping_markup_pct, price_list.shipping_markup_fixed


def _event_lines(lines: _Lines, groups: list[dict], price_lists: dict[int, PriceList], currency: str,
                 names: dict) -> None:
    for g in groups:
        price_list = price_lists.get(g["price_list_id"])
        if price_list is None:
            continue  # no price list yet on that date: unbilled work
        late = g["is_late"]
        base = Q(kind=g["kind"], price_list_id=price_list.pk, is_late=late)
        kind = g["kind"]
        if kind == EventKind.ORDER_SHIPPED:
            lines.add(("order",), category=LineCategory.FULFILMENT, description="Orders shipped",
                      quantity=g["sum_count"], unit_price=price_list.order_fee, price_list=price_list, late=late,
                      events=base, always=True)
            lines.add(("unit",), category=LineCategory.FULFILMENT, description="Extra units (after the first per order)",
                      quantity=g["sum_extra_units"], unit_price=price_list.extra_unit_fee, price_list=price_list,
                      late=late, events=base & Q(units__gt=1))
            lines.add(("sku",), category=LineCategory.FULFILMENT, description="Extra SKUs (after the first per order)",
                      quantity=g["sum_extra_skus"], unit_price=price_list.extra_sku_fee, price_list=price_list,
                      late=late, events=base & Q(skus__gt=1))
            lines.add(("box",), category=LineCategory.FULFILMENT,
                      description="Multi-box surcharge (boxes after the first per order)",
                      quantity=g["sum_extra_boxes"], unit_price=price_list.extra_box_fee, price_list=price_list,
                      late=late, events=base & Q(boxes__gt=1))
            if price_list.packaging_mode == PackagingMode.FIXED:
                lines.add(("packaging",), category=LineCategory.PACKAGING, description="Boxes at a fixed price",
                          quantity=g["sum_boxes"], unit_price=price_list.packaging_fixed_price, price_list=price_list,
                          late=late, events=base)
            else:
                factor = 1 + price_list.packaging_markup_pct / HUNDRED
                lines.add(("packaging",), category=LineCategory.PACKAGING,
                          description=f"Boxes at cost + {_pct(price_list.packaging_markup_pct)}",
                          quantity=g["sum_cost"], unit_price=factor, price_list=price_list, late=late, events=base)
        elif kind == EventKind.LABEL:
            pct, fixed = _markup(price_list, g["carrier_id"], g["service_id"])
            service = names["services"].get(g["service_id"]) or names["carriers"].get(g["carrier_id"]) or "carrier"
            events = base & Q(service_id=g["service_id"], carrier_id=g["carrier_id"])
            lines.add(("label", g["service_id"] or 0, "cost"), category=LineCategory.SHIPPING,
                      description=f"Labels, {service}: cost + {_pct(pct)}", quantity=g["sum_cost"],
                      unit_price=1 + pct / HUNDRED, price_list=price_list, late=late, events=events, always=True)
            lines.add(("label", g["service_id"] or 0, "fixed"), category=LineCategory.SHIPPING,
                      description=f"Labels, {service}: per label", quantity=g["sum_count"], unit_price=fixed,
                      price_list=price_list, late=late, events=events)
        elif kind == EventKind.RECEIPT:
            lines.add(("order",), category=LineCategory.RECEIVING, description="Receiving orders closed",
                      quantity=g["sum_count"], unit_price=price_list.receiving_order_fee, price_list=price_list,
                      late=late, events=base, always=True)
            lines.add(("unit",), category=LineCategory.RECEIVING, description="Units received",
                      quantity=g["sum_units"], unit_price=price_list.receiving_unit_fee, price_list=price_list,
                      late=late, events=base)
            lines.add(("carton",), category=LineCategory.RECEIVING, description="Cartons received",
                      quantity=g["sum_cartons"], unit_price=price_list.receiving_carton_fee, price_list=price_list,
                      late=late, events=base)
            over = max(g["minutes"] - price_list.receiving_free_minutes, 0) * g["sum_count"]
            hours = Decimal(over) / 60
            lines.add(("labour",), category=LineCategory.RECEIVING,
                      description=f"Receiving labour over {price_list.receiving_free_minutes} free minutes (hours)",
                      quantity=hours.quantize(Decimal("0.0001")), unit_price=price_list.receiving_hourly_rate,
                      price_list=price_list, late=late, exact=hours * price_list.receiving_hourly_rate,
                      events=base & Q(minutes=g["minutes"]))
        elif kind == EventKind.RETURN:
            lines.add(("return",), category=LineCategory.RETURNS, description="Returns processed",
                      quantity=g["sum_count"], unit_price=price_list.return_fee, price_list=price_list, late=late,
                      events=base, always=True)
            for key, label, measure, fee in (
                ("inspected", "Units inspected", "units", price_list.return_inspected_unit_fee),
                ("restocked", "Units restocked", "restocked", price_list.return_restocked_unit_fee),
                ("disposed", "Units disposed", "disposed", price_list.return_disposed_unit_fee),
            ):
                lines.add((key,), category=LineCategory.RETURNS, description=label, quantity=g[f"sum_{measure}"],
                          unit_price=fee, price_list=price_list, late=late, events=base & Q(**{f"{measure}__gt": 0}))
        elif kind == EventKind.VAS:
            rate = next((r for r in price_list.service_rates.all() if r.code == g["service_code"]), None)
            if rate is None:
                continue  # a service the price list does not price: unbilled work
            lines.add(("vas", rate.code), category=LineCategory.VAS, description=rate.name, quantity=g["sum_quantity"],
                      unit_price=rate.price, price_list=price_list, late=late,
                      events=base & Q(service_code=rate.code), always=True)


def storage_quantity(snapshot: StorageSnapshot, unit: str, free_units: int) -> Decimal:
    """The day's chargeable quantity of one snapshot row in the rate's unit (newly received units are free)."""
    chargeable = max(snapshot.units - free_units, 0)
    if unit == StorageUnit.UNIT:
        return Decimal(chargeable)
    if unit == StorageUnit.CUBIC_FOOT:
        if not snapshot.units:
            return Decimal(0)
        return Decimal(snapshot.volume_cm3) * chargeable / snapshot.units / CM3_PER_CUBIC_FOOT
    return Decimal(snapshot.bins if chargeable else 0)  # bins and pallet positions


@dataclass(frozen=True)
class StorageCharge:
    """What one night's snapshot row adds to a storage line."""

    snapshot: StorageSnapshot
    key: tuple
    description: str
    quantity: Decimal
    per_day: Decimal
    free_units: int
    price_list: PriceList


def storage_charges(*, client: Client, start: datetime.date, end: datetime.date,
                    price_lists: list[PriceList] | None = None) -> list[StorageCharge]:
    """Each snapshot row of start..end that a storage rate prices, with its chargeable quantity and daily price
    (the lines' detail: the invoice's storage lines are their sums)."""
    price_lists = _price_lists(client) if price_lists is None else price_lists
    longest_free = max((p.storage_free_days for p in price_lists), default=0)
    rows = list(StorageSnapshot.objects.filter(client=client, snapshot_date__gte=start - datetime.timedelta(days=longest_free),
                                               snapshot_date__lte=end).order_by("snapshot_date", "warehouse_id",
                                                                                  "location_kind"))
    received: dict[tuple, int] = {(r.snapshot_date, r.warehouse_id, r.location_kind): r.new_units for r in rows}
    kinds = dict(LocationKind.choices)
    units = dict(StorageUnit.choices)
    charges = []
    for row in rows:
        if row.snapshot_date < start:
            continue
        price_list = price_list_on(price_lists, row.snapshot_date)
        rate = next((r for r in price_list.storage_rates.all() if r.location_kind == row.location_kind),
                    None) if price_list else None
        if rate is None:
            continue
        free = sum(received.get((row.snapshot_date - datetime.timedelta(days=d), row.warehouse_id,
                                 row.location_kind), 0) for d in range(price_list.storage_free_days))
        quantity = storage_quantity(row, rate.unit, free)
        if rate.period == StoragePeriod.MONTH:
            days = calendar.monthrange(row.snapshot_date.year, row.snapshot_date.month)[1]
            per_day = rate.price / days
            month = f"{row.snapshot_date:%Y-%m}"
            description = (f"Storage, {kinds[row.location_kind].lower()}: {units[rate.unit].lower()} per month "
                           f"({rate.price.normalize():f} ÷ {days} days, {month}), per day")
            key = ("storage", row.location_kind, rate.unit, rate.period, month)
        else:
            per_day = rate.price
            description = f"Storage, {kinds[row.location_kind].lower()}: {units[rate.unit].lower()} per day"
            key = ("storage", row.location_kind, rate.unit, rate.period)
        charges.append(StorageCharge(snapshot=row, key=key, description=description, quantity=quantity,
                                     per_day=per_day, free_units=free, price_list=price_list))
    return charges


def _storage_lines(lines: _Lines, *, client: Client, start: datetime.date, end: datetime.date,
                   price_lists: list[PriceList]) -> None:
    for charge in storage_charges(client=client, start=start, end=end, price_lists=price_lists):
        lines.add(charge.key, category=LineCategory.STORAGE, description=charge.description,
                  quantity=charge.quantity,
                  unit_price=charge.per_day.quantize(Decimal("0.000001"), rounding=ROUND_HALF_UP),
                  exact=charge.quantity * charge.per_day, price_list=charge.price_list, late=False, events=None)


def _is_whole_month(start: datetime.date, end: datetime.date) -> bool:
    return start.day == 1 and end == start.replace(day=calendar.monthrange(start.year, start.month)[1])


def invoice_lines_compute(*, client: Client, start: datetime.date, end: datetime.date) -> list[LineSpec]:
    """Return the lines of the client's invoice for start..end (inclusive), in their fixed order."""
    price_lists = _price_lists(client)
    by_pk = {p.pk: p for p in price_lists}
    groups = _group_sums(billable_events(client=client, start=start, end=end))
    names = {
        "services": {s.pk: str(s) for s in CarrierService.objects.filter(
            pk__in={g["service_id"] for g in groups if g["service_id"]}).select_related("carrier")},
        "carriers": {c.pk: str(c) for c in Carrier.objects.filter(
            pk__in={g["carrier_id"] for g in groups if g["carrier_id"]})},
    }
    lines = _Lines()
    _event_lines(lines, groups, by_pk, client.currency, names)
    _storage_lines(lines, client=client, start=start, end=end, price_lists=price_lists)
    order = [c for c, _ in LineCategory.choices]
    result = sorted(lines.by_key.values(),
                    key=lambda line: (line.late, order.index(line.category), line.sort_key))
    for line in result:
        line.amount = cents(line.amount)
        line.quantity = line.quantity.quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)
        if line.late:
            line.description = f"Late: {line.description}"
    closing = price_list_on(price_lists, end)
    if closing is not None and closing.monthly_minimum and _is_whole_month(start, end):
        own = sum((line.amount for line in result if not line.late), Decimal(0))
        if own < closing.monthly_minimum:
            top_up = cents(closing.monthly_minimum - own)
            result.append(LineSpec(category=LineCategory.MINIMUM,
                                   description=f"Monthly minimum {_money(closing.monthly_minimum, client.currency)}: top-up",
                                   quantity=Decimal(1), unit_price=top_up, amount=top_up, price_list_id=closing.pk))
    return result
