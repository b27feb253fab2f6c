import pytest
from django.core.management import CommandError, call_command

from orders.choices import DeliveryState
from orders.models import Order, WebhookDelivery
from tests.orders.intake_helpers import products_for, shopify_channel

pytestmark = pytest.mark.django_db(transaction=True)


def test_simulator_sends_signed_webhooks_that_become_orders(live_server, client_a, capsys):
    products_for(client_a, ["TEE-S", "TEE-M", "MUG", "CAP"])
    channel = shopify_channel(client_a)

    call_command("simulate_storefront", orders=6, rate=0, url=live_server.url, seed=7, duplicates=0.5, bad=0.5)

    out = capsys.readouterr().out
    assert f"channel #{channel.pk}" in out
    assert "Shop" in out
    assert "Alpha Goods" in out
    assert Order.objects.filter(channel=channel).count() == 6  # duplicates and messy orders: still one each
    assert WebhookDelivery.objects.filter(channel=channel).count() == 6
    assert set(WebhookDelivery.objects.values_list("state", flat=True)) == {DeliveryState.PROCESSED}
    assert "401" not in out


def test_simulator_without_a_shopify_channel_says_what_to_do(db):
    with pytest.raises(CommandError, match="seed_demo"):
        call_command("simulate_storefront", orders=1)


def test_simulator_with_dockhand_down_says_so(client_a):
    products_for(client_a, ["MUG"])
    shopify_channel(client_a)

    with pytest.raises(CommandError, match="Is it running"):
        call_command("simulate_storefront", orders=1, rate=0, url="http://127.0.0.1:1")
