"""Holds under real concurrency (PostgreSQL): the order row lock makes release and placement race-free."""

import pytest

from orders.holds.services import hold_place, hold_release
from orders.models import Hold
from tests.concurrency import run_together
from tests.conftest import postgres_only
from tests.factories import OrderFactory

pytestmark = [postgres_only, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_releasing_the_last_two_holds_at_once_sends_the_order_back_exactly_once():
    order = OrderFactory()
    first = hold_place(order=order, kind="manual", reason="call the customer")
    second = hold_place(order=order, kind="fraud", reason="odd address")

    _, errors = run_together([lambda: hold_release(hold=first.pk), lambda: hold_release(hold=second.pk)])

    assert errors == []
    assert not Hold.objects.filter(pk__in=[first.pk, second.pk], released_at__isnull=True).exists()
    assert order.events.filter(from_status="on_hold", to_status="received").count() == 1


def test_the_same_hold_placed_twice_at_once_is_one_hold():
    order = OrderFactory()

    _, errors = run_together([lambda: hold_place(order=order.pk, kind="payment", reason="unpaid")] * 3)

    assert errors == []
    assert Hold.objects.filter(order=order, kind="payment").count() == 1
    assert order.events.filter(to_status="on_hold").count() == 1
