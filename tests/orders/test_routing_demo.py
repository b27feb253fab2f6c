import pytest

from demo.seed import seed_demo
from orders.choices import OrderStatus
from orders.models import Order

pytestmark = pytest.mark.django_db


def test_demo_orders_are_routed_when_the_seed_commits(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        seed_demo()

    routed = {o.order_number: (o.status, o.warehouse.code if o.warehouse else None) for o in Order.objects.all()}
    assert routed["DEMO-1001"] == (OrderStatus.ALLOCATED, "NSH")  # Columbia, SC
    assert routed["DEMO-1002"] == (OrderStatus.ALLOCATED, "SLC")  # Seattle, WA
    assert routed["DEMO-1005"] == (OrderStatus.SPLIT, None)
    assert {routed["DEMO-1005-1"][1], routed["DEMO-1005-2"][1]} == {"NSH", "SLC"}
    assert routed["DEMO-2004"][0] == OrderStatus.ON_HOLD  # unknown SKU
    assert routed["DEMO-2005"][0] == routed["DEMO-2006"][0] == OrderStatus.BACKORDERED
    assert not Order.objects.filter(status=OrderStatus.RECEIVED).exists()
