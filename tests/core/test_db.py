"""PostgreSQL connections read timestamps with psycopg's compiled loader, with the values Django's gives; the
webhook's INSERT is a prepared statement, and nothing else is."""

import datetime

import pytest
from django.db import DataError, connection
from django.db.backends.postgresql.psycopg_any import BaseTzLoader
from django.test.utils import CaptureQueriesContext

from core.db import CompiledTimestamptzLoader, UtcTimestamptzLoader, prepared_cursor
from orders.choices import ChannelKind
from orders.intake.deliveries import webhook_delivery_store
from orders.models import Order, WebhookDelivery
from tests.conftest import postgres_only
from tests.factories import OrderFactory, SalesChannelFactory

pytestmark = [pytest.mark.django_db, postgres_only]

LITERALS = [
    "2026-12-03 11:53:51.004845+00", "2026-01-01 10:00:00+05", "2024-02-29 23:59:59.999999-09:30",
    "1970-01-01 00:00:00+00", "0001-01-01 00:00:00+00", "9999-12-31 23:59:59.999999+00",
]


def _read(loader) -> list:
    sql = "SELECT " + ", ".join(f"'{literal}'::timestamptz" for literal in LITERALS) + ", NULL::timestamptz"
    with connection.cursor() as cursor:
        cursor.cursor.adapters.register_loader("timestamptz", loader)
        cursor.execute(sql)
        return list(cursor.fetchone())


@pytest.mark.skipif(CompiledTimestamptzLoader is None, reason="psycopg's compiled package is not installed")
def test_the_compiled_loader_reads_what_djangos_loader_reads():
    connection.ensure_connection()
    assert connection.connection.adapters.get_loader(1184, 0) is UtcTimestamptzLoader

    class DjangoLoader(BaseTzLoader):
        timezone = datetime.UTC

    theirs, ours = _read(DjangoLoader), _read(UtcTimestamptzLoader)
    assert ours == theirs
    assert [value.tzinfo for value in ours[:-1]] == [datetime.UTC] * len(LITERALS)
    assert ours[1] == datetime.datetime(2026, 1, 1, 5, tzinfo=datetime.UTC)
    assert ours[-1] is None


def test_models_read_aware_utc_datetimes():
    order = OrderFactory()
    received = Order.objects.values_list("received_at", flat=True).get(pk=order.pk)
    assert received == order.received_at
    assert received.tzinfo is datetime.UTC


def _prepared_statements() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [statement for (statement,) in cursor.fetchall()]


def _store(channel, n: int) -> WebhookDelivery:
    delivery, created = webhook_delivery_store(channel=channel, topic="orders/create", body=f'{{"id": {n}}}'.encode(),
                                               headers={"X-Shopify-Topic": "orders/create"}, delivery_id=f"d-{n}",
                                               external_id=str(n))
    assert created
    return delivery


def test_the_webhooks_insert_is_prepared_once_and_nothing_else_is():
    channel = SalesChannelFactory(kind=ChannelKind.SHOPIFY)
    before = _prepared_statements()

    # When three deliveries are stored, around queries of Django's own
    with CaptureQueriesContext(connection) as queries:
        stored = [_store(channel, n) for n in range(3)]
        assert WebhookDelivery.objects.filter(channel=channel).count() == 3

    # Then their one INSERT was prepared, once; Django's queries were not; and the rows hold what was bound
    new = [statement for statement in _prepared_statements() if statement not in before]
    assert len(new) == 1
    assert new[0].startswith('WITH stored AS (INSERT INTO "orders_webhookdelivery"')
    assert connection.connection.prepare_threshold is None
    assert sum("orders_webhookdelivery" in q["sql"] and "INSERT" in q["sql"] for q in queries.captured_queries) == 3
    rows = WebhookDelivery.objects.filter(pk__in=[d.pk for d in stored]).order_by("pk")
    assert [(d.body, d.headers, d.delivery_id, d.state) for d in rows] == [
        (f'{{"id": {n}}}', {"X-Shopify-Topic": "orders/create"}, f"d-{n}", "pending") for n in range(3)]
    assert all(d.received_at.tzinfo is datetime.UTC for d in rows)


def test_with_prepared_statements_off_nothing_is_prepared(settings):
    settings.DATABASE_PREPARED_STATEMENTS = False
    channel = SalesChannelFactory(kind=ChannelKind.SHOPIFY)
    before = _prepared_statements()
    _store(channel, 1)
    assert _prepared_statements() == before
    assert WebhookDelivery.objects.filter(channel=channel).count() == 1


def test_a_prepared_statements_error_is_djangos():
    with pytest.raises(DataError), prepared_cursor() as cursor:
        cursor.execute("SELECT 1 / %s", [0])
