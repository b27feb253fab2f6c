import csv
import datetime
from pathlib import Path

import pytest

from inventory.choices import Role
from inventory.reorder import reorder_setting_save
from orders.choices import OrderStatus
from orders.models import Order, OrderEvent
from tests.browser.nav import nav_click
from tests.factories import LocationFactory, OrderFactory, ProductFactory, WarehouseFactory, make_user
from tests.inventory.stock_helpers import receive, ship

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _stock_and_orders():
    warehouse = WarehouseFactory(code="SLC", timezone="UTC")
    for i, (sku, on_hand, sold, setting) in enumerate([
        ("TENT-LOW", 40, 30, (50, 100)), ("SOCK-LOW", 3, 20, (15, 40)), ("HAT-OK", 60, 60, None),
        ("MUG-OVER", 500, 10, None),
    ]):
        location = LocationFactory(warehouse=warehouse, code=f"A-01-0{i}-A")
        product = ProductFactory(sku=sku, name=sku.title().replace("-", " "))
        receive(product, location, on_hand + sold)
        ship(product, location, sold, days_ago=2)
        if setting:
            reorder_setting_save(product=product, warehouse=warehouse, reorder_point=setting[0],
                                 reorder_quantity=setting[1])
    now = datetime.datetime.now(tz=datetime.UTC)
    for day in range(6):
        for n in range(day % 3 + 1):
            order = OrderFactory(warehouse=warehouse, status=OrderStatus.SHIPPED)
            received = now - datetime.timedelta(days=day, hours=5 + n * 6)
            Order.objects.filter(pk=order.pk).update(received_at=received)
            event = OrderEvent.objects.create(order=order, from_status=OrderStatus.PACKED,
                                              to_status=OrderStatus.SHIPPED)
            OrderEvent.objects.filter(pk=event.pk).update(created_at=received + datetime.timedelta(hours=3 + n * 4))
    OrderFactory(warehouse=warehouse, status=OrderStatus.ALLOCATED)


def test_manager_filters_stock_to_under_exports_csv_and_opens_dashboard(page, live_server, login, screenshot_dir):
    manager = make_user(Role.MANAGER)
    _stock_and_orders()
    login(page, manager.username)

    nav_click(page, "Stock", "Stock levels")
    page.select_option("#id_status", "under")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_load_state("networkidle")

    rows = page.locator("table.stock-table tbody tr")
    assert rows.count() == 2
    assert "TENT-LOW" in rows.nth(0).inner_text() or "TENT-LOW" in rows.nth(1).inner_text()
    assert "HAT-OK" not in page.locator("table.stock-table").inner_text()
    page.screenshot(path=str(screenshot_dir / "stock-under.png"), full_page=True)

    with page.expect_download() as download:
        page.get_by_role("link", name="Export CSV").click()
    exported = list(csv.DictReader(Path(download.value.path()).read_text().splitlines()))
    assert sorted(r["sku"] for r in exported) == ["SOCK-LOW", "TENT-LOW"]
    assert {r["status"] for r in exported} == {"under"}

    nav_click(page, "Reports", "Dashboard")

    assert page.locator("h1").inner_text() == "Operations dashboard"
    assert page.locator("svg.chart").count() == 3
    assert page.locator(".kpi").filter(has_text="orders shipped").locator(".n").inner_text() == "12"
    assert page.locator(".kpi.nodata").filter(has_text="return rate").is_visible()
    page.screenshot(path=str(screenshot_dir / "dashboard.png"), full_page=True)
    page.emulate_media(media="print")
    page.screenshot(path=str(screenshot_dir / "dashboard-print.png"), full_page=True)
