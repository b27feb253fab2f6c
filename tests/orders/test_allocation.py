import datetime

import pytest
from django.utils import timezone

from inventory.choices import MovementKind
from inventory.exceptions import InsufficientStock
from inventory.models import StockLevel, StockMovement
from orders.allocation import (
    order_allocate,
    order_line_allocate,
    order_line_allocations_release,
    order_line_remove,
)
from orders.choices import OrderStatus
from orders.exceptions import OrderNotEditable
from orders.models import Allocation
from orders.services import order_cancel
from tests.factories import ClientFactory, LocationFactory, ProductFactory
from tests.orders.factories import order_with_lines, put_stock, salt_lake_city
from warehouses.choices import LocationKind

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


@pytest.fixture
def slc():
    return salt_lake_city()


@pytest.fixture
def client():
    return ClientFactory()


@pytest.fixture
def product(client):
    return ProductFactory(client=client)


def reserved(line) -> dict[str, int]:
    return {a.stock_level.location.code: a.quantity
            for a in Allocation.objects.filter(line=line).select_related("stock_level__location")}


def test_pick_face_is_used_before_reserve(slc, client, product):
    reserve = put_stock(product, 50, warehouse=slc, kind=LocationKind.RESERVE)
    pick = put_stock(product, 5, warehouse=slc, kind=LocationKind.PICK)
    order = order_with_lines(client, [(product, 4)], warehouse=slc)

    order_line_allocate(line=order.lines.get(), quantity=4)

    assert reserved(order.lines.get()) == {pick.code: 4}
    assert StockLevel.objects.get(location=reserve).allocated == 0


def test_pick_faces_run_short_then_reserve_fills_the_rest(slc, client, product):
    reserve = put_stock(product, 50, warehouse=slc, kind=LocationKind.RESERVE)
    pick = put_stock(product, 3, warehouse=slc)
    order = order_with_lines(client, [(product, 5)], warehouse=slc)

    order_line_allocate(line=order.lines.get(), quantity=5)

    assert reserved(order.lines.get()) == {pick.code: 3, reserve.code: 2}


def test_fewest_locations_and_the_smallest_stack_that_fits(slc, client, product):
    small = put_stock(product, 2, warehouse=slc)
    big = put_stock(product, 7, warehouse=slc)
    fits = put_stock(product, 4, warehouse=slc)
    put_stock(product, 9, warehouse=slc)  # the biggest: taken first
    order = order_with_lines(client, [(product, 12)], warehouse=slc)

    order_line_allocate(line=order.lines.get(), quantity=12)

    allocation = reserved(order.lines.get())
    assert len(allocation) == 2  # 9 + 3 more; no need for three stacks
    assert small.code not in allocation
    assert big.code not in allocation
    assert allocation[fits.code] == 3


def test_receiving_packing_and_returns_areas_are_never_allocated(slc, client, product):
    for kind in (LocationKind.RECEIVING, LocationKind.PACKING, LocationKind.RETURNS):
        put_stock(product, 10, warehouse=slc, kind=kind)
    order = order_with_lines(client, [(product, 1)], warehouse=slc)

    assert order_line_allocate(line=order.lines.get(), quantity=1) == []
    with pytest.raises(InsufficientStock):
        order_line_allocate(line=order.lines.get(), quantity=1, allow_partial=False)


def test_lot_tracked_stock_is_first_expired_first_out_and_expired_is_never_allocated(slc, client):
    tea = ProductFactory(client=client, is_lot_tracked=True)
    location = put_stock(tea, 5, warehouse=slc, lot_number="L-EXPIRED", expiry_date=TODAY - datetime.timedelta(days=1))
    put_stock(tea, 5, location=location, lot_number="L-TODAY", expiry_date=TODAY)
    put_stock(tea, 30, location=location, lot_number="L-LATE", expiry_date=TODAY + datetime.timedelta(days=200))
    put_stock(tea, 4, location=location, lot_number="L-SOON", expiry_date=TODAY + datetime.timedelta(days=10))
    order = order_with_lines(client, [(tea, 6)], warehouse=slc)

    order_line_allocate(line=order.lines.get(), quantity=6)

    lots = {a.stock_level.lot_number: a.quantity for a in Allocation.objects.select_related("stock_level")}
    assert lots == {"L-SOON": 4, "L-LATE": 2}


def test_fefo_prefers_the_earliest_lot_even_in_reserve(slc, client):
    tea = ProductFactory(client=client, is_lot_tracked=True)
    put_stock(tea, 10, warehouse=slc, lot_number="L-LATE", expiry_date=TODAY + datetime.timedelta(days=90))
    put_stock(tea, 10, warehouse=slc, kind=LocationKind.RESERVE, lot_number="L-SOON",
              expiry_date=TODAY + datetime.timedelta(days=20))
    order = order_with_lines(client, [(tea, 3)], warehouse=slc)

    order_line_allocate(line=order.lines.get(), quantity=3)

    assert Allocation.objects.get().stock_level.lot_number == "L-SOON"


def test_only_expired_stock_leaves_nothing_to_allocate(slc, client):
    tea = ProductFactory(client=client, is_lot_tracked=True)
    put_stock(tea, 10, warehouse=slc, lot_number="OLD", expiry_date=TODAY - datetime.timedelta(days=3))
    order = order_with_lines(client, [(tea, 1)], warehouse=slc)

    with pytest.raises(InsufficientStock):
        order_line_allocate(line=order.lines.get(), quantity=1, allow_partial=False)
    assert StockLevel.objects.get().allocated == 0


