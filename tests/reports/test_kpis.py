import datetime

import pytest
from django.urls import reverse

from inventory.choices import Role
from orders.choices import OrderStatus
from orders.models import Order, OrderEvent
from reports.charts import bar_chart
from reports.kpis import KpiFilters, kpis_compute, percentile, ship_deadline
from reports.rebalance import rebalance_suggestions
from tests.factories import (
    LocationFactory,
    OrderFactory,
    OrderLineFactory,
    ProductFactory,
    WarehouseFactory,
    make_user,
)
from tests.inventory.stock_helpers import receive

pytestmark = pytest.mark.django_db
UTC = datetime.UTC


def at(day: datetime.date, hour: int) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=UTC)


def make_order(warehouse, received_at, shipped_at=None, status=OrderStatus.RECEIVED, client=None):
    kwargs = {"client": client, "channel__client": client} if client else {}
    order = OrderFactory(warehouse=warehouse, status=OrderStatus.SHIPPED if shipped_at else status, **kwargs)
    Order.objects.filter(pk=order.pk).update(received_at=received_at)
    if shipped_at:
        event = OrderEvent.objects.create(order=order, from_status=OrderStatus.PACKED, to_status=OrderStatus.SHIPPED)
        OrderEvent.objects.filter(pk=event.pk).update(created_at=shipped_at)
    return order


@pytest.fixture
def known_orders():
    warehouse = WarehouseFactory(code="UTC1", timezone="UTC")
    today = datetime.datetime.now(tz=UTC).date()
    d1, d2, d3 = (today - datetime.timedelta(days=n) for n in (1, 2, 3))
    now = datetime.datetime.now(tz=UTC)
    make_order(warehouse, at(d2, 9), at(d2, 13))  # 4 h, before the 14:00 cut-off: on time
    make_order(warehouse, at(d2, 15), at(d1, 10))  # 19 h, came after the cut-off: due next day, on time
    make_order(warehouse, at(d3, 9), at(d1, 9))  # 48 h: late
    make_order(warehouse, now - datetime.timedelta(hours=30), status=OrderStatus.ALLOCATED)
    make_order(warehouse, now - datetime.timedelta(hours=1))
    return {"warehouse": warehouse, "today": today, "days": (d1, d2, d3)}


def test_kpis_on_known_data(manager, known_orders):
    d1, d2, d3 = known_orders["days"]
    filters = KpiFilters(date_from=d3, date_to=known_orders["today"])

    kpis = kpis_compute(user=manager, filters=filters)

    assert dict(kpis.shipped_per_day) == {d3: 0, d2: 1, d1: 2, known_orders["today"]: 0}
    assert kpis.received_count == 5
    assert kpis.shipped_count == 3
    assert kpis.cycle_hours_median == pytest.approx(19)
    assert kpis.cycle_hours_p90 == pytest.approx(42.2)
    assert kpis.on_time_rate == pytest.approx(2 / 3)
    backlog = {row["status"]: row["buckets"] for row in kpis.backlog}
    assert backlog[OrderStatus.ALLOCATED] == [0, 1, 0, 0]
    assert backlog[OrderStatus.RECEIVED] == [1, 0, 0, 0]
    assert kpis.pick_accuracy is None  # the known orders have no lines
    assert "No order lines shipped" in kpis.unavailable["pick_accuracy"]


def test_kpis_scope_by_warehouse(manager, known_orders):
    other = WarehouseFactory(code="OTHER")
    d1, _d2, d3 = known_orders["days"]
    make_order(other, at(d1, 8), at(d1, 9))

    kpis = kpis_compute(user=manager, filters=KpiFilters(date_from=d3, date_to=d1, warehouse_id=other.pk))

    assert (kpis.shipped_count, kpis.cycle_hours_median) == (1, pytest.approx(1))


