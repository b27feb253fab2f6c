"""Row locks for orders; parents before children (Order -> OrderLine -> Allocation -> StockLevel)."""

from collections.abc import Iterable

from orders.models import Order


def order_lock(order_id: int) -> Order:
    """Lock one order row and return it fresh. Raises Order.DoesNotExist. Call inside transaction.atomic."""
    return Order.objects.select_for_update(of=("self",)).get(pk=order_id)


def orders_lock(order_ids: Iterable[int]) -> list[Order]:
    """Lock several orders in ascending pk order and return them."""
    return list(Order.objects.select_for_update(of=("self",)).filter(pk__in=sorted(set(order_ids))).order_by("pk"))
