"""Nightly storage snapshots: once per night, and a missed night filled in from the ledger."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from billing.choices import LineCategory
from billing.models import StorageSnapshot, StorageSnapshotRun
from billing.pricing import invoice_lines_compute
from billing.storage import storage_snapshot_take, storage_snapshots_catch_up
from inventory.choices import MovementKind
from inventory.models import StockMovement
from inventory.services import stock_move, stock_receive, stock_remove
from tests.billing.factories import price_list
from tests.factories import ClientFactory, LocationFactory, ProductFactory, WarehouseFactory
from warehouses.choices import LocationKind

pytestmark = pytest.mark.django_db

DAY = datetime.date(2026, 5, 10)


def _at(day: datetime.date, hour: int) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def _dated(movement: StockMovement, when: datetime.datetime) -> None:
    StockMovement.objects.filter(pk=movement.pk).update(created_at=when)


@pytest.fixture
def stock():
    """10 units received into reserve on DAY; 4 moved to a pick face the next day; 3 of those disposed the day
    after. Each product is a 10 cm cube (1,000 cm³)."""
    client = ClientFactory()
    warehouse = WarehouseFactory(code="SLC")
    reserve = LocationFactory(warehouse=warehouse, kind=LocationKind.RESERVE, code="R-01")
    pick = LocationFactory(warehouse=warehouse, kind=LocationKind.PICK, code="A-01")
    product = ProductFactory(client=client, length_mm=100, width_mm=100, height_mm=100)
    _dated(stock_receive(product=product, location=reserve, quantity=10, reference="ASN-1"), _at(DAY, 10))
    level = product.stock_levels.get(location=reserve)
    moved = stock_move(stock_level_id=level.pk, to_location=pick, quantity=4, reference="REPLEN")
    _dated(moved, _at(DAY + datetime.timedelta(days=1), 9))
    picked = product.stock_levels.get(location=pick)
    gone = stock_remove(stock_level_id=picked.pk, quantity=3, kind=MovementKind.DISPOSE, reference="DMG",
                        reason="water damage")
    for movement in (gone if isinstance(gone, list) else [gone]):
        _dated(movement, _at(DAY + datetime.timedelta(days=2), 15))
    return {"client": client, "warehouse": warehouse}


def _figures(day):
    return {(s.location_kind, s.units, s.bins, s.volume_cm3, s.new_units)
            for s in StorageSnapshot.objects.filter(snapshot_date=day)}


def test_a_missed_night_is_filled_in_from_the_ledger_and_a_second_run_does_nothing(stock):
    # Given the night of DAY was taken, and DAY+1 was missed
    storage_snapshot_take(day=DAY)

    # When the run of DAY+3 comes
    recorded = storage_snapshots_catch_up(today=DAY + datetime.timedelta(days=3))

    # Then it fills DAY+1 from the ledger and takes DAY+2, each as it stood that night
    assert recorded == [DAY + datetime.timedelta(days=1), DAY + datetime.timedelta(days=2)]
    assert _figures(DAY) == {(LocationKind.RESERVE, 10, 1, 10_000, 10)}
    assert _figures(DAY + datetime.timedelta(days=1)) == {(LocationKind.RESERVE, 6, 1, 6_000, 0),
                                                          (LocationKind.PICK, 4, 1, 4_000, 0)}
    assert _figures(DAY + datetime.timedelta(days=2)) == {(LocationKind.RESERVE, 6, 1, 6_000, 0),
                                                          (LocationKind.PICK, 1, 1, 1_000, 0)}
    assert StorageSnapshotRun.objects.get(snapshot_date=DAY + datetime.timedelta(days=1)).from_ledger
    # And running again (or taking a night twice) changes nothing
    rows = StorageSnapshot.objects.count()
    assert storage_snapshots_catch_up(today=DAY + datetime.timedelta(days=3)) == []
    assert storage_snapshot_take(day=DAY) is None
    assert StorageSnapshot.objects.count() == rows


def test_storage_is_charged_from_the_snapshots_with_free_days_for_new_stock(stock):
    # reserve: per unit per day 0.10 with the day of receipt free; pick: per cubic foot per day
    prices = price_list(stock["client"], DAY, storage_free_days=1)
    prices.storage_rates.filter(location_kind=LocationKind.RESERVE).update(unit="unit", period="day",
                                                                           price=Decimal("0.10"))
    for offset in range(3):
        storage_snapshot_take(day=DAY + datetime.timedelta(days=offset))

    lines = invoice_lines_compute(client=stock["client"], start=DAY, end=DAY + datetime.timedelta(days=2))

    storage = {line.description: (line.quantity, line.amount) for line in lines
               if line.category == LineCategory.STORAGE}
    # reserve: 10 units on DAY, all received that day (free), then 6 and 6: 12 unit-days at 0.10
    assert storage["Storage, reserve (overstock): per unit per day"] == (Decimal("12.0000"), Decimal("1.20"))
    # pick: 4 000 + 1 000 cm³ = 0.1766 ft³-days at 0.05
    assert storage["Storage, pick face: per cubic foot per day"] == (Decimal("0.1766"), Decimal("0.01"))
