"""The indexes of orders, deliveries and holds (migration orders 0007) exist, and the queries they are for can use them as written."""

import os
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from orders.facts import first_order_ids
from orders.holds.checks import fraud_signals
from orders.selectors import order_list
from tests.conftest import is_postgres
from tests.factories import OrderFactory, SalesChannelFactory

pytestmark = pytest.mark.django_db

postgres_only = pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="the plans checked are PostgreSQL's; set DATABASE_URL to a PostgreSQL database to run it",
)

ORDER_INDEXES = {
    "order_received_idx": ["received_at", "id"],
    "order_status_received_idx": ["status", "received_at", "id"],
    "order_client_received_idx": ["client_id", "received_at", "id"],
    "order_client_status_recv_idx": ["client_id", "status", "received_at", "id"],
    "order_channel_received_idx": ["channel_id", "received_at", "id"],
    "order_postal_code_received_idx": ["ship_postal_code", "received_at"],
}
DELIVERY_INDEXES = {
    "delivery_channel_state_idx": ["channel_id", "state", "received_at"],
    "delivery_channel_source_idx": ["channel_id", "source", "received_at"],
}


def indexes_of(table: str) -> dict:
    with connection.cursor() as cursor:
        return connection.introspection.get_constraints(cursor, table)


def test_migration_creates_the_order_and_delivery_indexes():
    orders, deliveries = indexes_of("orders_order"), indexes_of("orders_webhookdelivery")

    for name, columns in ORDER_INDEXES.items():
        assert orders[name]["index"], name
        assert orders[name]["columns"] == columns, name
    for name, columns in DELIVERY_INDEXES.items():
        assert deliveries[name]["index"], name
        assert deliveries[name]["columns"] == columns, name
    assert orders["order_customer_email_idx"]["index"]
    assert indexes_of("orders_hold")["hold_open_created_idx"]["columns"] == ["created_at", "id"]
    if is_postgres():
        with connection.cursor() as cursor:
            cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'order_customer_email_idx'")
            (definition,) = cursor.fetchone()
        assert "lower((customer_email)::text), client_id" in definition


def plan_with_only(sql: str, index: str) -> str:
    """PostgreSQL's plan for `sql` when `index` is the only index of orders_order besides its primary key and
    neither a sequential scan nor a sort is an option: does the query as written fit the index?"""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'orders_order' AND indexname <> %s "
                       "AND indexname <> 'orders_order_pkey'", [index])
        for (other,) in cursor.fetchall():
            cursor.execute(f'DROP INDEX "{other}"')
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute("EXPLAIN " + sql)
        plan = "\n".join(row[0] for row in cursor.fetchall())
        transaction.set_rollback(True)  # the dropped indexes come back
    return plan


def captured_sql(call) -> list[str]:
    with CaptureQueriesContext(connection) as ctx:
        call()
    return [q["sql"] for q in ctx.captured_queries]


@postgres_only
def test_first_order_lookup_uses_the_lower_email_index():
    # Given a returning customer who wrote the address differently
    channel = SalesChannelFactory()
    OrderFactory(channel=channel, customer_email="Avery@Example.com")
    order = OrderFactory(channel=channel, customer_email="avery@example.com")

    # When rules and holds ask whether it is the customer's first order
    (sql,) = captured_sql(lambda: first_order_ids([order]))

    # Then the lookup is by the index on lower(customer_email), not a scan of every order
    plan = plan_with_only(sql, "order_customer_email_idx")
    assert "order_customer_email_idx" in plan, plan
    assert first_order_ids([order]) == set()


@postgres_only
def test_fraud_address_lookup_uses_the_postal_code_index():
    order = OrderFactory(channel=SalesChannelFactory(), ship_address1="9 Elm St", ship_postal_code="84120")

    (sql,) = captured_sql(lambda: fraud_signals(order, total=Decimal(10), first_order=False))

    plan = plan_with_only(sql, "order_postal_code_received_idx")
    assert "order_postal_code_received_idx" in plan, plan
    assert "Sort" not in plan, plan


@postgres_only
@pytest.mark.parametrize(("filters", "index"), [
    ({}, "order_received_idx"),
    ({"status": "allocated"}, "order_status_received_idx"),
    ({"client_id": 1}, "order_client_received_idx"),
    ({"client_id": 1, "status": "allocated"}, "order_client_status_recv_idx"),
    ({"channel_id": 1}, "order_channel_received_idx"),
])
def test_list_pages_read_their_page_from_an_index_in_sort_order(manager, filters, index):
    qs = order_list(user=manager).filter(**filters).order_by("-received_at", "-pk")[:50]

    (sql,) = captured_sql(lambda: list(qs))
    plan = plan_with_only(sql, index)

    assert index in plan, plan
    assert "Sort" not in plan, plan


# The tables every order writes to, from the webhook to its allocation, and the stock page's summary.
PIPELINE_TABLES = [
    "orders_webhookdelivery", "core_job", "orders_storefrontorder", "orders_order", "orders_orderline",
    "orders_orderevent", "orders_allocation", "inventory_stocklevel", "inventory_stockmovement",
    "inventory_stocksummary", "inventory_stocksummarychange",
]


@postgres_only
def test_no_index_of_the_pipelines_tables_is_covered_by_another():
    # An index whose columns another index of its table leads with (same operator classes, neither partial
    # nor on expressions) serves no lookup the other cannot, and costs every INSERT of an order its upkeep.
    with connection.cursor() as cursor:
        cursor.execute("""
            SELECT t.relname, a.relname, b.relname
            FROM pg_index ia JOIN pg_index ib ON ia.indrelid = ib.indrelid AND ia.indexrelid <> ib.indexrelid
            JOIN pg_class t ON t.oid = ia.indrelid
            JOIN pg_class a ON a.oid = ia.indexrelid JOIN pg_class b ON b.oid = ib.indexrelid
            WHERE t.relname = ANY(%s) AND NOT ia.indisunique
              AND ia.indpred IS NULL AND ib.indpred IS NULL AND ia.indexprs IS NULL AND ib.indexprs IS NULL
              AND a.relam = b.relam AND ia.indnkeyatts <= ib.indnkeyatts
              AND (ib.indkey::int2[])[0:ia.indnkeyatts - 1] = (ia.indkey::int2[])[0:ia.indnkeyatts - 1]
              AND (ib.indclass::oid[])[0:ia.indnkeyatts - 1] = (ia.indclass::oid[])[0:ia.indnkeyatts - 1]
            ORDER BY 1, 2""", [PIPELINE_TABLES])
        covered = cursor.fetchall()
        cursor.execute("SELECT count(*) FROM pg_class WHERE relname = ANY(%s)", [PIPELINE_TABLES])
        (tables,) = cursor.fetchone()

    assert tables == len(PIPELINE_TABLES)
    assert covered == []
