"""Opening a return: the client's window, reasons, quantities, who may authorise, the free label."""

import datetime
import importlib
from decimal import Decimal

import pytest
from django.apps import apps
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.exceptions import DomainError
from orders.choices import OrderStatus
from orders.models import OrderEvent
from returns.choices import ReturnSource, ReturnStatus
from returns.exceptions import ReturnNotAllowed
from returns.models import ReturnPolicy, ReturnReasonRule
from returns.policies import return_policy_for_client
from returns.services.opening import (
    ReturnLineRequest,
    nearest_returns_warehouse,
    return_request,
    return_window_closes_at,
)
from returns.services.policy import return_policy_update
from returns.services.status import return_close
from tests.factories import ClientFactory
from tests.returns.factories import delivered_order, make_setup, open_return, returns_warehouse

pytestmark = pytest.mark.django_db


def test_default_policy_gives_fault_reasons_a_free_label_and_no_fee():
    setup = make_setup()
    policy = return_policy_for_client(client=setup.order.client)

    rules = {r.reason: r for r in policy.reason_rules.all()}
    assert policy.window_days == 30
    assert rules["damaged"].free_label
    assert rules["wrong_item"].free_label
    assert not rules["too_small"].free_label
    assert rules["no_longer_needed"].restocking_fee_percent == Decimal("15")


def test_return_inside_the_window_is_opened_with_lines_and_timeline():
    setup = make_setup(delivered_days_ago=29)

    rma = open_return(setup.order, [(setup.lines[0], 2, "too_small")], source=ReturnSource.CUSTOMER, authorise=False)

    assert rma.status == ReturnStatus.REQUESTED
    assert rma.number.startswith("RMA-")
    assert len(rma.number) == 12
    assert rma.warehouse == setup.warehouse
    line = rma.lines.get()
    assert (line.quantity, line.reason, line.product) == (2, "too_small", setup.lines[0].product)
    assert rma.events.get().to_status == ReturnStatus.REQUESTED
    assert OrderEvent.objects.filter(order=setup.order, note__startswith=f"Return {rma.number} opened").exists()


def test_return_after_the_window_is_refused():
    setup = make_setup(delivered_days_ago=31)

    with pytest.raises(ReturnNotAllowed, match="30-day return window"):
        open_return(setup.order, [(setup.lines[0], 1, "too_small")], source=ReturnSource.CUSTOMER)


def test_window_follows_the_clients_policy():
    setup = make_setup(delivered_days_ago=40)
    return_policy_update(client=setup.order.client, window_days=60)

    rma = open_return(setup.order, [(setup.lines[0], 1, "too_small")], source=ReturnSource.CUSTOMER)

    assert rma.pk


def test_manager_may_accept_a_return_outside_the_window(manager):
    setup = make_setup(delivered_days_ago=90)

    rma = open_return(setup.order, [(setup.lines[0], 1, "defective")], user=manager, ignore_window=True)

    assert rma.status == ReturnStatus.AUTHORISED


def test_shipped_but_not_delivered_order_counts_from_shipping():
    order = delivered_order(status=OrderStatus.SHIPPED, delivered_days_ago=5)
    returns_warehouse()

    rma = open_return(order, [(order.lines.first(), 1, "damaged")])

    assert rma.pk


def test_order_not_shipped_cannot_be_returned():
    setup = make_setup()
    setup.order.status = OrderStatus.PICKING
    setup.order.save(update_fields=["status"])

    with pytest.raises(ReturnNotAllowed, match="has not shipped"):
        open_return(setup.order, [(setup.lines[0], 1, "damaged")])


def test_units_already_claimed_cannot_be_returned_twice():
    setup = make_setup()
    open_return(setup.order, [(setup.lines[0], 2, "too_small")])

    with pytest.raises(DomainError, match="Only 0 of"):
        open_return(setup.order, [(setup.lines[0], 1, "too_small")])


def test_units_of_a_return_closed_before_it_came_back_can_be_returned_again():
    setup = make_setup()
    first = open_return(setup.order, [(setup.lines[0], 2, "too_small")])
    return_close(rma=first, note="customer changed their mind")

    second = open_return(setup.order, [(setup.lines[0], 2, "too_large")])

    assert second.lines.get().quantity == 2


@pytest.mark.parametrize(("lines", "message"), [
    ([], "at least one item"),
    ([{"quantity": 3, "reason": "damaged"}], "Only 2 of"),
    ([{"quantity": 0, "reason": "damaged"}], "at least one"),
    ([{"quantity": 1, "reason": "broken"}], "Choose a reason"),
    ([{"quantity": 1, "reason": "other"}], "reason “other”"),
    ([{"quantity": 1, "reason": "damaged"}, {"quantity": 1, "reason": "damaged"}], "listed twice"),
])
def test_bad_lines_are_refused_with_a_message(lines, message):
    setup = make_setup()
    requests = [ReturnLineRequest(order_line_id=setup.lines[0].pk, **line) for line in lines]

    with pytest.raises(DomainError, match=message):
        return_request(order=setup.order, lines=requests, source=ReturnSource.CUSTOMER)