def test_percentile_and_deadline():
    assert percentile([], 90) is None
    assert percentile([10], 90) == 10
    assert percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 90) == pytest.approx(9.1)
    received = datetime.datetime(2026, 3, 2, 20, 30, tzinfo=UTC)  # 13:30 in Denver (MST): before the cut-off
    assert ship_deadline(received, "America/Denver") == datetime.datetime(2026, 3, 2, 21, 0, tzinfo=UTC)


def test_kpi_api_returns_numbers_and_rejects_bad_periods(manager_api, known_orders):
    _d1, _d2, d3 = known_orders["days"]

    body = manager_api.get(reverse("report-kpis"), {"date_from": d3.isoformat()}).json()
    bad = manager_api.get(reverse("report-kpis"), {"date_from": "2026-02-10", "date_to": "2026-02-01"})

    assert body["orders_shipped"] == 3
    assert body["cycle_time_hours"] == {"median": 19.0, "p90": 42.2}
    assert body["no_data_yet"]["return_rate"]
    assert bad.status_code == 400


def test_kpi_api_and_dashboard_are_for_managers_only(api_for, client, picker):
    client.force_login(picker)

    assert api_for(picker).get(reverse("report-kpis")).status_code == 403
    assert client.get(reverse("reports:dashboard")).status_code == 403


def test_dashboard_draws_charts_as_svg(client, manager, known_orders):
    client.force_login(manager)

    html = client.get(reverse("reports:dashboard")).content.decode()

    assert html.count("<svg") == 3
    assert "Orders received and shipped per day" in html
    assert "no data yet" in html


def test_bar_chart_escapes_labels_and_scales_bars():
    svg = bar_chart(categories=["<a>", "b"], series={"x": [2, 4]}, title="T & U")

    assert "&lt;a&gt;" in svg
    assert "T &amp; U" in svg
    assert "<a>" not in svg
    assert 'height="180.0"' in svg  # the largest bar fills the plot (260 - 28 - 52)


def test_rebalancing_suggests_moving_stock_to_where_it_is_ordered(manager):
    west = WarehouseFactory(code="WEST", latitude="40.72", longitude="-111.98")  # Salt Lake City
    east = WarehouseFactory(code="EAST", latitude="36.16", longitude="-86.78")  # Nashville
    product = ProductFactory(sku="TEA-EAST")
    receive(product, LocationFactory(warehouse=west), 20)
    for _ in range(3):  # all demand ships to South Carolina, nearest to Nashville
        OrderLineFactory(product=product, quantity=2, order__client=product.client,
                         order__channel__client=product.client, order__ship_postal_code="29201")

    (suggestion,) = rebalance_suggestions(user=manager)

    assert (suggestion.sku, suggestion.from_warehouse, suggestion.to_warehouse, suggestion.quantity) == (
        "TEA-EAST", "WEST", "EAST", 20)
    assert east.code == "EAST"


def test_non_manager_cannot_open_rebalancing(client):
    client.force_login(make_user(Role.PICKER))

    assert client.get(reverse("reports:rebalance")).status_code == 403


def test_pick_errors_per_thousand_lines_come_from_mispicks_caught_at_packing(manager, known_orders):
    from shipping.choices import ScanResult
    from shipping.models import PackScan, Shipment

    d1, _d2, d3 = known_orders["days"]
    shipped = Order.objects.filter(status=OrderStatus.SHIPPED).order_by("pk")
    for order in shipped:
        for _ in range(4):
            OrderLineFactory(order=order)  # 3 orders × 4 lines = 12 lines shipped
    shipment = Shipment.objects.create(order=shipped[0], warehouse=known_orders["warehouse"])
    PackScan.objects.create(shipment=shipment, barcode="X", result=ScanResult.WRONG_ITEM)
    PackScan.objects.create(shipment=shipment, barcode="Y", result=ScanResult.ACCEPTED)

    kpis = kpis_compute(user=manager, filters=KpiFilters(date_from=d3, date_to=known_orders["today"]))

    assert (kpis.mispicks, kpis.lines_shipped) == (1, 12)
    assert kpis.pick_accuracy == pytest.approx(1000 / 12)
