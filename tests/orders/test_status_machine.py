import pytest

from orders.choices import ORDER_TRANSITIONS, OrderStatus
from orders.exceptions import InvalidTransition
from orders.models import OrderEvent
from orders.services import order_transition
from tests.factories import OrderFactory

ALLOWED = [(src, dst) for src, targets in ORDER_TRANSITIONS.items() for dst in sorted(targets)]
FORBIDDEN = [
    (src, dst)
    for src in OrderStatus.values
    for dst in OrderStatus.values
    if dst not in ORDER_TRANSITIONS[src]
]


def test_table_covers_every_status():
    assert set(ORDER_TRANSITIONS) == set(OrderStatus.values)


def test_cancel_is_allowed_from_every_state_before_shipped_and_never_after():
    before_shipping = {"received", "allocated", "backordered", "on_hold", "picking", "picked", "packed"}
    for status in OrderStatus.values:
        assert (OrderStatus.CANCELLED in ORDER_TRANSITIONS[status]) == (status in before_shipping), status


@pytest.mark.django_db
@pytest.mark.parametrize(("from_status", "to_status"), ALLOWED)
def test_allowed_transition_changes_status_and_writes_event(from_status, to_status, manager):
    order = OrderFactory(status=from_status)

    order_transition(order=order, to_status=to_status, user=manager, note="moved")

    order.refresh_from_db()
    assert order.status == to_status
    event = OrderEvent.objects.get(order=order)
    assert (event.from_status, event.to_status, event.user, event.note) == (from_status, to_status, manager, "moved")
    assert event.created_at is not None


@pytest.mark.django_db
@pytest.mark.parametrize(("from_status", "to_status"), FORBIDDEN)
def test_forbidden_transition_raises_and_changes_nothing(from_status, to_status):
    order = OrderFactory(status=from_status)

    with pytest.raises(InvalidTransition):
        order_transition(order=order, to_status=to_status)

    order.refresh_from_db()
    assert order.status == from_status
    assert not OrderEvent.objects.filter(order=order).exists()
