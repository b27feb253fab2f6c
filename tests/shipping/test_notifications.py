import json

import pytest
from django.core import mail

from core.work import MAX_ATTEMPTS
from orders.choices import ChannelKind
from shipping.choices import NotificationKind, NotificationStatus
from shipping.models import ShipmentNotification
from shipping.packing.services import shipment_label, shipment_ship
from shipping.tasks import shipment_notify
from tests.conftest import run_due_work
from tests.factories import SalesChannelFactory
from tests.shipping.helpers import make_picked_order
from tests.shipping.packing_factories import BoxTypeFactory
from tests.shipping.test_packing import packed_shipment

pytestmark = pytest.mark.django_db

SHOPIFY_FO = r"/admin/api/[^/]+/orders/\d+/fulfillment_orders\.json"
SHOPIFY_FULFIL = r"/admin/api/[^/]+/fulfillments\.json"


@pytest.fixture(autouse=True)
def _rate_cards(rate_cards):
    return rate_cards


def labelled_order(channel):
    order = make_picked_order(channel=channel, external_id="450789469")
    BoxTypeFactory(warehouse=order.warehouse, code="S", inner_length_mm=250, inner_width_mm=200,
                   inner_height_mm=150)
    return order, shipment_label(shipment=packed_shipment(order))


@pytest.fixture
def shopify_channel(fake_storefront):
    return SalesChannelFactory(kind=ChannelKind.SHOPIFY, store_url=fake_storefront.url,
                               credentials={"access_token": fake_storefront.shopify_token})


@pytest.fixture
def woo_channel(fake_storefront):
    return SalesChannelFactory(kind=ChannelKind.WOOCOMMERCE, store_url=fake_storefront.url,
                               credentials={"consumer_key": fake_storefront.woo_key,
                                            "consumer_secret": fake_storefront.woo_secret})


def test_shopify_gets_a_fulfilment_with_tracking(fake_storefront, shopify_channel,
                                                 django_capture_on_commit_callbacks):
    fake_storefront.respond("GET", SHOPIFY_FO, 200, {"fulfillment_orders": [
        {"id": 1046000818, "status": "open"}, {"id": 1046000819, "status": "closed"}]})
    fake_storefront.respond("POST", SHOPIFY_FULFIL, 201, {"fulfillment": {"id": 255858046, "status": "success"}})
    order, shipment = labelled_order(shopify_channel)
    number = shipment.packages.get().tracking_number

    with django_capture_on_commit_callbacks(execute=True):
        shipment_ship(shipment=shipment)

    posts = fake_storefront.requests_to("POST", "/fulfillments.json")
    assert len(posts) == 1
    body = posts[0].json["fulfillment"]
    assert body["line_items_by_fulfillment_order"] == [{"fulfillment_order_id": 1046000818}]
    assert body["tracking_info"]["number"] == number
    assert body["tracking_info"]["company"] == shipment.service.carrier.name
    assert number in body["tracking_info"]["url"]
    assert fake_storefront.requests_to("GET", "/orders/450789469/fulfillment_orders.json")
    notification = shipment.notifications.get(kind=NotificationKind.STOREFRONT)
    assert notification.status == NotificationStatus.SENT
    assert len(mail.outbox) == 1


def test_woocommerce_order_is_completed_with_a_tracking_note(fake_storefront, woo_channel,
                                                             django_capture_on_commit_callbacks):
    fake_storefront.respond("PUT", r"/wp-json/wc/v3/orders/\d+", 200, {"id": 450789469, "status": "completed"})
    fake_storefront.respond("POST", r"/wp-json/wc/v3/orders/\d+/notes", 201, {"id": 281, "customer_note": True})
    order, shipment = labelled_order(woo_channel)
    number = shipment.packages.get().tracking_number

    with django_capture_on_commit_callbacks(execute=True):
        shipment_ship(shipment=shipment)

    put = fake_storefront.requests_to("PUT", "/wp-json/wc/v3/orders/450789469")
    assert [r.json for r in put] == [{"status": "completed"}]
    note = fake_storefront.requests_to("POST", "/wp-json/wc/v3/orders/450789469/notes")[0].json
    assert number in note["note"]
    assert note["customer_note"] is True
    assert shipment.notifications.get(kind=NotificationKind.STOREFRONT).status == NotificationStatus.SENT


