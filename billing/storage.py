"""Nightly storage snapshots: what each client had in each kind of location of each warehouse at the end of a day.

A night's stock is read from the ledger: the stock standing now, less every movement after the end of that
night (except reservations, which change `allocated`, not what stands on a shelf) (each StockMovement says from where and to where). So the nightly run and a run days later give the same
figures, and a missed night is filled in on the next run. A StorageSnapshotRun row per night makes a second run
for it do nothing.
"""

from __future__ import annotations

import datetime

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from billing.models import StorageSnapshot, StorageSnapshotRun
from inventory.choices import MovementKind
from inventory.models import Product, StockLevel, StockMovement
from warehouses.models import Location

# How far back a run looks for missed nights.
CATCH_UP_DAYS = 7


def day_end(day: datetime.date) -> datetime.datetime:
    """The first moment after `day` in the site's time zone: a night's snapshot is the stock standing then."""
    return timezone.make_aware(datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time.min))


SNAPSHOT_SQL = """
WITH at_night AS (
    SELECT product_id, location_id, SUM(qty) AS units FROM (
        SELECT product_id, location_id, on_hand AS qty FROM {stock} WHERE on_hand <> 0
        UNION ALL
        SELECT product_id, to_location_id, -quantity FROM {moves}
         WHERE created_at >= %(after)s AND to_location_id IS NOT NULL AND kind <> %(allocate)s AND kind <> %(deallocate)s
        UNION ALL
        SELECT product_id, from_location_id, quantity FROM {moves}
         WHERE created_at >= %(after)s AND from_location_id IS NOT NULL AND kind <> %(allocate)s AND kind <> %(deallocate)s
    ) changes GROUP BY product_id, location_id HAVING SUM(qty) > 0
), arrived AS (
    SELECT product_id, to_location_id AS location_id, SUM(quantity) AS units FROM {moves}
     WHERE created_at >= %(day_start)s AND created_at < %(after)s AND kind = %(receipt)s
       AND to_location_id IS NOT NULL
     GROUP BY product_id, to_location_id
)
SELECT p.client_id, l.warehouse_id, l.kind, SUM(n.units), COUNT(DISTINCT n.location_id),
       SUM(n.units * p.length_mm::bigint * p.width_mm * p.height_mm / 1000),
       COALESCE(SUM(CASE WHEN a.units IS NULL THEN 0 WHEN a.units < n.units THEN a.units ELSE n.units END), 0)
  FROM at_night n
  JOIN {products} p ON p.id = n.product_id
  JOIN {locations} l ON l.id = n.location_id
  LEFT JOIN arrived a ON a.product_id = n.product_id AND a.location_id = n.location_id
 GROUP BY p.client_id, l.warehouse_id, l.kind
"""


def _night_rows(day: datetime.date) -> list[tuple]:
    sql = SNAPSHOT_SQL.format(stock=StockLevel._meta.db_table, moves=StockMovement._meta.db_table,
                              products=Product._meta.db_table, locations=Location._meta.db_table)
    if connection.vendor != "postgresql":
        sql = sql.replace("::bigint", "")
    with connection.cursor() as cursor:
        cursor.execute(sql, {"after": day_end(day), "day_start": day_end(day - datetime.timedelta(days=1)),
                             "allocate": MovementKind.ALLOCATE,
                             "deallocate": MovementKind.DEALLOCATE, "receipt": MovementKind.RECEIPT})
        return cursor.fetchall()


def storage_snapshot_take(*, day: datetime.date, from_ledger: bool = False) -> StorageSnapshotRun | None:
    """Record the stock of every client at the end of `day`; nothing when that night is recorded already.

    Returns the new run, or None when there was one.
    """
    with transaction.atomic():
        try:
            with transaction.atomic():
                run = StorageSnapshotRun.objects.create(snapshot_date=day, from_ledger=from_ledger)
        except IntegrityError:
            return None
        rows = [StorageSnapshot(snapshot_date=day, client_id=client_id, warehouse_id=warehouse_id,
                                location_kind=kind, units=units, bins=bins, volume_cm3=int(volume or 0),
                                new_units=int(new_units or 0))
                for client_id, warehouse_id, kind, units, bins, volume, new_units in _night_rows(day)]
        StorageSnapshot.objects.bulk_create(rows, batch_size=1000)
        run.rows = len(rows)
        run.save(update_fields=["rows"])
    return run


def storage_snapshots_catch_up(*, today: datetime.date | None = None) -> list[datetime.date]:
    """Take last night's snapshot and any of the nights before it (up to a week) that were missed.

    Safe to run any number of times. Returns the nights recorded by this run.
    """
    today = today or timezone.localdate()
    last_night = today - datetime.timedelta(days=1)
    first = last_night - datetime.timedelta(days=CATCH_UP_DAYS - 1)
    taken = set(StorageSnapshotRun.objects.filter(snapshot_date__gte=first).values_list("snapshot_date", flat=True))
    earliest_run = StorageSnapshotRun.objects.order_by("snapshot_date").values_list("snapshot_date", flat=True).first()
    recorded = []
    # Nights before the first run ever are not missed ones: billing starts with it.
    day = max(first, earliest_run) if earliest_run is not None else last_night
    while day <= last_night:
        if day not in taken and storage_snapshot_take(day=day, from_ledger=day != last_night) is not None:
            recorded.append(day)
        day += datetime.timedelta(days=1)
    return recorded