def test_allocating_raises_allocated_and_writes_the_ledger(slc, client, product, manager):
    location = put_stock(product, 10, warehouse=slc)
    order = order_with_lines(client, [(product, 4)], warehouse=slc)

    [reservation] = order_line_allocate(line=order.lines.get(), quantity=4, user=manager)

    level = StockLevel.objects.get(location=location)
    assert (level.on_hand, level.allocated, level.available) == (10, 4, 6)
    movement = StockMovement.objects.get(kind=MovementKind.ALLOCATE)
    assert (movement.quantity, movement.from_location, movement.reference, movement.user) == (
        4, location, order.order_number, manager)
    assert (reservation.quantity, reservation.allocation.quantity) == (4, 4)


def test_short_pick_reallocates_from_another_location_in_the_same_warehouse(slc, client, product):
    first = put_stock(product, 5, warehouse=slc)
    other = put_stock(product, 2, warehouse=slc, kind=LocationKind.RESERVE)
    elsewhere = put_stock(product, 50, warehouse=LocationFactory().warehouse)
    order = order_with_lines(client, [(product, 3)], warehouse=slc, status=OrderStatus.PICKING)
    line = order.lines.get()

    reservations = order_line_allocate(line=line, quantity=3, exclude_location_ids=[first.pk])

    assert [(r.stock_level.location, r.quantity) for r in reservations] == [(other, 2)]
    assert StockLevel.objects.get(location=elsewhere).allocated == 0


def test_a_second_reservation_at_the_same_place_adds_to_the_allocation(slc, client, product):
    put_stock(product, 10, warehouse=slc)
    order = order_with_lines(client, [(product, 5)], warehouse=slc)
    line = order.lines.get()

    order_line_allocate(line=line, quantity=2)
    [reservation] = order_line_allocate(line=line, quantity=3)

    assert (reservation.quantity, Allocation.objects.get().quantity) == (3, 5)


def test_order_without_a_warehouse_or_a_shipped_order_cannot_take_stock(slc, client, product):
    put_stock(product, 10, warehouse=slc)
    unrouted = order_with_lines(client, [(product, 1)])
    shipped = order_with_lines(client, [(product, 1)], warehouse=slc, status=OrderStatus.SHIPPED)

    with pytest.raises(Exception, match="no warehouse"):
        order_line_allocate(line=unrouted.lines.get(), quantity=1)
    with pytest.raises(OrderNotEditable):
        order_line_allocate(line=shipped.lines.get(), quantity=1)


def test_order_allocate_is_all_lines_or_none(slc, client, product):
    scarce = ProductFactory(client=client, sku="SCARCE-1")
    put_stock(product, 10, warehouse=slc)
    put_stock(scarce, 1, warehouse=slc)
    order = order_with_lines(client, [(product, 2), (scarce, 3)], warehouse=slc)

    with pytest.raises(InsufficientStock, match="SCARCE-1 needs 3, 1 available"):
        order_allocate(order=order, warehouse=slc)

    assert not Allocation.objects.exists()
    assert sum(StockLevel.objects.values_list("allocated", flat=True)) == 0


def test_two_lines_of_one_product_share_what_is_there(slc, client, product):
    put_stock(product, 5, warehouse=slc)
    order = order_with_lines(client, [(product, 3), (product, 3)], warehouse=slc)

    with pytest.raises(InsufficientStock):
        order_allocate(order=order, warehouse=slc)
    put_stock(product, 1, warehouse=slc)
    order_allocate(order=order, warehouse=slc)

    assert sum(StockLevel.objects.values_list("allocated", flat=True)) == 6


def test_cancel_releases_allocated_stock(slc, client, product):
    location = put_stock(product, 10, warehouse=slc)
    order = order_with_lines(client, [(product, 4)], warehouse=slc)
    order_allocate(order=order, warehouse=slc)

    order_cancel(order=order, reason="Customer changed their mind")

    assert StockLevel.objects.get(location=location).allocated == 0
    assert not Allocation.objects.exists()
    assert StockMovement.objects.filter(kind=MovementKind.DEALLOCATE, quantity=4).exists()


def test_removing_a_line_before_picking_releases_its_stock(slc, client, product):
    other = ProductFactory(client=client)
    location = put_stock(product, 10, warehouse=slc)
    put_stock(other, 10, warehouse=slc)
    order = order_with_lines(client, [(product, 4), (other, 1)], warehouse=slc, status=OrderStatus.ALLOCATED)
    order_allocate(order=order, warehouse=slc)

    order_line_remove(line=order.lines.get(product=product))

    assert StockLevel.objects.get(location=location).allocated == 0
    assert list(order.lines.values_list("product", flat=True)) == [other.pk]
    assert "4 reserved units released" in order.events.last().note


def test_lines_cannot_be_removed_once_picking_started(slc, client, product):
    other = ProductFactory(client=client)
    order = order_with_lines(client, [(product, 1), (other, 1)], warehouse=slc, status=OrderStatus.PICKING)

    with pytest.raises(OrderNotEditable):
        order_line_remove(line=order.lines.first())


def test_release_of_one_line_leaves_the_others(slc, client, product):
    other = ProductFactory(client=client)
    put_stock(product, 10, warehouse=slc)
    put_stock(other, 10, warehouse=slc)
    order = order_with_lines(client, [(product, 2), (other, 3)], warehouse=slc)
    order_allocate(order=order, warehouse=slc)

    released = order_line_allocations_release(line=order.lines.get(product=product))

    assert released == 2
    assert list(Allocation.objects.values_list("line__product", "quantity")) == [(other.pk, 3)]
