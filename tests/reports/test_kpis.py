import datetime

import pytest
from django.urls import reverse

from core.choices import Role
from orders.choices import OrderStatus
from orders.models import Order, OrderEvent
from reports.charts import bar_chart
from reports.kpis import KpiFilters, kpis_compute, percentile, ship_deadline
from reports.rebalance import rebalance_suggestions
from returns.models import ReturnAuthorization
from returns.services.status import return_reject
from shipping.choices import ScanResult
from shipping.models import PackScan, Shipment
from tests.factories import (
    LocationFactory,
    OrderFactory,
    OrderLineFactory,
    ProductFactory,
    WarehouseFactory,
    make_user,
)
from tests.inventory.stock_helpers import receive
from tests.returns.factories import FeedbackSurveyFactory, open_return

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
    assert body["return_rate"] == 0.0  # orders shipped, none returned: a rate, not "no data"
    assert body["survey_rating"] is None
    assert body["no_data_yet"]["survey_rating"] == "No survey answers in this period."
    assert bad.status_code == 400


def test_kpi_api_and_dashboard_are_for_managers_only(api_for, client, picker):
    client.force_login(picker)

    assert api_for(picker).get(reverse("report-kpis")).status_code == 403
    assert client.get(reverse("reports:dashboard")).status_code == 403


def test_dashboard_draws_charts_as_svg(client, manager, known_orders):
    client.force_login(manager)

    html = client.get(reverse("reports:dashboard")).content.decode()

    assert html.count("<svg") == 5
    assert "Orders received and shipped per day" in html
    assert "Returns opened per day" in html
    assert "Survey rating per week (1–5)" in html
    assert "no data yet" not in html
    assert "no answers" in html  # the survey tile, with nothing answered
    assert "0.0 %" in html  # the return rate: 0 returns ÷ 3 orders shipped


def test_bar_chart_escapes_labels_and_scales_bars():
    svg = bar_chart(categories=["<a>", "b"], series={"x": [2, 4]}, title="T & U")

    assert "&lt;a&gt;" in svg
    assert "T &amp; U" in svg
    assert "<a>" not in svg
    assert 'height="180.0"' in svg  # the largest bar fills the plot (260 - 28 - 52)


def test_bar_chart_leaves_out_missing_values_and_keeps_a_fixed_axis():
    svg = bar_chart(categories=["w1", "w2"], series={"Average rating": [None, 4.5]}, title="Rating", y_max=5,
                    y_ticks=5, value_labels=True, value_format=".1f", notes=["0 answers", "2 answers"])

    assert svg.count("</rect>") == 1  # no bar for the week without answers
    assert 'height="162.0"' in svg  # 4.5 of 5 on a 180 px plot
    assert [f">{n}</text>" in svg for n in range(6)] == [True] * 6  # gridlines 0, 1, ... 5
    assert ">4.5</text>" in svg
    assert ">0 answers</text>" in svg


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


# --- returns and surveys ------------------------------------------------------------------------------------


def set_opened_at(rma, when: datetime.datetime):
    ReturnAuthorization.objects.filter(pk=rma.pk).update(created_at=when)
    return rma


def answered(order, rating, when: datetime.datetime | None):
    return FeedbackSurveyFactory(order=order, rating=rating, answered_at=when)


@pytest.fixture
def known_returns(known_orders):
    """The three shipped orders get 4 lines each (12 lines shipped); returns and surveys around the period
    d3 00:00 .. d1 24:00 (exclusive), so both boundaries are tested."""
    d1, d2, d3 = known_orders["days"]
    start_at, end_at = at(d3, 0), at(d1 + datetime.timedelta(days=1), 0)
    first, second, third = Order.objects.filter(status=OrderStatus.SHIPPED).order_by("received_at")
    # received d3 09:00 (shipped d1), d2 09:00 (shipped d2), d2 15:00 (shipped d1)
    for order in (first, second, third):
        for _ in range(4):
            OrderLineFactory(order=order)
    lines = {order.pk: list(order.lines.order_by("pk")) for order in (first, second, third)}
    a, b, c = (lines[o.pk] for o in (first, second, third))
    # in the period: 3 returns, 2 wrong-item lines (one return has two reasons)
    set_opened_at(open_return(first, [(a[0], 1, "wrong_item"), (a[1], 1, "too_small")]), start_at)  # first instant
    set_opened_at(open_return(second, [(b[0], 1, "wrong_item")]), at(d2, 18))
    set_opened_at(open_return(third, [(c[0], 1, "defective")]), end_at - datetime.timedelta(seconds=1))
    # left out: rejected, opened just before and just after the period
    rejected = open_return(third, [(c[1], 1, "wrong_item")], authorise=False)
    return_reject(rma=rejected, reason="Photo shows the item ordered")
    set_opened_at(rejected, at(d2, 12))
    set_opened_at(open_return(first, [(a[2], 1, "wrong_item")]), start_at - datetime.timedelta(seconds=1))
    set_opened_at(open_return(second, [(b[1], 1, "wrong_item")]), end_at)
    # surveys: 5 and 3 in the period (avg 4.0); outside, unanswered and another order's outside the period
    answered(first, 5, start_at)
    answered(second, 3, at(d1, 23))
    answered(third, 1, end_at)
    FeedbackSurveyFactory(order=OrderFactory(warehouse=known_orders["warehouse"]))  # sent, never answered
    answered(OrderFactory(warehouse=known_orders["warehouse"]), 1, start_at - datetime.timedelta(seconds=1))
    return {**known_orders, "orders": (first, second, third), "filters": KpiFilters(date_from=d3, date_to=d1)}


