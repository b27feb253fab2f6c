"""Each role's home starts its work: the next pick list, the pack queue, the exceptions, the orders to look at."""

import pytest
from django.urls import reverse

from core.choices import Role
from orders.choices import OrderStatus
from shipping.picking.release import pick_list_release_single
from tests.factories import ClientFactory, OrderFactory, make_user
from tests.rules.factories import HoldFactory
from tests.shipping.factories import allocated_order, make_floor, product
from tests.shipping.helpers import make_picked_order

pytestmark = pytest.mark.django_db


def test_picker_home_offers_the_next_pick_list_of_their_warehouse(client):
    floor = make_floor(aisles=(1,), bays=2)
    warehouse = floor["PACK-01"].warehouse
    order = allocated_order(warehouse, [(product(sku="HOME-1"), floor["A-01-01-A"], 2)], order_number="#4001")
    pick_list = pick_list_release_single(order=order)
    client.force_login(make_user(Role.PICKER, warehouses=[warehouse]))

    page = client.get(reverse("home"))

    assert page.context["next_pick_list"].pk == pick_list.pk
    assert reverse("shipping:detail", args=[pick_list.pk]) in page.content.decode()
    assert "Orders by status" not in page.content.decode()


def test_packer_home_lists_picked_orders_waiting_with_a_pack_button(client):
    order = make_picked_order(order_number="#4002")
    client.force_login(make_user(Role.PACKER, warehouses=[order.warehouse]))

    page = client.get(reverse("home"))

    assert [o.pk for o in page.context["pack_queue"]] == [order.pk]
    assert reverse("packing:pack_order", args=[order.pk]) in page.content.decode()


def test_manager_home_shows_holds_and_backorders_as_exceptions(client):
    HoldFactory(order__order_number="#4003")
    OrderFactory(status=OrderStatus.BACKORDERED)
    client.force_login(make_user(Role.MANAGER))

    page = client.get(reverse("home")).content.decode()

    assert "1 order on hold" in page
    assert "1 order waits for stock" in page
    assert reverse("orders:backorders") in page


def test_client_home_lists_orders_needing_attention_and_only_sellable_stock(client):
    floor = make_floor(aisles=(1,), bays=1)
    owner = ClientFactory()
    sold = allocated_order(floor["PACK-01"].warehouse, [(product(client=owner, sku="HOME-SELL"),
                                                         floor["A-01-01-A"], 1)], client=owner, stock_extra=3)
    # Picked units wait at the packing area, all allocated: 0 available there, which is not stock for sale.
    picked = make_picked_order(warehouse=floor["PACK-01"].warehouse, client=owner)
    held = OrderFactory(channel__client=owner, status=OrderStatus.ON_HOLD, hold_reason="Address check")
    OrderFactory(channel__client=owner, status=OrderStatus.SHIPPED)
    client.force_login(make_user(Role.CLIENT, client=owner))

    page = client.get(reverse("home"))

    assert [o.pk for o in page.context["attention_orders"]] == [held.pk]
    kinds = {level.location.kind for level in page.context["low_stock"]}
    assert kinds == {"pick"}, kinds
    assert sold.lines.first().product.sku in page.content.decode()
    assert picked.lines.first().product.sku not in page.content.decode()
