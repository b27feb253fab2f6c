import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from kombu.exceptions import OperationalError

from config.celery import app as celery_app
from core.choices import Role
from core.models import Job
from core.tasks import job_run_task
from core.work import wait_for_dispatches
from orders.choices import DeliveryState, OrderStatus
from orders.intake import deliveries as services
from orders.intake.csv_import import CSV_COLUMNS
from orders.models import ChannelSync, Order, WebhookDelivery
from tests.factories import (
    OrderFactory,
    OrderLineFactory,
    ProductFactory,
    SalesChannelFactory,
    WarehouseFactory,
    make_user,
)
from tests.fakes.storefront import shopify_order
from tests.orders.intake_helpers import post_shopify, products_for, shopify_channel

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager_client(client, manager):
    client.force_login(manager)
    return client


# --- orders list --------------------------------------------------------------------------------------------

def test_orders_list_filters_by_status_channel_warehouse_date_and_search(manager_client, client_a):
    slc = WarehouseFactory(code="SLC")
    shop, csv = SalesChannelFactory(client=client_a, name="Shop"), SalesChannelFactory(client=client_a, name="CSV")
    held = OrderFactory(channel=shop, order_number="#A1", status=OrderStatus.ON_HOLD, customer_name="Zed Zulu")
    allocated = OrderFactory(channel=csv, order_number="#B2", status=OrderStatus.ALLOCATED, warehouse=slc)
    OrderLineFactory(order=allocated, sku="RARE-SKU", product=None)
    old = OrderFactory(channel=csv, order_number="#C3")
    Order.objects.filter(pk=old.pk).update(received_at=timezone.now() - datetime.timedelta(days=30))

    def numbers(**params):
        response = manager_client.get(reverse("orders:list"), params)
        assert response.status_code == 200
        return sorted(o.order_number for o in response.context["page"])

    assert numbers() == ["#A1", "#B2", "#C3"]
    assert numbers(status="on_hold") == ["#A1"]
    assert numbers(status=["on_hold", "allocated"]) == ["#A1", "#B2"]
    assert numbers(channel=shop.pk) == ["#A1"]
    assert numbers(warehouse="SLC") == ["#B2"]
    assert numbers(q="rare-sku") == ["#B2"]
    assert numbers(q="zulu") == ["#A1"]
    assert numbers(q="#C3") == ["#C3"]
    assert numbers(received_from=(timezone.localdate() - datetime.timedelta(days=1)).isoformat()) == ["#A1", "#B2"]
    assert numbers(received_to=(timezone.localdate() - datetime.timedelta(days=10)).isoformat()) == ["#C3"]
    assert held.pk


def test_orders_list_bad_filter_values_are_not_a_500(manager_client):
    response = manager_client.get(reverse("orders:list"), {"received_from": "yesterday", "channel": "x"})

    assert response.status_code == 200
    assert b"errorlist" in response.content


def test_orders_list_query_count_does_not_grow_with_orders(manager_client, client_a, django_assert_max_num_queries):
    channel = SalesChannelFactory(client=client_a)
    OrderFactory(channel=channel)
    with django_assert_max_num_queries(20) as few:
        manager_client.get(reverse("orders:list"), {"status": "received"})
    baseline = len(few)
    for _ in range(10):
        OrderFactory(channel=channel)

    with django_assert_max_num_queries(baseline):
        manager_client.get(reverse("orders:list"), {"status": "received"})


def test_client_user_sees_only_its_channels_in_the_filter(client, client_a, client_b):
    SalesChannelFactory(client=client_a, name="Mine")
    SalesChannelFactory(client=client_b, name="Theirs")
    client.force_login(make_user(Role.CLIENT, client=client_a))

    html = client.get(reverse("orders:list")).content.decode()

    assert "Mine" in html
    assert "Theirs" not in html


# --- order page: unknown SKU ---------------------------------------------------------------------------------