def test_return_rate_counts_returns_opened_in_the_period_per_order_shipped(manager, known_returns):
    kpis = kpis_compute(user=manager, filters=known_returns["filters"])

    assert (kpis.returns_opened, kpis.shipped_count) == (3, 3)
    assert kpis.return_rate == pytest.approx(1)
    assert "return_rate" not in kpis.unavailable


def test_wrong_item_returns_per_thousand_lines_shipped(manager, known_returns):
    kpis = kpis_compute(user=manager, filters=known_returns["filters"])

    assert (kpis.wrong_item_returns, kpis.lines_shipped) == (2, 12)
    assert kpis.wrong_item_rate == pytest.approx(2000 / 12)
    assert kpis.pick_accuracy == 0  # no mis-picks caught at packing: the two figures are separate


def test_returns_per_day_split_by_wrong_item(manager, known_returns):
    d1, d2, d3 = known_returns["days"]

    kpis = kpis_compute(user=manager, filters=known_returns["filters"])

    assert kpis.returns_per_day == [(d3, 1, 1), (d2, 1, 1), (d1, 1, 0)]


def test_survey_rating_averages_answers_of_the_period(manager, known_returns):
    d1, _d2, d3 = known_returns["days"]

    kpis = kpis_compute(user=manager, filters=known_returns["filters"])

    assert (kpis.survey_rating, kpis.survey_responses) == (pytest.approx(4.0), 2)
    assert kpis.survey_per_week == [{"date_from": d3, "date_to": d1, "responses": 2, "rating": pytest.approx(4.0)}]


def test_survey_rating_per_week_starts_on_the_first_day_of_the_period(manager, known_returns):
    d1, _d2, d3 = known_returns["days"]
    start = d3 - datetime.timedelta(days=7)

    kpis = kpis_compute(user=manager, filters=KpiFilters(date_from=start, date_to=d1))

    weeks = [(w["date_from"], w["date_to"], w["responses"], w["rating"]) for w in kpis.survey_per_week]
    # the answer rated 1 just before d3 falls in the first week; the period's two in the second
    assert weeks == [(start, d3 - datetime.timedelta(days=1), 1, 1), (d3, d1, 2, pytest.approx(4.0))]


def test_quality_kpis_follow_the_warehouse_that_shipped_the_order(manager, known_returns):
    elsewhere = WarehouseFactory(code="RETS")
    first = known_returns["orders"][0]
    first.returns.update(warehouse=elsewhere)  # the parcel goes back to another warehouse
    other = make_order(elsewhere, at(known_returns["days"][1], 8), at(known_returns["days"][1], 9))
    answered(other, 1, at(known_returns["days"][1], 12))
    filters = known_returns["filters"]

    ours = kpis_compute(user=manager, filters=KpiFilters(filters.date_from, filters.date_to,
                                                           warehouse_id=known_returns["warehouse"].pk))
    theirs = kpis_compute(user=manager, filters=KpiFilters(filters.date_from, filters.date_to,
                                                             warehouse_id=elsewhere.pk))

    assert (ours.returns_opened, ours.wrong_item_returns, ours.survey_responses) == (3, 2, 2)
    assert (theirs.returns_opened, theirs.return_rate, theirs.survey_rating) == (0, 0, 1)


