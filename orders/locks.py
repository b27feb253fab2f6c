"""Row locks for orders; parents before children (Order -> OrderLine -> Allocation -> StockLevel).

A rule re-run (RuleRun) is locked before the order it is applying rules to.
"""

from collections.abc import Iterable, Sequence

from django.db import connection
from django.utils import timezone

from orders.models import Order, OrderLine, RuleRun, StorefrontOrder


def order_lock(order_id: int) -> Order:
    """Lock one order row and return it fresh. Raises Order.DoesNotExist. Call inside transaction.atomic."""
    return Order.objects.select_for_update(of=("self",)).get(pk=order_id)


def orders_lock(order_ids: Iterable[int], *, related: Sequence[str] = ()) -> list[Order]:
    """Lock several orders in ascending pk order and return them, with the `related` rows they point to read
    in the same query (select_related; those rows are not locked)."""
    return list(Order.objects.select_for_update(of=("self",)).select_related(*related)
                .filter(pk__in=sorted(set(order_ids))).order_by("pk"))


def storefront_order_lock(*, channel_id: int, external_id: str):
    """Lock (creating it if needed) the StorefrontOrder row of one storefront order and return it.

    Concurrent deliveries of the same storefront order queue up here, before any Order row is touched.
    On PostgreSQL one INSERT ... ON CONFLICT DO UPDATE both creates and locks the row. Call inside
    transaction.atomic.
    """
    if connection.vendor == "postgresql":
        table = StorefrontOrder._meta.db_table
        now = timezone.now()
        return next(iter(StorefrontOrder.objects.raw(
            f"INSERT INTO {table} (created_at, updated_at, channel_id, external_id, source_status, found_by_sync) "
            f"VALUES (%s, %s, %s, %s, '', false) ON CONFLICT (channel_id, external_id) "
            f"DO UPDATE SET updated_at = {table}.updated_at RETURNING *",
            [now, now, channel_id, external_id])))
    ref, _ = StorefrontOrder.objects.get_or_create(channel_id=channel_id, external_id=external_id)
    return StorefrontOrder.objects.select_for_update(of=("self",)).get(pk=ref.pk)


def storefront_orders_lock(keys: Iterable[tuple[int, str]]) -> dict[tuple[int, str], StorefrontOrder]:
    """storefront_order_lock for many (channel id, storefront id) keys, locked in that sorted order; on
    PostgreSQL in one statement. Returns the rows by key. Call inside transaction.atomic."""
    ordered = sorted(set(keys))
    if connection.vendor != "postgresql" or not ordered:
        return {key: storefront_order_lock(channel_id=key[0], external_id=key[1]) for key in ordered}
    table = StorefrontOrder._meta.db_table
    now = timezone.now()
    # The rows of a multi-row INSERT are inserted (or locked, on conflict) in the order of its VALUES.
    rows = StorefrontOrder.objects.raw(
        f"INSERT INTO {table} (created_at, updated_at, channel_id, external_id, source_status, found_by_sync) "
        "VALUES " + ", ".join(["(%s, %s, %s, %s, '', false)"] * len(ordered))
        + f" ON CONFLICT (channel_id, external_id) DO UPDATE SET updated_at = {table}.updated_at RETURNING *",
        [value for channel_id, external_id in ordered for value in (now, now, channel_id, external_id)])
    return {(row.channel_id, row.external_id): row for row in rows}


def order_lines_lock(*, order_ids: Iterable[int], sku: str | None = None) -> list:
    """Lock the lines of already locked orders (optionally only those with one SKU) in ascending pk order."""
    qs = OrderLine.objects.select_for_update(of=("self",)).filter(order_id__in=sorted(set(order_ids)))
    if sku is not None:
        qs = qs.filter(sku=sku)
    return list(qs.order_by("pk"))


def rule_run_lock(run_id: int):
    """Lock one rule re-run row and return it fresh, or None if it is gone. Call inside transaction.atomic."""
    return RuleRun.objects.select_for_update(of=("self",)).filter(pk=run_id).first()
