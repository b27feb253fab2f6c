import pytest
from django.db import IntegrityError, transaction

from inventory.choices import MovementKind
from inventory.exceptions import InsufficientStock, StockLedgerError
from inventory.models import StockLevel, StockMovement
from inventory.services import stock_adjust, stock_allocate, stock_deallocate, stock_move, stock_remove
from inventory.signals import stock_available_increased
from tests.factories import LocationFactory, ProductFactory
from warehouses.choices import LocationKind

pytestmark = pytest.mark.django_db


@pytest.fixture
def product():
    return ProductFactory()


@pytest.fixture
def bin_a():
    return LocationFactory(code="A-01-01-A")


def level_of(product, location) -> StockLevel:
    return StockLevel.objects.get(product=product, location=location)


def test_adjust_up_creates_stock_and_one_ledger_row(product, bin_a, manager):
    movement = stock_adjust(product=product, location=bin_a, quantity=12, reason="Cycle count found more",
                            user=manager)

    assert level_of(product, bin_a).on_hand == 12
    assert StockMovement.objects.count() == 1
    assert (movement.kind, movement.quantity, movement.to_location, movement.from_location, movement.user) == (
        MovementKind.ADJUSTMENT, 12, bin_a, None, manager)


def test_adjust_down_records_from_location(product, bin_a):
    stock_adjust(product=product, location=bin_a, quantity=10, reason="in")
    movement = stock_adjust(product=product, location=bin_a, quantity=-4, reason="damaged")

    assert level_of(product, bin_a).on_hand == 6
    assert (movement.quantity, movement.from_location, movement.to_location) == (4, bin_a, None)


def test_adjust_cannot_remove_allocated_units(product, bin_a):
    stock_adjust(product=product, location=bin_a, quantity=10, reason="in")
    stock_allocate(stock_level_id=level_of(product, bin_a).pk, quantity=8, reference="#1001")

    with pytest.raises(InsufficientStock):
        stock_adjust(product=product, location=bin_a, quantity=-3, reason="lost")

    level = level_of(product, bin_a)
    assert (level.on_hand, level.allocated, level.available) == (10, 8, 2)
    assert StockMovement.objects.count() == 2


@pytest.mark.parametrize(("quantity", "reason"), [(0, "x"), (5, "  ")])
def test_adjust_rejects_zero_quantity_and_missing_reason(product, bin_a, quantity, reason):
    with pytest.raises(StockLedgerError):
        stock_adjust(product=product, location=bin_a, quantity=quantity, reason=reason)
    assert not StockMovement.objects.exists()


def test_allocate_and_deallocate_move_available_and_write_ledger(product, bin_a):
    stock_adjust(product=product, location=bin_a, quantity=5, reason="in")
    level = level_of(product, bin_a)

    stock_allocate(stock_level_id=level.pk, quantity=5, reference="#1001")
    with pytest.raises(InsufficientStock):
        stock_allocate(stock_level_id=level.pk, quantity=1, reference="#1002")
    stock_deallocate(stock_level_id=level.pk, quantity=2, reference="#1001")

    level.refresh_from_db()
    assert (level.on_hand, level.allocated, level.available) == (5, 3, 2)
    kinds = list(StockMovement.objects.order_by("id").values_list("kind", flat=True))
    assert kinds == [MovementKind.ADJUSTMENT, MovementKind.ALLOCATE, MovementKind.DEALLOCATE]


def test_move_allocated_units_to_packing_keeps_them_reserved(product, bin_a):
    packing = LocationFactory(warehouse=bin_a.warehouse, code="PACK-01", kind=LocationKind.PACKING)
    stock_adjust(product=product, location=bin_a, quantity=5, reason="in")
    source = level_of(product, bin_a)
    stock_allocate(stock_level_id=source.pk, quantity=3, reference="#1001")

    movement = stock_move(stock_level_id=source.pk, to_location=packing, quantity=3, reference="PL-1",
                          kind=MovementKind.PICK, allocated=True)

    source.refresh_from_db()
    dest = level_of(product, packing)
    assert (source.on_hand, source.allocated) == (2, 0)
    assert (dest.on_hand, dest.allocated) == (3, 3)
    assert (movement.from_location, movement.to_location, movement.kind) == (bin_a, packing, MovementKind.PICK)


def test_remove_shipped_units_leaves_the_building(product, bin_a):
    stock_adjust(product=product, location=bin_a, quantity=4, reason="in")
    level = level_of(product, bin_a)
    stock_allocate(stock_level_id=level.pk, quantity=4, reference="#1")

    stock_remove(stock_level_id=level.pk, quantity=4, kind=MovementKind.SHIP, reference="#1", reason="Shipped",
                 allocated=True)

    level.refresh_from_db()
    assert (level.on_hand, level.allocated) == (0, 0)


def test_database_refuses_negative_available_stock(product, bin_a):
    stock_adjust(product=product, location=bin_a, quantity=2, reason="in")
    level = level_of(product, bin_a)

    with pytest.raises(IntegrityError), transaction.atomic():
        StockLevel.objects.filter(pk=level.pk).update(allocated=3)
    with pytest.raises(IntegrityError), transaction.atomic():
        StockLevel.objects.filter(pk=level.pk).update(on_hand=-1, allocated=0)


def test_ledger_rows_are_immutable(product, bin_a):
    movement = stock_adjust(product=product, location=bin_a, quantity=2, reason="in")

    movement.quantity = 200
    with pytest.raises(ValueError, match="immutable"):
        movement.save()
    with pytest.raises(ValueError, match="immutable"):
        movement.delete()


def test_ledger_sums_to_on_hand(product, bin_a):
    other = LocationFactory(warehouse=bin_a.warehouse)
    stock_adjust(product=product, location=bin_a, quantity=9, reason="in")
    stock_adjust(product=product, location=bin_a, quantity=-2, reason="damaged")
    stock_move(stock_level_id=level_of(product, bin_a).pk, to_location=other, quantity=3, reference="T1")

    def balance(location):
        ins = sum(StockMovement.objects.filter(to_location=location).exclude(
            kind__in=[MovementKind.ALLOCATE, MovementKind.DEALLOCATE]).values_list("quantity", flat=True))
        outs = sum(StockMovement.objects.filter(from_location=location).exclude(
            kind__in=[MovementKind.ALLOCATE, MovementKind.DEALLOCATE]).values_list("quantity", flat=True))
        return ins - outs

    assert balance(bin_a) == level_of(product, bin_a).on_hand == 4
    assert balance(other) == level_of(product, other).on_hand == 3


def test_stock_arrival_is_announced_after_commit(product, bin_a, django_capture_on_commit_callbacks):
    received = []

    def listener(sender, product_id, warehouse_id, **kwargs):
        received.append((product_id, warehouse_id))

    stock_available_increased.connect(listener)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            stock_adjust(product=product, location=bin_a, quantity=3, reason="in")
    finally:
        stock_available_increased.disconnect(listener)

    assert received == [(product.pk, bin_a.warehouse_id)]
