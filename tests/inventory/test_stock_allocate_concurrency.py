"""Real concurrency on PostgreSQL: threads, each with its own connection, reserving stock at the same moment
through the batched ledger service, without holding any lock beforehand."""

import threading
import time

import pytest
from django.db import transaction

from inventory.choices import MovementKind
from inventory.exceptions import InsufficientStock
from inventory.locks import stock_levels_lock
from inventory.models import StockLevel, StockMovement
from inventory.services import stock_adjust, stocks_allocate, stocks_deallocate
from tests.concurrency import run_together
from tests.conftest import postgres_only
from tests.factories import LocationFactory, ProductFactory, WarehouseFactory

pytestmark = [postgres_only, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

# 25 connections at once leave room for the other developers' test databases on the shared server.
WORKERS = 25


def test_reserving_two_stock_levels_in_either_order_neither_deadlocks_nor_oversells():
    warehouse = WarehouseFactory()
    product = ProductFactory()
    first, second = LocationFactory(warehouse=warehouse), LocationFactory(warehouse=warehouse)
    stock_adjust(product=product, location=first, quantity=20, reason="in")
    stock_adjust(product=product, location=second, quantity=15, reason="in")
    a = StockLevel.objects.get(location=first).pk
    b = StockLevel.objects.get(location=second).pk

    jobs = [lambda i=i: stocks_allocate(allocations=[(a, 1), (b, 1)] if i % 2 else [(b, 1), (a, 1)],
                                        reference=f"R{i}")
            for i in range(40)]
    results, errors = run_together(jobs, threads=WORKERS)

    # Each job wants one of each: 15 fit; the others change nothing, not even the level that had units.
    assert len(results) == 15
    assert [type(e) for e in errors] == [InsufficientStock] * 25
    assert StockLevel.objects.get(pk=a).allocated == 15
    assert StockLevel.objects.get(pk=b).allocated == 15
    ledger = StockMovement.objects.filter(kind=MovementKind.ALLOCATE)
    assert ledger.filter(from_location=first).count() == ledger.filter(from_location=second).count() == 15
    assert set(ledger.values_list("reference", flat=True)) == {movements[0].reference for movements in results}


def test_units_released_while_a_reservation_waits_for_the_row_are_reserved_when_it_gets_it():
    product = ProductFactory()
    location = LocationFactory()
    stock_adjust(product=product, location=location, quantity=5, reason="in")
    level = StockLevel.objects.get(location=location).pk
    stocks_allocate(allocations=[(level, 5)], reference="FIRST")
    locked = threading.Event()

    def release_two_while_holding_the_row():
        with transaction.atomic():
            stock_levels_lock([level])
            locked.set()
            time.sleep(0.5)  # the reservation below starts now, sees nothing available, and waits
            stocks_deallocate(releases=[(level, 2)], reference="FIRST")

    def reserve_two():
        locked.wait(timeout=10)
        return stocks_allocate(allocations=[(level, 2)], reference="SECOND")

    results, errors = run_together([release_two_while_holding_the_row, reserve_two])

    assert errors == []
    assert StockLevel.objects.get(pk=level).allocated == 5
    assert StockMovement.objects.filter(kind=MovementKind.ALLOCATE, reference="SECOND", quantity=2).exists()
