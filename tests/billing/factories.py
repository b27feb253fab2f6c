"""Factories for billing: price lists with their rates, events and snapshots written directly."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.utils import timezone

from billing.choices import EventKind, StoragePeriod, StorageUnit
from billing.models import BillableEvent, PriceList, ServiceRate, ShippingMarkup, StorageRate, StorageSnapshot
from warehouses.choices import LocationKind

D = Decimal

STANDARD_PRICES = {
    "order_fee": D("2.50"), "extra_unit_fee": D("0.50"), "extra_sku_fee": D("0.25"), "extra_box_fee": D("1.00"),
    "packaging_markup_pct": D("10"), "shipping_markup_pct": D("5"), "shipping_markup_fixed": D("0.75"),
    "receiving_order_fee": D("25.00"), "receiving_unit_fee": D("0.20"), "receiving_carton_fee": D("3.00"),
    "receiving_hourly_rate": D("40.00"), "receiving_free_minutes": 60,
    "return_fee": D("3.00"), "return_inspected_unit_fee": D("0.50"), "return_restocked_unit_fee": D("0.25"),
    "return_disposed_unit_fee": D("1.00"), "monthly_minimum": D("100.00"),
}


def price_list(client, effective_from: datetime.date, *, markups=(), **prices) -> PriceList:
    """A price list with the standard prices (overridden by `prices`), storage of reserve pallets per month
    (30.00) and pick faces per cubic foot per day (0.05), kitting at 0.80, and the given carrier markups
    ((carrier, service, pct, fixed), ...)."""
    result = PriceList.objects.create(client=client, effective_from=effective_from, **{**STANDARD_PRICES, **prices})
    StorageRate.objects.create(price_list=result, location_kind=LocationKind.RESERVE, unit=StorageUnit.PALLET,
                               period=StoragePeriod.MONTH, price=D("30.00"))
    StorageRate.objects.create(price_list=result, location_kind=LocationKind.PICK, unit=StorageUnit.CUBIC_FOOT,
                               period=StoragePeriod.DAY, price=D("0.05"))
    ServiceRate.objects.create(price_list=result, code="kitting", name="Kitting (per kit)", price=D("0.80"))
    for carrier, service, pct, fixed in markups:
        ShippingMarkup.objects.create(price_list=result, carrier=carrier, service=service, markup_pct=pct,
                                      markup_fixed=fixed)
    return result


_sources = iter(range(1, 10**9))


def event(client, kind: str, day: datetime.date, **fields) -> BillableEvent:
    """An event of `kind` dated `day` (at noon), with a cause of its own."""
    at = timezone.make_aware(datetime.datetime.combine(day, datetime.time(12)))
    fields.setdefault("source", {EventKind.ORDER_SHIPPED: "shipping.shipment", EventKind.LABEL: "shipping.shipment",
                                 EventKind.RECEIPT: "inventory.inboundshipment",
                                 EventKind.RETURN: "returns.returnauthorization"}.get(kind, "auth.user"))
    fields.setdefault("source_id", next(_sources))
    return BillableEvent.objects.create(client=client, kind=kind, occurred_at=at, event_date=day, **fields)


def snapshot(client, warehouse, kind: str, day: datetime.date, **fields) -> StorageSnapshot:
    values = {"units": 0, "bins": 0, "volume_cm3": 0, **fields}
    return StorageSnapshot.objects.create(client=client, warehouse=warehouse, location_kind=kind,
                                          snapshot_date=day, **values)
