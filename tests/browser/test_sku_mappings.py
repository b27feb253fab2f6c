import re

import pytest

from core.choices import Role
from orders.choices import OrderStatus
from orders.intake.creation import order_create
from orders.models import Order, SkuMapping
from tests.factories import ProductFactory, SalesChannelFactory, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_manager_maps_an_unknown_sku_from_the_order_page(page, live_server, login, screenshot_dir):
    manager = make_user(Role.MANAGER)
    channel = SalesChannelFactory(name="Alpha Shop")
    ProductFactory(client=channel.client, sku="TS-BLK-M", name="T-shirt black M")
    order = order_create(channel=channel, order_number="#5001", lines=[{"sku": "TEE-BLK-M-2024", "quantity": 1}])
    assert order.status == OrderStatus.ON_HOLD

    login(page, manager.username)
    page.goto(f"{live_server.url}/orders/{order.pk}/")
    form = page.locator("#map-unknown-skus form[data-sku='TEE-BLK-M-2024']")
    assert form.is_visible()
    assert page.locator("#map-unknown-lines").count() == 0  # one form per SKU, no second one-line form
    scope = form.get_by_role("group", name="Use it for")
    assert scope.get_by_role("radio", name=re.compile(r"\(all channels\)$")).is_checked()  # the default
    assert scope.get_by_role("radio", name="every order from the Alpha Shop channel").is_visible()
    assert scope.get_by_role("radio", name="only this order (#5001)").is_visible()
    form.get_by_label("Our product").select_option(label="TS-BLK-M — T-shirt black M")
    page.locator("#map-unknown-skus").screenshot(path=str(screenshot_dir / "sku-mapping-order-form.png"))
    page.screenshot(path=str(screenshot_dir / "sku-mapping-order-page.png"), full_page=True)
    form.get_by_role("button", name="Map TEE-BLK-M-2024").click()
    page.wait_for_load_state("networkidle")

    assert "TEE-BLK-M-2024 mapped to TS-BLK-M for all channels" in page.locator(".messages, main").first.inner_text()
    assert SkuMapping.objects.get().product.sku == "TS-BLK-M"
    assert Order.objects.get(pk=order.pk).lines.get().product is not None

    nav = page.get_by_role("navigation", name="Main")
    nav.locator("summary", has_text="Orders").click()
    nav.get_by_role("link", name="SKU mappings").click()
    page.wait_for_load_state("networkidle")
    page.select_option("select[name=client]", label=channel.client.name)
    page.get_by_role("button", name="Show").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("#sku-mappings tr[data-mapping]").count() == 1
    page.screenshot(path=str(screenshot_dir / "sku-mapping-list.png"), full_page=True)
