"""Picking test data: a small floor with a known layout, stock, and allocated orders.

Allocations are made the way routing makes them (inventory.services.stock_allocate plus an
orders.Allocation row), so the tests do not depend on routing's choice of warehouse.
"""

from __future__ import annotations

from inventory.services import stock_allocate, stock_receive
from orders.choices import OrderStatus
from orders.models import Allocation
from tests.factories import ClientFactory, OrderFactory, OrderLineFactory, ProductFactory, WarehouseFactory
from warehouses.choices import LocationKind
from warehouses.models import Location
from warehouses.walk import walk_sequence_assign


def make_floor(warehouse=None, aisles=(1, 2, 3), bays=5, zone="A", levels="A") -> dict[str, Location]:
    """Pick locations zone-aisle-bay-level, a reserve aisle R-09 and a packing area, walk-sequenced."""
    warehouse = warehouse or WarehouseFactory(code="TST")
    created = {}
    for aisle in aisles:
        for bay in range(1, bays + 1):
            for level in levels:
                code = f"{zone}-{aisle:02d}-{bay:02d}-{level}"
                created[code] = Location.objects.create(warehouse=warehouse, code=code, zone=zone, aisle=aisle,
                                                        bay=bay, level=level, kind=LocationKind.PICK)
    for bay in range(1, 3):
        code = f"R-09-{bay:02d}-A"
        created[code] = Location.objects.create(warehouse=warehouse, code=code, zone="R", aisle=9, bay=bay,
                                                level="A", kind=LocationKind.RESERVE)
    created["PACK-01"] = Location.objects.create(warehouse=warehouse, code="PACK-01", zone="PACK",
                                                 kind=LocationKind.PACKING, walk_sequence=100_000)
    walk_sequence_assign(warehouse=warehouse)
    for location in created.values():
        location.refresh_from_db()
    return created


def put_stock(product, location, quantity: int, lot_number: str = ""):
    stock_receive(product=product, location=location, quantity=quantity, reference="TEST", lot_number=lot_number)
    return product.stock_levels.get(location=location, lot_number=lot_number)


def allocated_order(warehouse, items, client=None, stock_extra: int = 0, **fields):
    """An allocated order: items are (product, location, quantity); stock is received there as needed."""
    client = client or (items[0][0].client if items else ClientFactory())
    order = OrderFactory(channel__client=client, status=OrderStatus.ALLOCATED, warehouse=warehouse, **fields)
    lines = {}
    for product, location, quantity in items:
        level = product.stock_levels.filter(location=location, lot_number="").first()
        if level is None or level.available < quantity:
            level = put_stock(product, location, quantity + stock_extra)
        line = lines.get(product.pk)
        if line is None:
            line = lines[product.pk] = OrderLineFactory(order=order, product=product, quantity=quantity)
        else:
            line.quantity += quantity
            line.save(update_fields=["quantity"])
        stock_allocate(stock_level_id=level.pk, quantity=quantity, reference=order.order_number)
        allocation, created = Allocation.objects.get_or_create(line=line, stock_level=level,
                                                               defaults={"quantity": quantity})
        if not created:
            allocation.quantity += quantity
            allocation.save(update_fields=["quantity"])
    return order


def product(client=None, **kwargs):
    return ProductFactory(client=client or ClientFactory(), **kwargs)
