"""Build the state packing starts from: an order in `picked` whose reserved units wait at a packing location.

Until the picking flow is on main this builds it directly through the ledger services and the status
machine: stock into a PACK location, reserved for the order, allocations pointing at it.
"""

from __future__ import annotations

from decimal import Decimal

from inventory.services import stock_adjust, stock_allocate
from orders.choices import OrderStatus
from orders.models import Allocation
from orders.services import order_transition
from tests.factories import (
    LocationFactory,
    OrderFactory,
    OrderLineFactory,
    ProductFactory,
    WarehouseFactory,
)
from warehouses.choices import LocationKind
from warehouses.models import Location

PICKED_PATH = (OrderStatus.ALLOCATED, OrderStatus.PICKING, OrderStatus.PICKED)


def packing_location(warehouse):
    existing = Location.objects.filter(warehouse=warehouse, kind=LocationKind.PACKING).first()
    return existing or LocationFactory(warehouse=warehouse, code=f"PACK-{warehouse.code}", zone="PACK",
                                       kind=LocationKind.PACKING)


def make_picked_order(*, warehouse=None, lines=None, client=None, extra_on_hand: int = 0, **order_fields):
    """Return an order in `picked` with its units reserved at the warehouse's packing location.

    lines: list of (product, quantity); by default two products (2 + 1 units).
    """
    warehouse = warehouse or WarehouseFactory(code="SLC")
    order_kwargs = {"warehouse": warehouse, **order_fields}
    if client is not None:
        order_kwargs["channel__client"] = client
    order = OrderFactory(**order_kwargs)
    if lines is None:
        lines = [
            (ProductFactory(client=order.client, sku=f"{order.order_number}-A", barcode=f"1{order.pk:011d}",
                            length_mm=200, width_mm=150, height_mm=80, weight_g=400), 2),
            (ProductFactory(client=order.client, sku=f"{order.order_number}-B", barcode=f"2{order.pk:011d}",
                            length_mm=120, width_mm=90, height_mm=60, weight_g=150), 1),
        ]
    pack = packing_location(warehouse)
    for product, quantity in lines:
        line = OrderLineFactory(order=order, product=product, sku=product.sku, quantity=quantity,
                                unit_price=Decimal("19.99"))
        movement = stock_adjust(product=product, location=pack, quantity=quantity + extra_on_hand,
                                reason="Picked to packing (test setup)", reference=order.order_number)
        level = product.stock_levels.get(location=pack, lot_number=movement.lot_number)
        stock_allocate(stock_level_id=level.pk, quantity=quantity, reference=order.order_number)
        Allocation.objects.create(line=line, stock_level=level, quantity=quantity)
    for status in PICKED_PATH:
        order_transition(order=order, to_status=status, note="test setup")
    order.refresh_from_db()
    return order
