"""Returns and tracking at volume: carrier events through the tracking service, and the managers' returns
analytics over many returns.

- tracking: 4 events for each of 400 two-package orders (label, in transit, out for delivery, delivered) sent
  in shuffled order, then all of them again (duplicates); reports events per second and checks that every order
  ended delivered;
- analytics: return rate by SKU and client, reasons over time and the mistake trace over 3,000 returns.

Runs on a throw-away SQLite file (or BENCH_RETURNS_DATABASE_URL). Targets: 150 events/s, analytics < 2 s.
"""

from __future__ import annotations

import datetime
import os
import random
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

ORDERS = int(os.environ.get("BENCH_ORDERS", "400"))
RETURNS = int(os.environ.get("BENCH_RETURNS", "3000"))


def setup_django() -> None:
    url = os.environ.get("BENCH_RETURNS_DATABASE_URL") or f"sqlite:///{tempfile.mkdtemp()}/bench-returns.sqlite3"
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    import logging

    import django

    logging.disable(logging.WARNING)
    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def build():
    from django.utils import timezone

    from inventory.models import Client, Product
    from orders.choices import ChannelKind, OrderStatus
    from orders.models import Order, OrderEvent, OrderLine, SalesChannel
    from returns.models import ReturnAuthorization, ReturnLine
    from shipping.choices import CarrierAdapterKind, ShipmentStatus
    from shipping.models import BoxType, Carrier, Package, Shipment
    from warehouses.models import Warehouse

    warehouse = Warehouse.objects.create(code="SLC", name="Salt Lake City", address_line1="1 Way", city="SLC",
                                         state="UT", postal_code="84120", latitude=Decimal("40.7"),
                                         longitude=Decimal("-111.9"))
    client = Client.objects.create(code="BENCH", name="Bench Goods")
    channel = SalesChannel.objects.create(client=client, kind=ChannelKind.API, name="API")
    carrier = Carrier.objects.create(code="UPS", name="UPS", adapter=CarrierAdapterKind.TEST)
    box = BoxType.objects.create(warehouse=warehouse, code="M", name="M", inner_length_mm=300, inner_width_mm=200,
                                 inner_height_mm=150, max_weight_g=20000)
    products = Product.objects.bulk_create(Product(client=client, sku=f"B-{i:04d}", name=f"P{i}") for i in range(200))
    orders = Order.objects.bulk_create(
        Order(client=client, channel=channel, order_number=f"B{i:05d}", external_id=f"B{i:05d}",
              status=OrderStatus.SHIPPED, warehouse=warehouse) for i in range(max(ORDERS, RETURNS)))
    rng = random.Random(7)
    lines = OrderLine.objects.bulk_create(
        OrderLine(order=o, product=(p := rng.choice(products)), sku=p.sku, quantity=2, unit_price=Decimal("20.00"))
        for o in orders)
    now = timezone.now()
    OrderEvent.objects.bulk_create(OrderEvent(order=o, from_status="packed", to_status="shipped") for o in orders)
    shipments = Shipment.objects.bulk_create(
        Shipment(order=o, warehouse=warehouse, status=ShipmentStatus.SHIPPED, shipped_at=now, station="PACK-01")
        for o in orders[:ORDERS])
    packages = Package.objects.bulk_create(
        Package(shipment=s, number=n, box_type=box, carrier=carrier, tracking_number=f"1ZBENCH{s.pk:06d}{n}")
        for s in shipments for n in (1, 2))
    reasons = ["too_small", "too_large", "damaged", "wrong_item", "no_longer_needed", "defective"]
    rmas = ReturnAuthorization.objects.bulk_create(
        ReturnAuthorization(number=f"RMA-B{i:07d}", client=client, order=o, warehouse=warehouse, status="refunded",
                            source="customer") for i, o in enumerate(orders[:RETURNS]))
    ReturnLine.objects.bulk_create(
        ReturnLine(rma=r, order_line=line, product_id=line.product_id, quantity=1, reason=rng.choice(reasons))
        for r, line in zip(rmas, lines, strict=False))
    return carrier, packages


def bench_tracking(carrier, packages) -> None:
    from orders.models import Order
    from shipping.carriers.base import TrackingUpdate
    from shipping.choices import TrackingSource
    from shipping.tracking.services import tracking_event_record

    start = datetime.datetime(2026, 11, 20, 8, 0, tzinfo=datetime.UTC)
    updates = [TrackingUpdate(p.tracking_number, status, start + datetime.timedelta(hours=h), event_id=f"{p.pk}-{h}")
               for p in packages for h, status in enumerate(("label_created", "in_transit", "out_for_delivery",
                                                             "delivered"))]
    random.Random(3).shuffle(updates)
    t0 = time.perf_counter()
    for update in updates:
        tracking_event_record(carrier=carrier, update=update, source=TrackingSource.WEBHOOK)
    first = time.perf_counter() - t0
    t0 = time.perf_counter()
    duplicates = sum(tracking_event_record(carrier=carrier, update=u, source=TrackingSource.WEBHOOK) is None
                     for u in updates)
    again = time.perf_counter() - t0
    delivered = Order.objects.filter(status="delivered").count()
    print(f"tracking: {len(updates)} shuffled events in {first:.2f} s = {len(updates) / first:.0f} events/s; "
          f"resent as duplicates {len(updates) / again:.0f} events/s ({duplicates} ignored); "
          f"{delivered}/{ORDERS} orders delivered")
    assert delivered == ORDERS
    assert duplicates == len(updates)


def bench_analytics() -> None:
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from returns import analytics

    user = get_user_model().objects.create_superuser("bench", "b@example.com", "x")
    today = timezone.localdate()
    scope = analytics.Scope(date_from=today - datetime.timedelta(days=30), date_to=today)
    t0 = time.perf_counter()
    with CaptureQueriesContext(connection) as queries:
        by_sku = analytics.return_rate_by_sku(user=user, scope=scope)
        analytics.return_rate_by_client(user=user, scope=scope)
        reasons = analytics.reasons_over_time(user=user, scope=scope)
        traces = analytics.mistake_traces(user=user, scope=scope)
    took = time.perf_counter() - t0
    print(f"analytics over {RETURNS} returns: {took:.2f} s, {len(queries)} queries "
          f"({len(by_sku)} SKUs, {reasons['grand_total']} units by reason, {len(traces)} traced)")


def main() -> None:
    setup_django()
    carrier, packages = build()
    bench_tracking(carrier, packages)
    bench_analytics()


if __name__ == "__main__":
    main()
