from decimal import Decimal

import pytest

from orders.choices import ChannelKind, ServiceLevel
from orders.intake.csv_import import CSV_COLUMNS, csv_orders_import, csv_template
from orders.models import Order
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db

HEADER = ",".join(CSV_COLUMNS)


def sheet(*rows: str) -> bytes:
    return ("\n".join([HEADER, *rows]) + "\n").encode()


ROW_1A = "#7001,2026-11-20,Ana Lima,ana@example.com,,Ana Lima,,1 Main St,,Boston,Massachusetts,2134,US,Express,expedited,USD,TEE-M,2,12.50"
ROW_1B = "#7001,,,,,,,,,,,,,,,,MUG,1,8"
ROW_2 = "#7002,,Bo Park,,,Bo Park,,9 Elm St,,Austin,TX,78701,United States,,,,MUG,3,"


@pytest.fixture
def catalog(client_a):
    ProductFactory(client=client_a, sku="TEE-M")
    ProductFactory(client=client_a, sku="MUG")
    ProductFactory(client=client_a, sku="SKU-1")
    ProductFactory(client=client_a, sku="SKU-2")
    return client_a


def test_good_sheet_imports_orders_grouped_by_order_number(catalog, manager):
    result = csv_orders_import(client=catalog, data=sheet(ROW_1A, ROW_1B, ROW_2), user=manager)

    assert result.ok, result.errors
    assert (len(result.orders), result.lines) == (2, 3)
    first = Order.objects.get(order_number="#7001")
    assert (first.ship_state, first.ship_postal_code, first.requested_service_level) == (
        "MA", "02134", ServiceLevel.EXPEDITED)
    assert [(li.sku, li.quantity, li.unit_price) for li in first.lines.all()] == [
        ("TEE-M", 2, Decimal("12.50")), ("MUG", 1, Decimal("8.00"))]
    assert first.total_price == Decimal("33.00")
    assert first.channel.kind == ChannelKind.CSV
    assert Order.objects.get(order_number="#7002").ship_country == "US"


def test_the_template_itself_imports(catalog):
    result = csv_orders_import(client=catalog, data=csv_template().encode())

    assert result.ok, result.errors
    assert len(result.orders) == 2


def test_one_bad_row_imports_nothing_and_reports_every_problem(catalog):
    bad_qty = "#7003,,Cy,,,Cy,,2 Oak St,,Reno,NV,89501,US,,,,MUG,zero,"
    unknown_sku = "#7004,,Di,,,Di,,3 Oak St,,Reno,NV,89501,US,,,,NOPE,1,"
    no_city = "#7005,,Ed,,,Ed,,4 Oak St,,,NV,89501,Narnia,,warp,,MUG,1,abc"

    result = csv_orders_import(client=catalog, data=sheet(ROW_1A, bad_qty, unknown_sku, no_city, ROW_2))

    assert not result.ok
    assert not Order.objects.exists()
    problems = [(e.row, e.column) for e in result.errors]
    assert problems == [(3, "quantity"), (4, "sku"), (5, "ship_city"), (5, "ship_country"), (5, "service_level"),
                        (5, "unit_price")]
    assert any("has no product with SKU “NOPE”" in e.message for e in result.errors)


def test_rows_of_one_order_must_agree(catalog):
    other_address = "#7001,,,,,,,99 Other Rd,,,,,,,,,MUG,1,8"

    result = csv_orders_import(client=catalog, data=sheet(ROW_1A, other_address))

    assert [(e.row, e.column) for e in result.errors] == [(3, "ship_address1")]


def test_already_imported_orders_are_refused(catalog):
    csv_orders_import(client=catalog, data=sheet(ROW_1A))

    again = csv_orders_import(client=catalog, data=sheet(ROW_1A, ROW_2))

    assert [e.message for e in again.errors] == ["Order #7001 was already imported."]
    assert Order.objects.count() == 1


@pytest.mark.parametrize(("data", "message"), [
    (b"", "empty"),
    (HEADER.encode() + b"\n", "no order rows"),
    (b"order_number,sku\n#1,MUG\n", "missing"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00", "not a text CSV"),
    (HEADER.encode() + b",colour\n", "Unknown column"),
])
def test_unusable_files_get_a_clear_message(catalog, data, message):
    result = csv_orders_import(client=catalog, data=data)

    assert any(message in e.message for e in result.errors), result.errors
    assert not Order.objects.exists()


def test_excel_bom_and_windows_line_endings_are_fine(catalog):
    data = "\ufeff".encode() + sheet(ROW_1A).replace(b"\n", b"\r\n")

    assert csv_orders_import(client=catalog, data=data).ok