def test_storefront_outage_is_retried_until_it_answers(fake_storefront, shopify_channel,
                                                        django_capture_on_commit_callbacks):
    # Given Shopify failing with 503 for the next five requests (two tries per task run)
    fake_storefront.respond("GET", SHOPIFY_FO, 200, {"fulfillment_orders": [{"id": 7, "status": "open"}]})
    fake_storefront.respond("POST", SHOPIFY_FULFIL, 201, {"fulfillment": {"id": 8}})
    fake_storefront.fail_next(503, times=5, path_contains="fulfillment")
    order, shipment = labelled_order(shopify_channel)

    # When the order ships, and its notice's job is retried as the sweep would
    with django_capture_on_commit_callbacks(execute=True):
        shipment_ship(shipment=shipment)
    run_due_work()

    # Then the warehouse is done, and the update got through on a later task attempt
    order.refresh_from_db()
    assert order.status == "shipped"
    notification = shipment.notifications.get(kind=NotificationKind.STOREFRONT)
    assert notification.status == NotificationStatus.SENT
    assert notification.attempts == 3
    assert len(fake_storefront.requests_to("POST", "/fulfillments.json")) == 1


def test_storefront_that_never_answers_ends_failed_and_visible(fake_storefront, shopify_channel, manager, client,
                                                               django_capture_on_commit_callbacks):
    fake_storefront.fail_next(500, times=100)
    order, shipment = labelled_order(shopify_channel)

    with django_capture_on_commit_callbacks(execute=True):
        shipment_ship(shipment=shipment)
    run_due_work()

    order.refresh_from_db()
    assert order.status == "shipped"  # never blocked by the storefront
    notification = shipment.notifications.get(kind=NotificationKind.STOREFRONT)
    assert notification.status == NotificationStatus.FAILED
    assert notification.attempts == MAX_ATTEMPTS  # every attempt of its durable job
    assert "did not answer" in notification.last_error
    # and the manager sees it on the channel's notifications
    client.force_login(manager)
    page = client.get(f"/packing/notifications/?channel={shopify_channel.pk}&failed=1")
    assert page.status_code == 200
    assert order.order_number in page.content.decode()
    assert "Failed" in page.content.decode()


def test_rejected_credentials_fail_at_once_and_can_be_resent(fake_storefront, shopify_channel, manager, client,
                                                             django_capture_on_commit_callbacks):
    shopify_channel.credentials = {"access_token": "wrong"}
    shopify_channel.save()
    fake_storefront.respond("GET", SHOPIFY_FO, 200, {"fulfillment_orders": [{"id": 7, "status": "open"}]})
    fake_storefront.respond("POST", SHOPIFY_FULFIL, 201, {"fulfillment": {"id": 8}})
    order, shipment = labelled_order(shopify_channel)
    with django_capture_on_commit_callbacks(execute=True):
        shipment_ship(shipment=shipment)
    notification = shipment.notifications.get(kind=NotificationKind.STOREFRONT)
    assert notification.status == NotificationStatus.FAILED
    assert notification.attempts == 1  # a 401 is not worth retrying
    assert "401" in notification.last_error

    # When the manager fixes the token and sends it again
    shopify_channel.credentials = {"access_token": fake_storefront.shopify_token}
    shopify_channel.save()
    client.force_login(manager)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/packing/notifications/{notification.pk}/resend/")
    assert response.status_code == 302
    notification.refresh_from_db()
    assert notification.status == NotificationStatus.SENT


def test_notification_task_is_safe_to_run_twice(fake_storefront, shopify_channel,
                                                django_capture_on_commit_callbacks):
    fake_storefront.respond("GET", SHOPIFY_FO, 200, {"fulfillment_orders": [{"id": 7, "status": "open"}]})
    fake_storefront.respond("POST", SHOPIFY_FULFIL, 201, {"fulfillment": {"id": 8}})
    order, shipment = labelled_order(shopify_channel)
    with django_capture_on_commit_callbacks(execute=True):
        shipment_ship(shipment=shipment)
    for notification in ShipmentNotification.objects.filter(shipment=shipment):
        shipment_notify.delay(notification.pk)
    shipment_notify.delay(999_999)  # a missing row is tolerated

    assert len(fake_storefront.requests_to("POST", "/fulfillments.json")) == 1
    assert len(mail.outbox) == 1


def test_customer_email_has_tracking_number_and_link(shopify_channel, fake_storefront,
                                                     django_capture_on_commit_callbacks):
    fake_storefront.respond("GET", SHOPIFY_FO, 200, {"fulfillment_orders": []})
    order, shipment = labelled_order(shopify_channel)
    with django_capture_on_commit_callbacks(execute=True):
        shipment_ship(shipment=shipment)
    package = shipment.packages.get()
    email = mail.outbox[0]
    html = email.alternatives[0][0]
    assert package.tracking_number in email.body
    assert package.tracking_link in email.body
    assert f'href="{package.tracking_link}"' in html
    assert order.client.name in email.subject
    # nothing left open on Shopify: already fulfilled, counted as done
    assert shipment.notifications.get(kind=NotificationKind.STOREFRONT).status == NotificationStatus.SENT
    assert "Already fulfilled" in shipment.notifications.get(kind=NotificationKind.STOREFRONT).last_error
    json.dumps(email.to)