def test_line_of_another_order_is_refused():
    setup = make_setup()
    other = delivered_order()

    with pytest.raises(DomainError, match="not part of this order"):
        return_request(order=setup.order, source=ReturnSource.API,
                       lines=[ReturnLineRequest(order_line_id=other.lines.first().pk, quantity=1, reason="damaged")])


def test_free_label_when_any_reason_earns_it_and_not_otherwise():
    setup = make_setup()

    paid = open_return(setup.order, [(setup.lines[0], 1, "too_small")])
    free = open_return(setup.order, [(setup.lines[0], 1, "too_large"), (setup.lines[1], 1, "damaged")])

    assert not paid.free_label
    assert free.free_label


def test_policy_update_changes_free_label_and_fee_per_reason():
    setup = make_setup()

    return_policy_update(client=setup.order.client,
                         rules={"too_small": {"free_label": True, "restocking_fee_percent": "5"}})

    rule = ReturnReasonRule.objects.get(policy__client=setup.order.client, reason="too_small")
    assert rule.free_label
    assert rule.restocking_fee_percent == Decimal("5")
    with pytest.raises(DomainError):
        return_policy_update(client=setup.order.client, rules={"too_small": {"restocking_fee_percent": "101"}})


def test_customer_return_is_authorised_by_policy_and_label_emailed(django_capture_on_commit_callbacks):
    setup = make_setup()

    with django_capture_on_commit_callbacks(execute=True):
        rma = open_return(setup.order, [(setup.lines[0], 1, "damaged")], source=ReturnSource.CUSTOMER,
                          authorise=None)

    rma.refresh_from_db()
    assert rma.status == ReturnStatus.AUTHORISED
    assert rma.label_emailed_at is not None
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [setup.order.customer_email]
    assert rma.number in message.subject
    assert message.attachments[0][0] == f"return-label-{rma.number}.pdf"
    assert message.attachments[0][1][:5] == b"%PDF-"


def test_customer_return_waits_for_a_manager_when_the_policy_says_so(django_capture_on_commit_callbacks):
    setup = make_setup()
    return_policy_update(client=setup.order.client, auto_authorise=False)

    with django_capture_on_commit_callbacks(execute=True):
        rma = open_return(setup.order, [(setup.lines[0], 1, "damaged")], source=ReturnSource.CUSTOMER,
                          authorise=None)

    assert rma.status == ReturnStatus.REQUESTED
    assert mail.outbox == []


def test_nearest_warehouse_with_a_returns_area_gets_the_parcel():
    slc, *_ = returns_warehouse("SLC")
    nsh, *_ = returns_warehouse("NSH", latitude=Decimal("36.1627"), longitude=Decimal("-86.7816"), city="Nashville")
    east = delivered_order(warehouse=slc, ship_postal_code="29201")  # Columbia, SC
    west = delivered_order(warehouse=nsh, ship_postal_code="98101")  # Seattle, WA

    assert nearest_returns_warehouse(order=east) == nsh
    assert nearest_returns_warehouse(order=west) == slc


def test_window_closes_counted_from_delivery():
    setup = make_setup(delivered_days_ago=10)
    closes = return_window_closes_at(order=setup.order, policy=return_policy_for_client(client=setup.order.client))

    delivered = setup.order.events.get(to_status="delivered").created_at
    assert closes == delivered + datetime.timedelta(days=30)


def test_a_new_client_has_the_default_policy_and_reading_policies_writes_nothing(manager_api):
    # Given a client just created
    client = ClientFactory()

    # When the policies are listed and the client's is read
    with CaptureQueriesContext(connection) as reads:
        listed = manager_api.get("/api/v1/return-policies/")
        one = manager_api.get(f"/api/v1/return-policies/{client.pk}/")

    # Then it has the default policy, made with the client, and reading wrote nothing
    assert ReturnPolicy.objects.filter(client=client).count() == 1
    assert client.pk in [row["client"] for row in listed.json()["results"]]
    assert one.json()["window_days"] == 30
    assert not [q["sql"] for q in reads.captured_queries if q["sql"].split()[0] in ("INSERT", "UPDATE", "DELETE")]


def test_migration_gives_every_client_without_a_policy_the_default_one():
    # Given a client whose policy is missing (as for clients made before policies came with the client)
    without, with_one = ClientFactory(), ClientFactory()
    ReturnPolicy.objects.filter(client=without).delete()
    return_policy_update(client=with_one, window_days=60)

    # When the data migration runs
    migration = importlib.import_module("returns.migrations.0003_return_policy_for_every_client")
    migration.create_missing_policies(apps, None)

    # Then the client has the default policy, with its rules; the other keeps its own
    made = return_policy_for_client(client=without)
    assert made.window_days == 30
    assert {r.reason: r.free_label for r in made.reason_rules.all()}["damaged"] is True
    assert made.reason_rules.count() == 9
    assert ReturnPolicy.objects.get(client=with_one).window_days == 60
