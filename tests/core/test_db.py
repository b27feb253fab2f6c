"""PostgreSQL connections read timestamps with psycopg's compiled loader, with the values Django's gives."""

import datetime

import pytest
from django.db import connection
from django.db.backends.postgresql.psycopg_any import BaseTzLoader

from core.db import CompiledTimestamptzLoader, UtcTimestamptzLoader
from orders.models import Order
from tests.conftest import postgres_only
from tests.factories import OrderFactory

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
