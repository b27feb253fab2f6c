"""Row locks for stock, always taken in primary-key order so that concurrent work cannot deadlock."""

from collections.abc import Iterable

from inventory.models import StockLevel


def stock_levels_lock(stock_level_ids: Iterable[int]) -> dict[int, StockLevel]:
    """Lock the given stock levels (ascending pk) and return them by id. Call inside transaction.atomic."""
    ids = sorted(set(stock_level_ids))
    rows = StockLevel.objects.select_for_update(of=("self",)).filter(pk__in=ids).order_by("pk")
    return {row.pk: row for row in rows}


def stock_levels_for_products_lock(product_ids: Iterable[int], **filters) -> list[StockLevel]:
    """Lock every stock level of the given products (ascending pk), optionally filtered further."""
    return list(
        StockLevel.objects.select_for_update(of=("self",))
        .filter(product_id__in=sorted(set(product_ids)), **filters)
        .select_related("location")
        .order_by("pk")
    )


def row_lock(model, pk: int):
    """Lock one row of a stock-control document (ASN, count, transfer) before its lines and stock levels.

    Raises model.DoesNotExist when it is gone. Call inside transaction.atomic.
    """
    return model.objects.select_for_update(of=("self",)).get(pk=pk)