def test_quality_kpis_filter_by_client(manager, known_returns):
    second = known_returns["orders"][1]
    filters = known_returns["filters"]

    kpis = kpis_compute(user=manager, filters=KpiFilters(filters.date_from, filters.date_to,
                                                           client_id=second.client_id))

    assert (kpis.shipped_count, kpis.returns_opened, kpis.return_rate) == (1, 1, 1)
    assert (kpis.wrong_item_returns, kpis.lines_shipped, kpis.wrong_item_rate) == (1, 4, 250)
    assert (kpis.survey_responses, kpis.survey_rating) == (1, 3)


def test_client_user_sees_only_its_clients_returns_and_surveys(known_returns):
    first = known_returns["orders"][0]
    user = make_user(Role.CLIENT, client=first.client)

    kpis = kpis_compute(user=user, filters=known_returns["filters"])

    assert (kpis.shipped_count, kpis.returns_opened, kpis.wrong_item_returns) == (1, 1, 1)
    assert (kpis.survey_responses, kpis.survey_rating) == (1, 5)


def test_warehouse_scoped_manager_sees_nothing_of_another_warehouse(known_returns):
    user = make_user(Role.MANAGER, warehouses=[WarehouseFactory(code="NORTH")])

    kpis = kpis_compute(user=user, filters=known_returns["filters"])

    assert (kpis.shipped_count, kpis.returns_opened, kpis.survey_responses) == (0, 0, 0)
    assert kpis.return_rate is kpis.survey_rating is kpis.wrong_item_rate is None
    assert kpis.unavailable["return_rate"] == "No orders shipped in this period."


def test_kpi_api_returns_return_and_survey_figures_as_numbers(manager_api, known_returns):
    filters = known_returns["filters"]

    body = manager_api.get(reverse("report-kpis"), {"date_from": filters.date_from.isoformat(),
                                                    "date_to": filters.date_to.isoformat()}).json()

    assert (body["returns_opened"], body["return_rate"]) == (3, 1.0)
    assert (body["wrong_item_returns"], body["wrong_item_returns_per_1000_lines"]) == (2, 166.7)
    assert (body["survey_rating"], body["survey_responses"]) == (4.0, 2)
    assert body["returns_per_day"][0] == {"date": filters.date_from.isoformat(), "returns": 1,
                                          "with_wrong_item": 1}
    assert body["survey_rating_per_week"] == [{"date_from": filters.date_from.isoformat(),
                                               "date_to": filters.date_to.isoformat(), "responses": 2,
                                               "rating": 4.0}]
    assert body["no_data_yet"] == {}


def test_dashboard_shows_return_rate_wrong_items_and_survey_rating(client, manager, known_returns):
    filters = known_returns["filters"]
    client.force_login(manager)

    html = client.get(reverse("reports:dashboard"), {"date_from": filters.date_from.isoformat(),
                                                     "date_to": filters.date_to.isoformat()}).content.decode()

    tiles = html.split('aria-label="Quality"')[1].split("</section>")[0]
    survey_chart = html.split('aria-label="Survey rating per week (1–5)"')[1].split("</svg>")[0]

    assert "100.0 %" in tiles
    assert "return rate (3 returns ÷ 3 orders shipped)" in tiles
    assert "166.7" in tiles
    assert "wrong-item returns per 1,000 lines (2 in 12 lines)" in tiles
    assert "4.0 / 5" in tiles
    assert "survey rating (2 answers)" in tiles
    assert ">4.0</text>" in survey_chart  # the week's rating above its bar and the answers under it, for print
    assert ">2 answers</text>" in survey_chart


def test_kpi_query_count_does_not_grow_with_returns_and_surveys(manager_api, known_returns,
                                                                  django_assert_max_num_queries):
    filters = known_returns["filters"]
    params = {"date_from": filters.date_from.isoformat(), "date_to": filters.date_to.isoformat()}
    with django_assert_max_num_queries(20) as few:
        manager_api.get(reverse("report-kpis"), params)
    baseline = len(few)
    for order in known_returns["orders"]:
        line = OrderLineFactory(order=order)
        set_opened_at(open_return(order, [(line, 1, "wrong_item")]), at(known_returns["days"][1], 6))
    for _ in range(5):
        answered(OrderFactory(warehouse=known_returns["warehouse"]), 4, at(known_returns["days"][1], 7))

    with django_assert_max_num_queries(baseline):
        body = manager_api.get(reverse("report-kpis"), params).json()

    assert (body["returns_opened"], body["survey_responses"]) == (6, 7)
