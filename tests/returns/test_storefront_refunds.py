"""Refunds reach the storefront (Shopify refund, WooCommerce refund) in a retried task, against the fake shop."""

from decimal import Decimal

import pytest

from core.work import MAX_ATTEMPTS
from orders.choices import ChannelKind
from orders.models import OrderLine
from returns.choices import Disposition, RefundStatus
from returns.models import Refund
from returns.services.receiving import return_inspection_finish, return_unit_receive
from returns.services.refunding import return_refund
from returns.storefront_refunds import refund_note
from returns.tasks import refund_send
from tests.conftest import run_due_work
from tests.factories import SalesChannelFactory
from tests.fakes.storefront import FakeStorefront, load_fixture
from tests.returns.factories import make_setup, open_return

pytestmark = pytest.mark.django_db


@pytest.fixture
def store():
    with FakeStorefront() as fake:
        fake.respond("GET", r"/admin/api/[^/]+/orders/\d+/transactions\.json", body={"transactions": [
            {"id": 389404469, "kind": "authorization", "status": "success", "gateway": "bogus"},
            {"id": 389404470, "kind": "capture", "status": "success", "gateway": "bogus"}]})
        fake.respond("GET", r"/admin/api/[^/]+/orders/\d+/refunds\.json", body={"refunds": []})
        fake.respond("POST", r"/admin/api/[^/]+/orders/\d+/refunds\.json", status=201,
                     body=load_fixture("shopify/refund.json"))
        fake.respond("GET", r"/wp-json/wc/v3/orders/\d+/refunds", body=[])
        fake.respond("POST", r"/wp-json/wc/v3/orders/\d+/refunds", status=201,
                     body=load_fixture("woocommerce/order_refund_create_response.json"))
        yield fake


def _inspected_return(store, kind):
    setup = make_setup(prices=("25.00", "10.00"), quantities=(2, 1))
    order = setup.order
    credentials = ({"access_token": store.shopify_token} if kind == ChannelKind.SHOPIFY
                   else {"consumer_key": store.woo_key, "consumer_secret": store.woo_secret})
    channel = SalesChannelFactory(client=order.client, kind=kind, store_url=store.url, credentials=credentials)
    order.channel = channel
    order.external_id = "450789469"
    order.save(update_fields=["channel", "external_id"])
    OrderLine.objects.filter(pk=setup.lines[0].pk).update(external_line_id="466157049")
    rma = open_return(order, [(setup.lines[0], 2, "no_longer_needed")])
    return_unit_receive(rma=rma, barcode=setup.lines[0].product.sku, disposition=Disposition.RESTOCK,
                        location=setup.pick, quantity=2)
    return_inspection_finish(rma=rma)
    rma.refresh_from_db()
    return rma


def test_shopify_refund_is_sent_after_a_failure_and_a_retry(store, manager, django_capture_on_commit_callbacks):
    rma = _inspected_return(store, ChannelKind.SHOPIFY)
    # the shop fails both of the client's quick tries, so the refund's job has to retry
    store.fail_next(503, times=2, method="POST", path_contains="/refunds.json")

    with django_capture_on_commit_callbacks(execute=True):
        refund = return_refund(rma=rma, user=manager)
    refund.refresh_from_db()
    assert refund.status == RefundStatus.RETRYING
    run_due_work()

    refund.refresh_from_db()
    assert refund.status == RefundStatus.SENT
    assert refund.attempts == 2
    assert refund.external_id == "509562969"
    assert refund.amount == Decimal("42.50")
    posts = store.requests_to("POST", "/refunds.json")
    assert len(posts) == 3  # two refused by the shop, one accepted
    body = posts[-1].json["refund"]
    assert body["note"] == refund_note(refund)
    assert body["transactions"] == [{"kind": "refund", "amount": "42.50", "currency": "USD",
                                     "parent_id": 389404470, "gateway": "bogus"}]
    assert body["refund_line_items"] == [{"line_item_id": 466157049, "quantity": 2, "restock_type": "no_restock"}]
    # before trying again the task looked for a refund the lost answer may have made
    assert store.requests_to("GET", "/refunds.json")
    assert "made on Shopify" in rma.events.last().note


def test_retry_finds_a_refund_the_shop_made_and_does_not_refund_twice(store, manager):
    rma = _inspected_return(store, ChannelKind.SHOPIFY)
    refund = return_refund(rma=rma, user=manager)  # without on-commit callbacks: not sent yet
    Refund.objects.filter(pk=refund.pk).update(attempts=1, status=RefundStatus.RETRYING)
    store.respond("GET", r"/admin/api/[^/]+/orders/\d+/refunds\.json",
                  body={"refunds": [{"id": 777, "note": refund_note(refund)}]})

    refund_send.delay(refund.pk)

    refund.refresh_from_db()
    assert (refund.status, refund.external_id) == (RefundStatus.SENT, "777")
    assert store.requests_to("POST", "/refunds.json") == []


def test_woocommerce_refund_is_sent_with_amount_and_lines(store, manager, django_capture_on_commit_callbacks):
    rma = _inspected_return(store, ChannelKind.WOOCOMMERCE)

    with django_capture_on_commit_callbacks(execute=True):
        refund = return_refund(rma=rma, user=manager)

    refund.refresh_from_db()
    assert (refund.status, refund.external_id, refund.attempts) == (RefundStatus.SENT, "726", 1)
    body = store.requests_to("POST", "/wp-json/wc/v3/orders/450789469/refunds")[0].json
    assert body["amount"] == "42.50"
    assert body["api_refund"] is True
    assert body["line_items"] == [{"id": 466157049, "quantity": 2, "refund_total": "42.50"}]


def test_shop_refusal_marks_the_refund_failed_for_a_manager(store, manager, django_capture_on_commit_callbacks):
    rma = _inspected_return(store, ChannelKind.WOOCOMMERCE)
    store.fail_next(400, method="POST", path_contains="/refunds", body='{"message": "Invalid refund amount."}')

    with django_capture_on_commit_callbacks(execute=True):
        refund = return_refund(rma=rma, user=manager)

    refund.refresh_from_db()
    assert refund.status == RefundStatus.FAILED
    assert "Invalid refund amount" in refund.last_error
    assert len(store.requests_to("POST", "/refunds")) == 1  # a refusal is not retried
    assert "refund it in the shop by hand" in rma.events.last().note


def test_shop_down_on_every_try_ends_failed_after_the_last_retry(store, manager, django_capture_on_commit_callbacks):
    rma = _inspected_return(store, ChannelKind.SHOPIFY)
    store.fail_next(503, times=100, method="POST", path_contains="/refunds.json")

    with django_capture_on_commit_callbacks(execute=True):
        refund = return_refund(rma=rma, user=manager)
    run_due_work()

    refund.refresh_from_db()
    assert refund.status == RefundStatus.FAILED
    assert refund.attempts == MAX_ATTEMPTS
    assert "did not answer" in refund.last_error


def test_sending_a_sent_refund_again_calls_nothing(store, manager, django_capture_on_commit_callbacks):
    rma = _inspected_return(store, ChannelKind.SHOPIFY)
    with django_capture_on_commit_callbacks(execute=True):
        refund = return_refund(rma=rma, user=manager)
    calls = len(store.requests)

    assert refund_send.delay(refund.pk).get() == RefundStatus.SENT
    assert len(store.requests) == calls
