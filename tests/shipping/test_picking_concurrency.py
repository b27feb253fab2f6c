"""Real concurrency on PostgreSQL: scanners hammering one pick list, releases racing for the same orders."""

import pytest

from inventory.models import StockLevel
from orders.models import Allocation
from shipping.exceptions import PickingError
from shipping.models import PickList, PickListOrder
from shipping.picking.release import pick_list_release_batch, pick_list_release_single
from shipping.picking.scan import pick_list_scan, pick_list_start
from tests.concurrency import run_together
from tests.conftest import postgres_only
from tests.factories import ProductFactory, make_user
from tests.shipping.factories import allocated_order, make_floor

pytestmark = [postgres_only, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_many_scans_of_the_same_unit_count_it_once():
    # Given a stop of 3 units and 8 scanners (double submits, two pickers) scanning the item at once
    floor = make_floor()
    item = ProductFactory()
    picker = make_user("picker")
    order = allocated_order(floor["PACK-01"].warehouse, [(item, floor["A-01-01-A"], 3)])
    pick_list = pick_list_start(pick_list=pick_list_release_single(order=order), user=picker)
    pick_list_scan(pick_list=pick_list, code="A-01-01-A", user=picker)

    results, errors = run_together(
        [lambda: pick_list_scan(pick_list=PickList(pk=pick_list.pk), code=item.barcode, user=picker)
         for _ in range(8)])

    # Then exactly 3 scans counted, the rest were refused cleanly, and stock and reservations agree
    assert len(results) == 3
    assert all(isinstance(e, PickingError) for e in errors), errors
    line = pick_list.lines.get()
    assert line.picked_quantity == 3
    packing = StockLevel.objects.get(product=item, location=floor["PACK-01"])
    assert (packing.on_hand, packing.allocated) == (3, 3)
    assert Allocation.objects.get(line__order=order).stock_level == packing


def test_two_managers_releasing_the_same_orders_put_each_on_one_list():
    floor = make_floor()
    item = ProductFactory()
    warehouse = floor["PACK-01"].warehouse
    orders = [allocated_order(warehouse, [(item, floor[f"A-01-0{n}-A"], 1)]) for n in range(1, 5)]

    results, errors = run_together(
        [lambda: pick_list_release_batch(warehouse=warehouse, orders=orders, cart_size=8) for _ in range(4)])

    assert len(results) == 1
    assert all(isinstance(e, PickingError) for e in errors), errors
    assert PickListOrder.objects.filter(is_open=True).count() == 4
