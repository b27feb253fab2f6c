"""Invariants of stock that every flow must keep, checked against the whole database after a test's story.

For every product and location: on hand equals the ledger's sum of what came in less what went out (reserving
and releasing move no units), and allocated equals the units of the orders' open allocations there.
"""

from collections import Counter

from inventory.choices import MovementKind
from inventory.models import StockLevel, StockMovement
from orders.models import Allocation

RESERVATION_KINDS = (MovementKind.ALLOCATE, MovementKind.DEALLOCATE)


def stock_invariant_breaches() -> list[str]:
    """Each (product, location) whose on hand or allocated disagrees with the ledger or the allocations."""
    on_hand: Counter = Counter()
    allocated: Counter = Counter()
    for product_id, location_id, units, reserved in StockLevel.objects.values_list(
            "product_id", "location_id", "on_hand", "allocated"):
        on_hand[(product_id, location_id)] += units
        allocated[(product_id, location_id)] += reserved

    ledger: Counter = Counter()
    moves = StockMovement.objects.exclude(kind__in=RESERVATION_KINDS)
    for product_id, from_id, to_id, quantity in moves.values_list(
            "product_id", "from_location_id", "to_location_id", "quantity"):
        if to_id is not None:
            ledger[(product_id, to_id)] += quantity
        if from_id is not None:
            ledger[(product_id, from_id)] -= quantity

    held: Counter = Counter()
    for product_id, location_id, quantity in Allocation.objects.values_list(
            "stock_level__product_id", "stock_level__location_id", "quantity"):
        held[(product_id, location_id)] += quantity

    breaches = []
    for key in sorted(set(on_hand) | set(ledger) | set(allocated) | set(held)):
        product_id, location_id = key
        if on_hand[key] != ledger[key]:
            breaches.append(f"product {product_id} at location {location_id}: on hand {on_hand[key]}, "
                            f"ledger sum {ledger[key]}")
        if allocated[key] != held[key]:
            breaches.append(f"product {product_id} at location {location_id}: allocated {allocated[key]}, "
                            f"open allocations {held[key]}")
    return breaches


def assert_stock_invariants() -> None:
    """Fail the test with every (product, location) whose stock disagrees with its ledger or allocations."""
    breaches = stock_invariant_breaches()
    assert not breaches, "Stock invariants broken:\n" + "\n".join(breaches)
