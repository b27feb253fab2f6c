import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from core.access import user_access
from core.choices import Role
from inventory.choices import StockStatus
from inventory.control.receiving import inbound_create
from inventory.control.transfers import transfer_create, transfer_dispatch
from inventory.exceptions import StockLedgerError
from inventory.figures.read import StockFigureFilters, stock_figures_page
from inventory.models import StockLevel, StockSummaryChange
from inventory.reorder import reorder_setting_save, reorder_suggest
from inventory.services import stock_allocate
from inventory.turnover import stock_turnover
from tests.factories import ClientFactory, LocationFactory, ProductFactory, WarehouseFactory, make_user
from tests.inventory.stock_helpers import receive, ship

pytestmark = pytest.mark.django_db


@pytest.fixture
def slc():
    return WarehouseFactory(code="SLC")


@pytest.fixture
def bin_slc(slc):
    return LocationFactory(warehouse=slc, code="A-01-01-A")


def figures_for(user, **filters):
    return {(row.sku, row.warehouse_code): row for row in stock_figures_page(
        access=user_access(user), filters=StockFigureFilters(**filters), limit=500, offset=0).rows}


def test_velocity_days_of_cover_and_default_reorder_point_on_known_data(manager, bin_slc):
    product = ProductFactory(sku="TENT-1")
    receive(product, bin_slc, 160, days_ago=60)
    ship(product, bin_slc, 30, days_ago=2)
    ship(product, bin_slc, 30, days_ago=10)
    ship(product, bin_slc, 40, days_ago=45)  # outside the 30-day window

    row = figures_for(manager)[("TENT-1", "SLC")]

    assert (row.on_hand, row.available, row.sold_30, row.sold_90) == (60, 60, 60, 100)
    assert row.velocity_per_day == pytest.approx(2.0)
    assert row.days_of_cover == pytest.approx(30.0)
    # default without a setting: 2/day × (14 lead + 7 safety days) and 2/day × 30 days
    assert (row.reorder_point, row.reorder_quantity, row.has_setting) == (42, 60, False)
    assert row.status == StockStatus.HEALTHY


def _product_with(bin_, *, on_hand, sold_30=0, setting=None, age_days=10, allocated=0, sku="P"):
    product = ProductFactory(sku=sku)
    receive(product, bin_, on_hand + sold_30, days_ago=age_days)
    if sold_30:
        ship(product, bin_, sold_30, days_ago=1)
    if allocated:
        stock_allocate(stock_level_id=StockLevel.objects.get(product=product, location=bin_).pk, quantity=allocated,
                       reference="ORDER-1")
    if setting:
        reorder_setting_save(product=product, warehouse=bin_.warehouse, reorder_point=setting[0],
                             reorder_quantity=setting[1])
    return product


@pytest.mark.parametrize(("kwargs", "expected"), [
    ({"on_hand": 5, "allocated": 5, "sold_30": 3}, StockStatus.STOCKOUT),
    ({"on_hand": 40, "sold_30": 30, "setting": (50, 100)}, StockStatus.UNDER),
    ({"on_hand": 50, "sold_30": 30, "setting": (10, 20)}, StockStatus.OVER),
    ({"on_hand": 500, "sold_30": 60}, StockStatus.OVER),  # 250 days of cover, no setting
    ({"on_hand": 10, "age_days": 100}, StockStatus.DEAD),
    ({"on_hand": 10, "age_days": 20}, StockStatus.HEALTHY),  # new stock is not dead yet
    ({"on_hand": 60, "sold_30": 60}, StockStatus.HEALTHY),
])
def test_stock_status_classification(manager, bin_slc, kwargs, expected):
    _product_with(bin_slc, sku="X-1", **kwargs)

    assert figures_for(manager)[("X-1", "SLC")].status == expected


def test_inbound_asn_units_lift_a_product_out_of_under(manager, bin_slc):
    product = _product_with(bin_slc, on_hand=40, sold_30=30, setting=(50, 100), sku="X-2")
    assert figures_for(manager)[("X-2", "SLC")].status == StockStatus.UNDER

    inbound_create(client=product.client, warehouse=bin_slc.warehouse, reference="ASN-1",
                   lines=[{"sku": "X-2", "quantity": 20}])

    row = figures_for(manager)[("X-2", "SLC")]
    assert (row.inbound, row.status) == (20, StockStatus.HEALTHY)


