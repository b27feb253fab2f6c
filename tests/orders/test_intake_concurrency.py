"""Two deliveries of one storefront order processed at the same moment give one order (PostgreSQL only)."""

import json

import pytest

from orders.choices import DeliveryState
from orders.intake.deliveries import webhook_delivery_process, webhook_delivery_store
from orders.models import Order, WebhookDelivery
from tests.concurrency import run_together
from tests.conftest import postgres_only
from tests.factories import ClientFactory
from tests.fakes.storefront import shopify_order, woocommerce_order
from tests.orders.intake_helpers import products_for, shopify_channel, woo_channel

pytestmark = [postgres_only, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("rounds", [3])
def test_two_deliveries_of_one_order_processed_at_once_give_one_order(rounds):
    client = ClientFactory()
    products_for(client)
    channel = shopify_channel(client)
    for n in range(rounds):
        body = json.dumps(shopify_order(1000 + n, lines=[("IPOD2008RED", 1, "5.00")])).encode()
        ids = [WebhookDelivery.objects.create(channel=channel, topic=topic, body=body.decode(),
                                              delivery_id=f"{n}-{topic}").pk
               for topic in ("orders/create", "orders/updated")]

        _, errors = run_together([lambda pk=pk: webhook_delivery_process(delivery_id=pk) for pk in ids])

        assert errors == []
        assert Order.objects.filter(channel=channel, external_id=str(1000 + n)).count() == 1
        states = sorted(WebhookDelivery.objects.filter(pk__in=ids).values_list("state", flat=True))
        assert states == sorted([DeliveryState.PROCESSED, DeliveryState.DUPLICATE])


def test_two_deliveries_racing_to_create_a_known_storefront_order_give_one_order():
    # Given a WooCommerce order Dockhand has seen while it awaited payment (its StorefrontOrder row exists)
    client = ClientFactory()
    products_for(client)
    channel = woo_channel(client)
    pending = woocommerce_order(3000, status="pending", date_modified_gmt="2026-11-20T10:00:00",
                                lines=[("Bar3", 1, "5.00")])
    first = WebhookDelivery.objects.create(channel=channel, topic="order.created", body=json.dumps(pending),
                                           delivery_id="v1")
    webhook_delivery_process(delivery_id=first.pk)
    assert not Order.objects.exists()
    # When two deliveries of the paid version are processed at the same moment
    paid = {**pending, "status": "processing", "date_modified_gmt": "2026-11-20T10:05:00"}
    ids = [WebhookDelivery.objects.create(channel=channel, topic="order.updated", body=json.dumps(paid),
                                          delivery_id=f"v2-{n}").pk for n in range(2)]

    _, errors = run_together([lambda pk=pk: webhook_delivery_process(delivery_id=pk) for pk in ids])

    # Then one order exists and the second delivery is a duplicate, not a failure
    assert errors == []
    assert Order.objects.filter(channel=channel, external_id="3000").count() == 1
    states = sorted(WebhookDelivery.objects.filter(pk__in=ids).values_list("state", flat=True))
    assert states == sorted([DeliveryState.PROCESSED, DeliveryState.DUPLICATE])


def test_the_same_webhook_stored_twice_at_once_is_one_delivery():
    client = ClientFactory()
    channel = shopify_channel(client)
    body = json.dumps(shopify_order(2000)).encode()

    def store():
        return webhook_delivery_store(channel=channel, topic="orders/create", body=body, headers={},
                                      delivery_id="same-id", state=DeliveryState.IGNORED)[1]

    results, errors = run_together([store, store])

    assert errors == []
    assert sorted(results) == [False, True]
    assert WebhookDelivery.objects.filter(channel=channel).count() == 1