def test_order_page_shows_hold_reason_and_maps_an_unknown_sku(manager_client, client_a,
                                                             django_capture_on_commit_callbacks):
    channel = shopify_channel(client_a)
    hoodie = ProductFactory(client=client_a, sku="HOODIE-L", name="Hoodie L")
    with django_capture_on_commit_callbacks(execute=True):
        post_shopify(manager_client, channel, shopify_order(55, lines=[("HOOD-L-OLD", 1, "30.00")]))
    order = Order.objects.get()

    page = manager_client.get(reverse("orders:detail", args=[order.pk])).content.decode()
    assert "Unknown SKU for Alpha Goods: HOOD-L-OLD" in page
    assert "Map to product" in page or 'name="product"' in page
    assert "orders/create" in page  # the delivery it came from

    line = order.lines.get()
    response = manager_client.post(reverse("intake:line_map", args=[order.pk, line.pk]), {"product": hoodie.pk})
    assert response.status_code == 302
    manager_client.post(reverse("orders:release", args=[order.pk]))

    order.refresh_from_db()
    assert order.lines.get().product == hoodie
    assert order.status != OrderStatus.ON_HOLD
    assert order.events.filter(note__contains="mapped to product HOODIE-L").exists()


def test_releasing_with_a_sku_still_unknown_shows_a_message(manager_client, client_a,
                                                           django_capture_on_commit_callbacks):
    channel = shopify_channel(client_a)
    with django_capture_on_commit_callbacks(execute=True):
        post_shopify(manager_client, channel, shopify_order(56, lines=[("NOPE", 1, "1")]))
    order = Order.objects.get()

    detail = reverse("orders:detail", args=[order.pk])
    response = manager_client.post(reverse("orders:release", args=[order.pk]), follow=True, HTTP_REFERER=detail)

    assert "still has SKUs" in response.content.decode()
    order.refresh_from_db()
    assert order.status == OrderStatus.ON_HOLD


def test_mapping_to_another_clients_product_is_refused(manager_client, client_a, client_b):
    order = OrderFactory(channel=SalesChannelFactory(client=client_a), status=OrderStatus.ON_HOLD)
    line = OrderLineFactory(order=order, product=None, sku="X")
    foreign = ProductFactory(client=client_b)

    response = manager_client.post(reverse("intake:line_map", args=[order.pk, line.pk]), {"product": foreign.pk},
                                   follow=True)

    assert "Choose one of the client" in response.content.decode()
    line.refresh_from_db()
    assert line.product is None


# --- channel pages -------------------------------------------------------------------------------------------

def test_channel_page_shows_webhook_url_counts_and_a_disabled_webhook_warning(manager_client, client_a):
    channel = shopify_channel(client_a, store_url="https://alpha.myshopify.com", credentials={"access_token": "t"})
    products_for(client_a)
    WebhookDelivery.objects.create(channel=channel, topic="orders/create", state=DeliveryState.PROCESSED,
                                   received_at=timezone.now() - datetime.timedelta(days=3))
    WebhookDelivery.objects.create(channel=channel, topic="orders/create", state=DeliveryState.FAILED,
                                   last_error="boom", received_at=timezone.now() - datetime.timedelta(days=3))
    ChannelSync.objects.create(channel=channel, last_synced_at=timezone.now(), missed_by_webhooks=4,
                               last_missed_at=timezone.now() - datetime.timedelta(hours=1))

    html = manager_client.get(reverse("intake:channel", args=[channel.pk])).content.decode()

    assert f"http://testserver/webhooks/shopify/{channel.pk}/" in html
    assert "Polling found 4 order(s) that no webhook delivered" in html
    assert "No webhook for 72 hours" in html
    assert "1 delivery(ies) failed" in html
    listing = manager_client.get(reverse("intake:channels")).content.decode()
    assert "needs attention" in listing


def test_channel_sync_button_runs_a_sync(manager_client, client_a, fake_storefront,
                                         django_capture_on_commit_callbacks):
    products_for(client_a)
    channel = shopify_channel(client_a, store_url=fake_storefront.url,
                              credentials={"access_token": fake_storefront.shopify_token})
    fake_storefront.shopify_orders.append(shopify_order(4242, updated_at=timezone.now().isoformat(),
                                                        lines=[("IPOD2008RED", 1, "1")]))

    with django_capture_on_commit_callbacks(execute=True):
        manager_client.post(reverse("intake:channel_sync", args=[channel.pk]))

    assert Order.objects.get().external_id == "4242"
    html = manager_client.get(reverse("intake:channel", args=[channel.pk])).content.decode()
    assert "Orders only polling found: 1" in html


