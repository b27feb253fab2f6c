"""The demo's rules and held orders (demo.seed.seed_rules_and_holds), without the slow stock seeding."""

import pytest
from django.contrib.auth import get_user_model

from demo.seed import (
    seed_clients_and_products,
    seed_orders,
    seed_rules_and_holds,
    seed_users,
    seed_warehouses,
)
from orders.models import Hold, Order, Rule
from orders.tasks import order_route_task

pytestmark = pytest.mark.django_db


def test_demo_has_rules_and_an_order_held_for_each_reason():
    seed_warehouses()
    clients = seed_clients_and_products()
    seed_users(clients)
    manager = get_user_model().objects.get(username="manager")
    seed_orders(clients, manager)

    assert seed_rules_and_holds(clients, manager) == 4
    for order_id in Order.objects.filter(status="received").values_list("pk", flat=True):
        order_route_task(order_id)  # what the seed's commit (or seed_pick_lists) does

    assert Rule.objects.filter(is_active=True).count() == 3
    open_kinds = dict(Hold.objects.filter(released_at__isnull=True).values_list("order__order_number", "kind"))
    assert open_kinds == {"DEMO-1003": "manual", "DEMO-1101": "address", "DEMO-1102": "fraud",
                          "DEMO-2101": "payment", "DEMO-2004": "unknown_sku"}
    big = Order.objects.get(order_number="DEMO-1102")
    assert (big.tags, big.get_priority_display()) == (["noncontiguous", "vip"], "High")
    assert seed_rules_and_holds(clients, manager) == 0  # safe to repeat
    assert Hold.objects.count() == 5