def test_units_in_transit_are_inbound_for_the_destination_not_on_hand(manager, bin_slc):
    nsh_bin = LocationFactory(warehouse=WarehouseFactory(code="NSH"))
    product = ProductFactory(sku="MOVE-1")
    receive(product, bin_slc, 10)
    receive(product, nsh_bin, 1)
    transfer = transfer_create(from_warehouse=bin_slc.warehouse, to_warehouse=nsh_bin.warehouse,
                               lines=[{"product": product, "from_location": bin_slc, "quantity": 4}])
    transfer_dispatch(transfer=transfer)

    rows = figures_for(manager)

    assert (rows[("MOVE-1", "SLC")].on_hand, rows[("MOVE-1", "SLC")].inbound) == (6, 0)
    assert (rows[("MOVE-1", "NSH")].on_hand, rows[("MOVE-1", "NSH")].inbound) == (1, 4)


def test_filters_status_search_and_ordering(manager, bin_slc):
    _product_with(bin_slc, on_hand=40, sold_30=30, setting=(50, 100), sku="UNDER-1")
    _product_with(bin_slc, on_hand=60, sold_30=60, sku="OK-1")

    assert list(figures_for(manager, status="under")) == [("UNDER-1", "SLC")]
    assert list(figures_for(manager, search="ok-")) == [("OK-1", "SLC")]
    rows = stock_figures_page(access=user_access(manager), filters=StockFigureFilters(ordering="-on_hand"),
                              limit=10, offset=0).rows
    assert [r.sku for r in rows] == ["OK-1", "UNDER-1"]


def test_client_user_and_warehouse_staff_see_only_their_rows(bin_slc):
    nsh_bin = LocationFactory(warehouse=WarehouseFactory(code="NSH"))
    alpha, beta = ClientFactory(), ClientFactory()
    receive(ProductFactory(client=alpha, sku="A-1"), bin_slc, 5)
    receive(ProductFactory(client=beta, sku="B-1"), bin_slc, 5)
    receive(ProductFactory(client=beta, sku="B-2"), nsh_bin, 5)

    assert set(figures_for(make_user(Role.CLIENT, client=alpha))) == {("A-1", "SLC")}
    assert set(figures_for(make_user(Role.PICKER, warehouses=[nsh_bin.warehouse]))) == {("B-2", "NSH")}


def test_reorder_suggestion_uses_mean_spread_and_lead_time(bin_slc):
    product = ProductFactory(sku="TEA-1")
    receive(product, bin_slc, 1000, days_ago=100)
    for day in range(90):  # 0 and 4 units on alternate days: mean 2, σ 2
        if day % 2 == 0:
            ship(product, bin_slc, 4, days_ago=day)

    suggestion = reorder_suggest(product=product, warehouse=bin_slc.warehouse, lead_time_days=9,
                                 service_level=Decimal("0.95"))

    assert suggestion.daily_mean == pytest.approx(2.0)
    assert suggestion.daily_stddev == pytest.approx(2.0)
    assert suggestion.safety_stock == 10  # ceil(1.645 × 2 × √9 = 9.87)
    assert suggestion.reorder_point == 28  # 2 × 9 + 10
    assert suggestion.reorder_quantity == 60  # 30 days of sales


def test_reorder_suggestion_refuses_a_bad_service_level(bin_slc):
    with pytest.raises(StockLedgerError):
        reorder_suggest(product=ProductFactory(), warehouse=bin_slc.warehouse, service_level=Decimal("1.2"))


def test_turnover_and_stock_value_per_client_and_warehouse(manager, bin_slc):
    product = ProductFactory(sku="VAL-1", unit_value=Decimal("10.00"))
    receive(product, bin_slc, 100, days_ago=40)  # before the period: opening value 1,000
    ship(product, bin_slc, 20, days_ago=5)
    ship(product, bin_slc, 20, days_ago=3)  # closing 60 units = 600; shipped 400
    today = timezone.now().date()

    (row,) = stock_turnover(user=manager, date_from=today - datetime.timedelta(days=29), date_to=today)

    assert (row.value_start, row.value_end, row.shipped_value, row.units_shipped) == (
        Decimal("1000.00"), Decimal("600.00"), Decimal("400.00"), 40)
    assert row.turnover == Decimal("0.50")  # 400 / ((1000 + 600) / 2)


def _stock_rows(n, warehouses):
    for i in range(n):
        product = ProductFactory()
        for j, wh in enumerate(warehouses):
            location = LocationFactory(warehouse=wh)
            receive(product, location, 10 + i)
            if (i + j) % 3 == 0:
                ship(product, location, 1)


PAGE_PLANS = [{}, {"ordering": "-warehouse"}, {"ordering": "-velocity"}, {"status": "healthy"},
              {"ordering": "days_of_cover", "q": "sku"}]


def _queue_a_change():
    """Queue one stock change, as a busy floor always has: each measured read then refreshes it first."""
    level = StockLevel.objects.select_related("location").order_by("pk").first()
    StockSummaryChange.objects.create(product_id=level.product_id, warehouse_id=level.location.warehouse_id)


