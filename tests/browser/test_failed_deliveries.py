import pytest

from core.choices import Role
from orders.choices import DeliveryState
from orders.models import WebhookDelivery
from tests.factories import ClientFactory, make_user
from tests.orders.intake_helpers import shopify_channel

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_manager_sees_failed_and_retrying_deliveries_with_their_reasons(page, live_server, login, screenshot_dir):
    channel = shopify_channel(ClientFactory(name="Cascade Outfitters"), name="Cascade Shopify")
    WebhookDelivery.objects.create(
        channel=channel, topic="orders/create", delivery_id="a", external_id="820982911946154508", body="{}",
        state=DeliveryState.FAILED, attempts=1,
        last_error="The quantity 1000000000000 is not a number of units Dockhand can ship (at most 1,000,000 per line).")
    WebhookDelivery.objects.create(
        channel=channel, topic="orders/create", delivery_id="b", external_id="820982911946154509", body="{}",
        state=DeliveryState.PENDING, attempts=2, last_error="OperationalError: could not obtain lock on row")
    login(page, make_user(Role.MANAGER).username)

    page.goto(f"{live_server.url}/orders/deliveries/failed/")

    rows = page.locator("tbody tr")
    assert rows.count() == 2
    text = page.locator("main").inner_text()
    assert "is not a number of units Dockhand can ship" in text
    assert "Being retried automatically, with growing delays." in text
    page.screenshot(path=str(screenshot_dir / "failed-deliveries.png"), full_page=True)
