import csv
import datetime
from pathlib import Path

import pytest

from core.choices import Role
from inventory.reorder import reorder_setting_save
from orders.choices import OrderStatus
from orders.models import Order, OrderEvent
from returns.models import ReturnAuthorization
from tests.browser.nav import nav_click
from tests.factories import (
    LocationFactory,
    OrderFactory,
    OrderLineFactory,
    ProductFactory,
    WarehouseFactory,
    make_user,
)
from tests.inventory.stock_helpers import receive, ship
from tests.returns.factories import FeedbackSurveyFactory, open_return

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
    return warehouse


def _returns_and_surveys(warehouse):
    """Two lines on each of the 12 shipped orders; 3 returns (one with a wrong item) and 6 survey answers,
    two of them in the first week of the dashboard's 14 days."""
    now = datetime.datetime.now(tz=datetime.UTC)
    shipped = list(Order.objects.filter(status=OrderStatus.SHIPPED).order_by("pk"))
    for order in shipped:
        OrderLineFactory.create_batch(2, order=order)
    for order, reason, days_ago in ((shipped[0], "wrong_item", 0), (shipped[3], "too_small", 1),
                                    (shipped[6], "damaged", 3)):
        rma = open_return(order, [(order.lines.order_by("pk").first(), 1, reason)])
        ReturnAuthorization.objects.filter(pk=rma.pk).update(created_at=now - datetime.timedelta(days=days_ago))
    answers = [(shipped[1], 5, 0), (shipped[2], 4, 1), (shipped[4], 5, 2), (shipped[5], 2, 4)]
    answers += [(OrderFactory(warehouse=warehouse, status=OrderStatus.DELIVERED), rating, days_ago)
                for rating, days_ago in ((3, 9), (4, 11))]
    for order, rating, days_ago in answers:
        FeedbackSurveyFactory(order=order, rating=rating, answered_at=now - datetime.timedelta(days=days_ago))


def test_manager_filters_stock_to_under_exports_csv_and_opens_dashboard(page, live_server, login, screenshot_dir):
    manager = make_user(Role.MANAGER)
    _returns_and_surveys(_stock_and_orders())
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
    assert page.locator("svg.chart").count() == 5
    tile = page.locator(".kpi")
    assert tile.filter(has_text="orders shipped").first.locator(".n").inner_text() == "12"
    assert tile.filter(has_text="return rate").locator(".n").inner_text() == "25.0 %"  # 3 returns ÷ 12
    assert tile.filter(has_text="wrong-item returns").locator(".n").inner_text() == "41.7"  # 1 of 24 lines
    assert tile.filter(has_text="survey rating").locator(".n").inner_text() == "3.8 / 5"  # 23 / 6
    assert page.locator(".kpi.nodata").count() == 0
    assert page.get_by_role("img", name="Survey rating per week (1–5)").is_visible()
    page.screenshot(path=str(screenshot_dir / "dashboard.png"), full_page=True)
    page.emulate_media(media="print")
    page.screenshot(path=str(screenshot_dir / "dashboard-print.png"), full_page=True)
    page.pdf(path=str(screenshot_dir / "dashboard.pdf"), format="A4", prefer_css_page_size=True)  # on paper