def test_channel_sync_button_with_the_broker_down_queues_the_sync_for_the_sweep(manager_client, client_a,
                                                                                monkeypatch):
    channel = shopify_channel(client_a, store_url="https://shop.example")

    def broker_down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setitem(celery_app.conf, "task_always_eager", False)
    monkeypatch.setattr(job_run_task, "apply_async", broker_down)
    response = manager_client.post(reverse("intake:channel_sync", args=[channel.pk]), follow=True)
    assert wait_for_dispatches()

    assert response.status_code == 200
    assert f"A sync of {channel.name} was queued" in response.content.decode()
    assert list(Job.objects.values_list("task", "object_id")) == [("orders.intake.sync_channel", channel.pk)]


def test_client_user_sees_own_channels_only(client, client_a, client_b):
    mine, theirs = shopify_channel(client_a), shopify_channel(client_b)
    client.force_login(make_user(Role.CLIENT, client=client_a))

    assert client.get(reverse("intake:channel", args=[mine.pk])).status_code == 200
    assert client.get(reverse("intake:channel", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("intake:failed_deliveries")).status_code == 403


# --- failed deliveries ---------------------------------------------------------------------------------------

def test_failed_deliveries_page_lists_errors_and_retries(manager_client, client_a, monkeypatch,
                                                         django_capture_on_commit_callbacks):
    channel = shopify_channel(client_a)
    products_for(client_a)
    real = services.storefront_order_apply
    monkeypatch.setattr(services, "storefront_order_apply",
                        lambda **kw: (_ for _ in ()).throw(RuntimeError("database went away")))
    with django_capture_on_commit_callbacks(execute=True):
        post_shopify(manager_client, channel, shopify_order(66, lines=[("IPOD2008RED", 1, "1")]))
    delivery = WebhookDelivery.objects.get()

    html = manager_client.get(reverse("intake:failed_deliveries")).content.decode()
    assert "RuntimeError: database went away" in html
    assert reverse("intake:delivery_retry", args=[delivery.pk]) in html

    monkeypatch.setattr(services, "storefront_order_apply", real)
    response = manager_client.post(reverse("intake:delivery_retry", args=[delivery.pk]), follow=True)

    assert "is now processed" in response.content.decode()
    assert Order.objects.get().external_id == "66"
    assert "No failed deliveries" in manager_client.get(reverse("intake:failed_deliveries")).content.decode()


def test_failed_deliveries_page_is_for_managers(client):
    client.force_login(make_user(Role.PICKER))

    assert client.get(reverse("intake:failed_deliveries")).status_code == 403


# --- CSV upload ----------------------------------------------------------------------------------------------

def test_csv_template_downloads(manager_client):
    response = manager_client.get(reverse("intake:csv_template"))

    assert response["Content-Type"].startswith("text/csv")
    assert response.content.decode().splitlines()[0] == ",".join(CSV_COLUMNS)


def test_csv_upload_page_imports_and_shows_the_orders(client, client_a):
    ProductFactory(client=client_a, sku="MUG")
    client.force_login(make_user(Role.CLIENT, client=client_a))
    data = (",".join(CSV_COLUMNS) + "\n#9001,,Ana,,,Ana,,1 Main St,,Boston,MA,02134,US,,,,MUG,2,5\n").encode()

    response = client.post(reverse("intake:csv_upload"), {
        "client": client_a.pk, "file": SimpleUploadedFile("orders.csv", data, "text/csv")}, follow=True)

    html = response.content.decode()
    assert "Imported 1 orders (1 lines)" in html
    assert "#9001" in html


def test_csv_upload_with_bad_rows_shows_the_report_and_imports_nothing(manager_client, client_a):
    data = (",".join(CSV_COLUMNS) + "\n#9001,,Ana,,,Ana,,1 Main St,,Boston,MA,02134,US,,,,MUG,2,5\n").encode()

    response = manager_client.post(reverse("intake:csv_upload"), {
        "client": client_a.pk, "file": SimpleUploadedFile("orders.csv", data, "text/csv")})

    html = response.content.decode()
    assert response.status_code == 200
    assert "nothing was imported" in html
    assert "has no product with SKU “MUG”" in html
    assert not Order.objects.exists()


def test_client_user_cannot_upload_for_another_client(client, client_a, client_b):
    client.force_login(make_user(Role.CLIENT, client=client_a))

    response = client.post(reverse("intake:csv_upload"), {
        "client": client_b.pk, "file": SimpleUploadedFile("orders.csv", b"x", "text/csv")})

    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