def test_stock_page_query_count_does_not_grow_with_data(client, manager, slc):
    nsh = WarehouseFactory(code="NSH")
    client.force_login(manager)
    _stock_rows(2, [slc])
    client.get(reverse("inventory:stock"))
    small = []
    for params in PAGE_PLANS:
        _queue_a_change()
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("inventory:stock"), params).status_code == 200
        small.append(len(ctx))

    _stock_rows(40, [slc, nsh])
    ClientFactory.create_batch(3)
    for params, expected in zip(PAGE_PLANS, small, strict=True):
        _queue_a_change()
        with CaptureQueriesContext(connection) as large:
            response = client.get(reverse("inventory:stock"), params)

        assert response.status_code == 200
        assert len(response.context["rows"]) == 50
        assert len(large) == expected, (params, [q["sql"][:120] for q in large.captured_queries])
    # With nothing queued, the read skips the refresh statement: one query fewer.
    with CaptureQueriesContext(connection) as idle:
        client.get(reverse("inventory:stock"), PAGE_PLANS[0])
    assert len(idle) == small[0] - 1


def test_stock_api_query_count_does_not_grow_with_data(manager_api, slc, django_assert_num_queries):
    _stock_rows(2, [slc])
    manager_api.get(reverse("stock-list"))
    _queue_a_change()
    with CaptureQueriesContext(connection) as small:
        assert manager_api.get(reverse("stock-list"), {"status": "healthy"}).status_code == 200
    _queue_a_change()
    with CaptureQueriesContext(connection) as small_by_sku:
        assert manager_api.get(reverse("stock-list")).status_code == 200
    # Counted now: connection.queries keeps only the last 9,000, and the next lines run more than that.
    expected, expected_by_sku = len(small), len(small_by_sku)
    _stock_rows(60, [slc, WarehouseFactory(code="NSH")])
    manager_api.get(reverse("stock-list"))

    _queue_a_change()
    with django_assert_num_queries(expected_by_sku):
        assert manager_api.get(reverse("stock-list"), {"page": 2}).status_code == 200
    _queue_a_change()
    with django_assert_num_queries(expected):
        body = manager_api.get(reverse("stock-list"), {"status": "healthy"}).json()

    assert body["count"] > 50
    assert len(body["results"]) == 50
    assert body["next"]


def test_stock_api_has_figures_and_rejects_bad_filters(manager_api, bin_slc):
    _product_with(bin_slc, on_hand=40, sold_30=30, setting=(50, 100), sku="UNDER-1")

    body = manager_api.get(reverse("stock-list"), {"status": "under"}).json()
    bad = manager_api.get(reverse("stock-list"), {"status": "sideways"})

    row = body["results"][0]
    assert (row["sku"], row["status"], row["reorder_point"], row["sold_30_days"], row["suggested_order"]) == (
        "UNDER-1", "under", 50, 30, 100)
    assert bad.status_code == 400
    assert "status" in bad.json()


def test_stock_page_filters_to_under_and_exports_csv(client, manager, bin_slc):
    _product_with(bin_slc, on_hand=40, sold_30=30, setting=(50, 100), sku="UNDER-1")
    _product_with(bin_slc, on_hand=60, sold_30=60, sku="OK-1")
    client.force_login(manager)

    html = client.get(reverse("inventory:stock"), {"status": "under"}).content.decode()
    response = client.get(reverse("inventory:stock"), {"status": "under", "export": "csv"})

    assert "UNDER-1" in html
    assert "OK-1" not in html
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [(r["sku"], r["status"], r["suggested_order"]) for r in rows] == [("UNDER-1", "under", "100")]


def test_stock_page_bad_filter_is_a_message_not_an_error(client, manager):
    client.force_login(manager)

    response = client.get(reverse("inventory:stock"), {"status": "sideways", "page": "x"})

    assert response.status_code == 200
    assert "not understood" in response.content.decode()


def test_product_page_shows_bins_ledger_and_saves_reorder_settings(client, manager, bin_slc):
    product = _product_with(bin_slc, on_hand=40, sold_30=30, sku="TENT-9")
    client.force_login(manager)

    html = client.get(reverse("inventory:product", args=[product.pk])).content.decode()
    response = client.post(reverse("inventory:reorder", args=[product.pk, bin_slc.warehouse.pk]), {
        f"w{bin_slc.warehouse.pk}-reorder_point": "70", f"w{bin_slc.warehouse.pk}-reorder_quantity": "90",
        f"w{bin_slc.warehouse.pk}-lead_time_days": "10", f"w{bin_slc.warehouse.pk}-service_level": "0.9"})

    assert bin_slc.code in html
    assert "Shipped" in html
    assert "Reorder settings" in html
    assert response.status_code == 302
    assert figures_for(manager)[("TENT-9", "SLC")].reorder_point == 70
