"""Real concurrency on PostgreSQL: each lock helper of returns (and tracking's order lock) under two threads."""

import datetime

import pytest
from django.core import mail

from core.exceptions import DomainError
from orders.choices import OrderStatus
from returns.choices import Disposition, RefundStatus
from returns.models import FeedbackSurvey, Refund, ReturnAuthorization, ReturnUnit
from returns.services.receiving import return_inspection_finish, return_unit_receive
from returns.services.refunding import return_refund
from returns.storefront_refunds import refund_storefront_send
from returns.surveys import survey_email_send
from shipping.carriers.base import TrackingUpdate
from shipping.choices import TrackingSource
from shipping.tracking.services import tracking_event_record
from tests.concurrency import run_together
from tests.conftest import postgres_only
from tests.returns.factories import delivered_order, make_setup, open_return
from tests.shipping.tracking_helpers import shipped_order

pytestmark = [postgres_only, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_customers_claiming_the_last_units_at_once_get_one_return():
    # order_lock (returns claim units of an order under the order's lock)
    setup = make_setup(quantities=(2, 1))
    line = setup.lines[0]

    results, errors = run_together([lambda: open_return(setup.order, [(line, 2, "too_small")])] * 2)

    assert len(results) == 1
    assert len(errors) == 1
    assert isinstance(errors[0], DomainError)
    assert ReturnAuthorization.objects.count() == 1


def test_two_receivers_scanning_the_last_expected_unit_count_it_once():
    # return_lock + return_lines_lock
    setup = make_setup(quantities=(2, 1))
    rma = open_return(setup.order, [(setup.lines[1], 1, "damaged")])
    sku = setup.lines[1].product.sku

    _, errors = run_together([lambda: return_unit_receive(rma=rma, barcode=sku,
                                                          disposition=Disposition.QUARANTINE)] * 2)

    assert errors == []
    assert rma.lines.get().received_quantity == 1
    assert sorted(u.expected for u in ReturnUnit.objects.filter(rma=rma)) == [False, True]


def test_refunding_twice_at_once_records_one_refund():
    # return_lock around the refund
    setup = make_setup()
    rma = open_return(setup.order, [(setup.lines[0], 1, "damaged")])
    return_unit_receive(rma=rma, barcode=setup.lines[0].product.sku, disposition=Disposition.QUARANTINE)
    return_inspection_finish(rma=rma)

    results, errors = run_together([lambda: return_refund(rma=rma)] * 2)

    assert len(results) == 1
    assert len(errors) == 1
    assert Refund.objects.count() == 1


def test_sending_one_refund_from_two_workers_calls_the_shop_once(monkeypatch):
    # refund_lock: the storefront call runs under the refund's row lock
    setup = make_setup()
    rma = open_return(setup.order, [(setup.lines[0], 1, "damaged")])
    return_unit_receive(rma=rma, barcode=setup.lines[0].product.sku, disposition=Disposition.QUARANTINE)
    return_inspection_finish(rma=rma)
    refund = return_refund(rma=rma)
    Refund.objects.filter(pk=refund.pk).update(status=RefundStatus.PENDING)
    setup.order.channel.kind = "shopify"
    setup.order.channel.save(update_fields=["kind"])
    calls = []

    def fake_shopify(client, refund, *, check_existing):
        calls.append(refund.pk)
        return "r-1"

    monkeypatch.setattr("returns.storefront_refunds._shopify", fake_shopify)
    monkeypatch.setattr("returns.storefront_refunds._client", lambda channel: None)

    run_together([lambda: refund_storefront_send(refund_id=refund.pk)] * 2)

    assert calls == [refund.pk]
    assert Refund.objects.get().status == RefundStatus.SENT


def test_two_workers_sending_one_survey_email_send_it_once():
    # survey_lock
    order = delivered_order(delivered_days_ago=4)
    survey = FeedbackSurvey.objects.create(order=order, email=order.customer_email, nonce="n1")

    results, errors = run_together([lambda: survey_email_send(survey_id=survey.pk)] * 2)

    assert errors == []
    assert sorted(results) == [False, True]
    assert len(mail.outbox) == 1


def test_both_packages_delivered_at_the_same_moment_deliver_the_order():
    # tracking takes the order's lock first, so neither event misses the other
    order, shipment = shipped_order(packages=2)
    first, second = shipment.packages.order_by("number")
    carrier = first.carrier
    at = datetime.datetime(2026, 11, 21, 12, 0, tzinfo=datetime.UTC)

    _, errors = run_together([
        lambda p=p: tracking_event_record(carrier=carrier, source=TrackingSource.WEBHOOK,
                                          update=TrackingUpdate(p.tracking_number, "delivered", at))
        for p in (first, second)
    ])

    assert errors == []
    order.refresh_from_db()
    assert order.status == OrderStatus.DELIVERED
