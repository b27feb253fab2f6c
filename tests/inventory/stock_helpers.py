"""Helpers for stock-control tests: stock and sales history written through the stock services."""

import datetime

from django.utils import timezone

from inventory.choices import MovementKind
from inventory.models import StockLevel, StockMovement
from inventory.services import stock_receive, stock_remove


def receive(product, location, quantity, *, days_ago: int = 0):
    movement = stock_receive(product=product, location=location, quantity=quantity, reference="TEST")
    if days_ago:
        when = timezone.now() - datetime.timedelta(days=days_ago)
        StockMovement.objects.filter(pk=movement.pk).update(created_at=when)
        StockLevel.objects.filter(product=product, location=location).update(created_at=when)
    return movement


def ship(product, location, quantity, *, days_ago: float = 0):
    """Ship units as packing will (a SHIP ledger row), dated `days_ago` days back."""
    level = StockLevel.objects.get(product=product, location=location, lot_number="")
    movement = stock_remove(stock_level_id=level.pk, quantity=quantity, kind=MovementKind.SHIP, reference="ORDER",
                            reason="Shipped")
    if days_ago:
        # Test-only backdating of history; the ledger itself never rewrites rows.
        StockMovement.objects.filter(pk=movement.pk).update(
            created_at=timezone.now() - datetime.timedelta(days=days_ago))
    return movement
