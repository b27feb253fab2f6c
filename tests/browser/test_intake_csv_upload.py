import pytest
from django.utils import timezone

from core.choices import Role
from orders.choices import DeliveryState
from orders.intake.csv_import import CSV_COLUMNS
from orders.models import ChannelSync, WebhookDelivery
from tests.browser.nav import nav_click
from tests.factories import ClientFactory, ProductFactory, make_user
from tests.orders.intake_helpers import shopify_channel

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

GOOD = "\n".join([
    ",".join(CSV_COLUMNS),
    "#CSV-1,2026-11-20,Ana Lima,ana@example.com,,Ana Lima,,1 Main St,,Boston,MA,2134,US,UPS Ground,standard,USD,TEE-M,2,12.50",
    "#CSV-1,,,,,,,,,,,,,,,,MUG,1,8.00",
    "#CSV-2,2026-11-20,Bo Park,bo@example.com,,Bo Park,,9 Elm St,,Austin,Texas,78701,United States,Express,expedited,USD,MUG,3,8.00",
]) + "\n"
BAD = "\n".join([
    ",".join(CSV_COLUMNS),
    "#CSV-3,,Cy Ray,,,Cy Ray,,2 Oak St,,Reno,NV,89501,US,,,,MUG,zero,",
    "#CSV-4,,Di Fox,,,Di Fox,,3 Oak St,,Reno,NV,89501,US,,,,NO-SUCH-SKU,1,",
]) + "\n"


def test_manager_uploads_a_csv_and_sees_the_orders(page, live_server, login, screenshot_dir, tmp_path):
    merchant = ClientFactory(name="Cascade Outfitters")
    ClientFactory(name="Brightleaf Tea Co.")
    ProductFactory(client=merchant, sku="TEE-M")
    ProductFactory(client=merchant, sku="MUG")
    manager = make_user(Role.MANAGER)
    bad, good = tmp_path / "bad.csv", tmp_path / "orders.csv"
    bad.write_text(BAD)
    good.write_text(GOOD)
    login(page, manager.username)

    # a sheet with bad rows: the report, and nothing imported
    nav_click(page, "Orders", "CSV import")
    page.select_option("#id_client", label="Cascade Outfitters")
    page.set_input_files("#id_file", str(bad))
    page.get_by_role("button", name="Upload and import").click()
    page.wait_for_load_state("networkidle")
    report = page.locator("table.csv-errors").inner_text()
    assert "quantity" in report
    assert "NO-SUCH-SKU" in report
    assert "Nothing was imported" in page.locator(".message-error").inner_text()
    page.screenshot(path=str(screenshot_dir / "intake-csv-errors.png"), full_page=True)

    # the corrected sheet: both orders appear on the orders page
    page.select_option("#id_client", label="Cascade Outfitters")
    page.set_input_files("#id_file", str(good))
    page.get_by_role("button", name="Upload and import").click()
    page.wait_for_load_state("networkidle")

    assert "Imported 2 orders (3 lines)" in page.locator(".message-success").inner_text()
    assert page.get_by_role("link", name="#CSV-1").is_visible()
    assert page.get_by_role("link", name="#CSV-2").is_visible()
    assert "#CSV-3" not in page.content()
    page.screenshot(path=str(screenshot_dir / "intake-csv-imported.png"), full_page=True)

    page.get_by_role("link", name="#CSV-2").click()
    assert "Austin, TX 78701" in page.locator("address").inner_text()
    page.screenshot(path=str(screenshot_dir / "intake-csv-order.png"), full_page=True)


def test_channel_page_and_failed_deliveries(page, live_server, login, screenshot_dir):
    merchant = ClientFactory(name="Cascade Outfitters")
    channel = shopify_channel(merchant, name="Cascade Shopify", store_url="https://cascade.myshopify.com",
                              credentials={"access_token": "x"})
    ChannelSync.objects.create(channel=channel, last_synced_at=timezone.now(), cursor_at=timezone.now(),
                               missed_by_webhooks=2, last_missed_at=timezone.now(), last_sync_orders=14)
    two_days_ago = timezone.now() - timezone.timedelta(days=2)
    WebhookDelivery.objects.create(channel=channel, topic="orders/create", state=DeliveryState.PROCESSED,
                                   external_id="450789469", received_at=two_days_ago)
    WebhookDelivery.objects.create(channel=channel, topic="orders/updated", state=DeliveryState.FAILED,
                                   external_id="450789470", attempts=3, body='{"id": 450789470}',
                                   received_at=two_days_ago,
                                   last_error="OperationalError: could not connect to server")
    login(page, make_user(Role.MANAGER).username)

    nav_click(page, "Orders", "Channels")
    page.get_by_role("link", name="Cascade Shopify").click()
    assert f"/webhooks/shopify/{channel.pk}/" in page.locator("code.webhook-url").inner_text()
    assert "Polling found 2 order(s)" in page.content()
    page.screenshot(path=str(screenshot_dir / "intake-channel.png"), full_page=True)

    nav_click(page, "Orders", "Failed deliveries")
    assert "could not connect to server" in page.content()
    page.screenshot(path=str(screenshot_dir / "intake-failed-deliveries.png"), full_page=True)
