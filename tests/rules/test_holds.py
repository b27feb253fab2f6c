"""Each kind of hold, how it is placed and released, and who may release it."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from core.choices import Role
from core.exceptions import DomainError
from orders.choices import OrderStatus
from orders.exceptions import InvalidTransition, OrderNotEditable
from orders.holds.checks import address_problems, fraud_signals, payment_problem, recent_orders_to
from orders.holds.services import (
    hold_place,
    hold_release,
    holds_release_due,
    order_automatic_holds_place,
    order_hold,
    order_holds_release,
    order_payment_status_set,
    order_release_hold,
)
from orders.intake.creation import order_create
from orders.models import Hold
from orders.processing import ProcessingContext
from orders.services import order_address_update
from orders.tasks import holds_release_due_task
from tests.factories import AllocationFactory, OrderFactory, ProductFactory, SalesChannelFactory, make_user
from tests.rules.factories import HoldFactory, order_with_lines, routed_again

pytestmark = pytest.mark.django_db


# --- address ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("fields", "problem"), [
    ({}, None),
    ({"ship_postal_code": "29201-1234"}, None),
    ({"ship_postal_code": "00000"}, "ZIP 00000 does not exist."),
    ({"ship_state": "NC"}, "ZIP 29201 is in SC, not NC."),
    ({"ship_postal_code": "ABCDE"}, "“ABCDE” is not a US ZIP code."),
    ({"ship_city": "", "ship_state": ""}, "Missing city, state."),
    ({"ship_country": ""}, "The destination country is missing."),
    ({"ship_country": "GB", "ship_state": "", "ship_postal_code": ""}, "Missing postal code."),
    ({"ship_country": "JP", "ship_state": "", "ship_postal_code": ""}, None),
    ({"ship_address1": "PO Box 123", "carrier_code": "ups"}, "Carrier ups does not deliver to PO boxes."),
    ({"ship_address1": "P.O. Box 123", "carrier_code": "usps"}, None),
])
def test_address_is_checked_offline(fields, problem):
    order = OrderFactory.build(**fields)  # factory default: 1200 Senate St, Columbia SC 29201, US

    problems = address_problems(order)

    assert problems == ([problem] if problem else [])


def test_bad_address_holds_a_new_order_and_correcting_it_releases(manager, client_a,
                                                                   django_capture_on_commit_callbacks):
    channel = SalesChannelFactory(client=client_a)
    ProductFactory(client=client_a, sku="A-1")

    with django_capture_on_commit_callbacks(execute=True):
        order = order_create(channel=channel, order_number="#A1", lines=[{"sku": "A-1", "quantity": 1}],
                             ship_name="Kim", ship_address1="1 Main St", ship_city="Columbia", ship_state="NC",
                             ship_postal_code="29201", ship_country="US")
    order.refresh_from_db()
    hold = Hold.objects.get(order=order)
    assert (order.status, hold.kind, hold.reason) == ("on_hold", "address", "ZIP 29201 is in SC, not NC.")

    with django_capture_on_commit_callbacks(execute=True):
        order_address_update(order=order, user=manager, ship_state="sc")
        hold_release(hold=hold, user=manager, note="address corrected")

    order.refresh_from_db()
    assert order.ship_state == "SC"
    assert routed_again(order)
    assert not order.holds.filter(kind="address", released_at__isnull=True).exists()
    assert order.events.filter(note__contains="Address corrected — state: “NC” → “SC”").exists()


def test_address_cannot_change_once_picking(manager):
    order = OrderFactory(status="picking")
    with pytest.raises(OrderNotEditable):
        order_address_update(order=order, user=manager, ship_city="Elsewhere")


# --- payment ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("kind", "payment", "held"), [
    ("shopify", "pending", True), ("woocommerce", "partially_paid", True), ("shopify", "voided", True),
    ("shopify", "paid", False), ("shopify", "authorized", False), ("shopify", "", False),
    ("api", "pending", False), ("csv", "pending", False),
])
def test_unpaid_storefront_orders_wait_for_payment(kind, payment, held):
    order = order_with_lines(channel_kind=kind, payment_status=payment)

    assert bool(payment_problem(order)) is held


def test_payment_hold_is_released_when_the_storefront_says_paid(django_capture_on_commit_callbacks):
    order = order_with_lines(channel_kind="shopify", payment_status="pending")

    placed = order_automatic_holds_place(order=order)
    assert [h.kind for h in placed] == ["payment"]
    with django_capture_on_commit_callbacks(execute=True):
        order_payment_status_set(order=order, payment_status="paid")

    order.refresh_from_db()
    assert order.payment_status == "paid"
    assert routed_again(order)
    assert Hold.objects.get(order=order, kind="payment").release_note == "payment is now paid"


# --- fraud -----------------------------------------------------------------------------------------------

def test_fraud_signals(settings):
    settings.DOCKHAND_FRAUD_FIRST_ORDER_LIMIT = "500"
    differ = order_with_lines(billing_country="NG")
    assert fraud_signals(differ, total=Decimal(10), first_order=False) == [
        "Billing country NG differs from shipping country US."]
    assert fraud_signals(differ, total=Decimal(600), first_order=True)[1].startswith("First order of this customer")
    assert fraud_signals(differ, total=Decimal(600), first_order=False) == fraud_signals(
        differ, total=Decimal(10), first_order=False)


def test_many_customers_to_one_address_is_a_fraud_signal():
    for n in range(3):
        order = order_with_lines(customer_email=f"buyer{n}@example.com", ship_address1="77 Drop St.",
                                 ship_postal_code="29201", lines=((f"F{n}", 1, 1),))
    same_customer = order_with_lines(customer_email="solo@example.com", ship_address1="5 Quiet Rd",
                                     lines=(("Q1", 1, 1),))

    assert fraud_signals(order, total=Decimal(1), first_order=False) == [
        "3 different customers ordered to this address in 24 hours."]
    assert fraud_signals(same_customer, total=Decimal(1), first_order=False) == []


def _received(order, when):
    type(order).objects.filter(pk=order.pk).update(received_at=when)
    order.refresh_from_db()
    return order


def test_a_customers_many_orders_to_a_street_are_read_as_one():
    # a flash sale: one customer's hundred orders to one street are one row of history, at the latest time
    now = timezone.now()
    for n in range(5):
        _received(order_with_lines(customer_email="fan@example.com", ship_address1="1 Pike St",
                                   ship_postal_code="98101", lines=((f"P{n}", 1, 1),)),
                  now - datetime.timedelta(hours=n + 1))

    rows = recent_orders_to({"98101"}, received_from=now)["98101"]

    assert rows == [("1 Pike St", "fan@example.com", rows[0][2], now - datetime.timedelta(hours=1))]


def test_a_batch_spanning_time_counts_each_customer_in_each_orders_own_window():
    # Orders checked together were received over a span: a customer counts for an order only if they
    # ordered to the street in the 24 hours before it (not after it, not earlier).
    now = timezone.now()
    street = {"ship_address1": "9 Elm St", "ship_postal_code": "29201"}
    first = _received(order_with_lines(customer_email="a@example.com", lines=(("E1", 1, 1),), **street),
                      now - datetime.timedelta(hours=30))
    _received(order_with_lines(customer_email="b@example.com", lines=(("E5", 1, 1),), **street),
              now - datetime.timedelta(hours=35))
    _received(order_with_lines(customer_email="b@example.com", lines=(("E2", 1, 1),), **street),
              now - datetime.timedelta(hours=20))
    _received(order_with_lines(customer_email="c@example.com", lines=(("E3", 1, 1),), **street),
              now - datetime.timedelta(hours=10))
    last = _received(order_with_lines(customer_email="d@example.com", lines=(("E4", 1, 1),), **street), now)
    old = _received(order_with_lines(customer_email="z@example.com", lines=(("E0", 1, 1),), **street),
                    now - datetime.timedelta(hours=60))

    context = ProcessingContext.load(customers=[], postal_codes=["29201"], received_since=first.received_at,
                                     received_until=last.received_at)

    def customers(order):
        return context.recent_to(order).customers_between(order.received_at - datetime.timedelta(hours=24),
                                                          order.received_at)

    # z ordered 30 hours before it; b 5 hours before it (and again later), c and d only after it
    assert customers(first) == {"a@example.com", "b@example.com"}
    assert customers(last) == {"b@example.com", "c@example.com", "d@example.com"}
    assert customers(old) == set()  # outside every window checked: never read
    assert fraud_signals(last, total=Decimal(1), first_order=False, recent=context.recent_to(last)) == [
        "3 different customers ordered to this address in 24 hours."]


def test_fraud_hold_on_a_large_first_order(client_a, django_capture_on_commit_callbacks):
    channel = SalesChannelFactory(client=client_a)
    ProductFactory(client=client_a, sku="GOLD")

    with django_capture_on_commit_callbacks(execute=True):
        order = order_create(channel=channel, order_number="#G1", lines=[{"sku": "GOLD", "quantity": 1}],
                             total_price=Decimal("2500"), customer_email="new@example.com", ship_name="New",
                             ship_address1="1200 Senate St", ship_city="Columbia", ship_state="SC",
                             ship_postal_code="29201", ship_country="US")

    order.refresh_from_db()
    assert order.status == "on_hold"
    assert Hold.objects.get(order=order).kind == "fraud"


def test_a_released_automatic_hold_is_not_put_back():
    order = order_with_lines(channel_kind="shopify", payment_status="pending")
    hold = order_automatic_holds_place(order=order)[0]
    hold_release(hold=hold, note="customer paid by phone")

    assert order_automatic_holds_place(order=order) == []
    order.refresh_from_db()
    assert order.status == "received"


# --- manual, client, several holds -----------------------------------------------------------------------

def test_manual_hold_releases_stock_and_records_who(manager):
    allocation = AllocationFactory(line__order__status="allocated")
    order = allocation.line.order

    order_hold(order=order, reason="Customer called", user=manager)

    order.refresh_from_db()
    hold = Hold.objects.get(order=order)
    allocation.stock_level.refresh_from_db()
    assert (order.status, order.hold_reason, hold.kind, hold.created_by) == (
        "on_hold", "Customer called", "manual", manager)
    assert allocation.stock_level.allocated == 0


def test_holds_add_up_and_the_order_waits_for_the_last(manager):
    order = OrderFactory()
    first = hold_place(order=order, kind="manual", reason="Call customer", user=manager)
    second = hold_place(order=order, kind="fraud", reason="Odd address", actor="hold checks")
    order.refresh_from_db()
    assert order.hold_reason == "Manual: Call customer · Fraud review: Odd address"

    hold_release(hold=first, user=manager)
    order.refresh_from_db()
    assert (order.status, order.hold_reason) == ("on_hold", "Odd address")

    hold_release(hold=second, user=manager)
    order.refresh_from_db()
    assert (order.status, order.hold_reason) == ("received", "")
    second.refresh_from_db()
    assert second.released_by == manager


def test_placing_the_same_hold_twice_is_one_hold(manager):
    order = OrderFactory()
    a = hold_place(order=order, kind="manual", reason="x", user=manager)
    b = hold_place(order=order, kind="manual", reason="y", user=manager)

    assert a.pk == b.pk
    assert Hold.objects.count() == 1


def test_releasing_twice_is_refused(manager):
    hold = hold_place(order=OrderFactory(), kind="manual", reason="x", user=manager)
    hold_release(hold=hold, user=manager)

    with pytest.raises(DomainError, match="already released"):
        hold_release(hold=hold, user=manager)


def test_a_shipped_order_cannot_be_held():
    with pytest.raises(InvalidTransition):
        hold_place(order=OrderFactory(status="shipped"), kind="manual", reason="too late")


def test_order_release_hold_still_releases_everything(manager):
    order = OrderFactory()
    hold_place(order=order, kind="manual", reason="x")
    hold_place(order=order, kind="fraud", reason="y")

    order_release_hold(order=order, user=manager)

    order.refresh_from_db()
    assert order.status == "received"
    assert not Hold.objects.filter(released_at__isnull=True).exists()


def test_unknown_sku_hold_is_its_own_kind(client_a):
    order = order_create(channel=SalesChannelFactory(client=client_a), order_number="#U",
                         lines=[{"sku": "NOPE", "quantity": 1}])

    assert Hold.objects.get(order=order).kind == "unknown_sku"


def test_client_user_holds_and_releases_only_its_own_orders(client_a, client_b, manager):
    user = make_user(Role.CLIENT, client=client_a)
    own = OrderFactory(channel__client=client_a)
    order_hold(order=own, reason="Customer changed address", user=user)
    hold = Hold.objects.get(order=own)
    assert hold.kind == "client"

    fraud = hold_place(order=own, kind="fraud", reason="signals")
    with pytest.raises(DomainError, match="released by the warehouse"):
        hold_release(hold=fraud, user=user)

    released = order_holds_release(order=own, user=user)
    own.refresh_from_db()
    assert [h.kind for h in released] == ["client"]
    assert own.status == "on_hold"  # the fraud hold remains

    other = HoldFactory(order__channel__client=client_b, kind="client")
    with pytest.raises(DomainError):
        hold_release(hold=other, user=user)


# --- hold until a date -----------------------------------------------------------------------------------

def test_until_date_holds_are_released_on_their_date(django_capture_on_commit_callbacks):
    today = timezone.localdate()
    due = OrderFactory()
    later = OrderFactory()
    hold_place(order=due, kind="until_date", reason="cool-off", until_date=today)
    hold_place(order=later, kind="until_date", reason="cool-off", until_date=today + datetime.timedelta(days=1))

    with django_capture_on_commit_callbacks(execute=True):
        assert holds_release_due_task.delay().get() == 1
    assert holds_release_due() == 0  # idempotent

    due.refresh_from_db()
    later.refresh_from_db()
    assert due.hold_until_date is None
    assert routed_again(due)
    assert later.status == OrderStatus.ON_HOLD
    assert Hold.objects.get(order=due, kind="until_date").release_note.startswith("the date has come")


def test_until_date_hold_needs_a_date():
    with pytest.raises(DomainError):
        hold_place(order=OrderFactory(), kind="until_date", reason="x")


def test_beat_schedule_releases_until_date_holds(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["holds-release-due"]
    assert entry["task"] == "orders.tasks.holds_release_due_task"
