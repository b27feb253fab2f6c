"""Every change to stock goes through this module; each writes exactly one ledger row per location change.

Nothing else in Dockhand writes StockLevel. Quantities move with F() expressions inside
transaction.atomic, with the rows locked in pk order (inventory.locks), and the database's
CheckConstraints back every rule (no negative on-hand, never more allocated than on hand).
Reserving and releasing take a whole order's stock levels at once (stocks_allocate, stocks_deallocate;
the one-level services call them): one statement locks them in pk order, checks and updates them, one
writes the ledger rows and one queues the figures, however many levels there are.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils.translation import gettext as _

from core.idempotency import IdempotencyConflict, idempotent_create
from inventory.choices import MovementKind
from inventory.exceptions import InsufficientStock, StockLedgerError
from inventory.figures.refresh import stock_summary_mark_locations
from inventory.locks import stock_levels_lock
from inventory.models import Product, StockLevel, StockMovement
from inventory.signals import stock_available_increased, stock_changed
from warehouses.models import Location


def _user_or_none(user):
    return user if getattr(user, "is_authenticated", False) else None


def _record(
    *,
    product_id: int,
    kind: str,
    quantity: int,
    from_location_id: int | None = None,
    to_location_id: int | None = None,
    lot_number: str = "",
    reference: str = "",
    reason: str = "",
    user=None,
) -> StockMovement:
    return _record_all([StockMovement(
        product_id=product_id,
        kind=kind,
        quantity=quantity,
        from_location_id=from_location_id,
        to_location_id=to_location_id,
        lot_number=lot_number,
        reference=reference[:100],
        reason=reason[:255],
        user=_user_or_none(user),
    )])[0]


def _record_all(movements: list[StockMovement]) -> list[StockMovement]:
    """Queue the figures of what the movements touch, announce the change, then write the ledger rows."""
    stock_summary_mark_locations((m.product_id, location_id) for m in movements
                                 for location_id in (m.from_location_id, m.to_location_id))
    stock_changed.send(sender=StockMovement, product_ids=sorted({m.product_id for m in movements}))
    return StockMovement.objects.bulk_create(movements)


@dataclass(frozen=True)
class _LevelChanged:
    product_id: int
    location_id: int
    lot_number: str
    warehouse_id: int


def _allocated_add(deltas: dict[int, int]) -> dict[int, _LevelChanged]:
    """Lock stock levels (pk order) and add units to their `allocated` (negative: take them off), in one
    statement. A level that would end below zero or above its on-hand stays as it was (the CheckConstraints'
    own rule, checked first so that it is not an error). Returns the levels changed, by id."""
    # One statement, in plain SQL: on a hot SKU it runs while every other order waits for these rows, and
    # locking, checking and updating in one round trip keeps that wait short. The check and the new value
    # both use the rows as the lock returned them (their newest versions): the statement's snapshot may
    # predate a change another transaction committed while this one waited for the lock, and PostgreSQL
    # then adds to the stale value (tests/inventory/test_stock_allocate_concurrency.py reproduces it).
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    sl, loc = (connection.ops.quote_name(m._meta.db_table) for m in (StockLevel, Location))
    with connection.cursor() as cursor:
        # SQLite's RETURNING names only the updated table, unaliased: hence the warehouse's subquery.
        cursor.execute(
            "WITH delta (id, units) AS (VALUES "
            + ", ".join(["(CAST(%s AS BIGINT), CAST(%s AS INTEGER))"] * len(deltas)) + "), "
            f"locked AS MATERIALIZED (SELECT id, on_hand, allocated FROM {sl} "
            f"WHERE id IN (SELECT id FROM delta) ORDER BY id{lock}) "
            f"UPDATE {sl} SET allocated = locked.allocated + delta.units FROM delta, locked "
            f"WHERE {sl}.id = delta.id AND locked.id = delta.id "
            "AND locked.allocated + delta.units BETWEEN 0 AND locked.on_hand "
            f"RETURNING {sl}.id, {sl}.product_id, {sl}.location_id, {sl}.lot_number, "
            f"(SELECT warehouse_id FROM {loc} WHERE {loc}.id = {sl}.location_id)",
            [value for pk in sorted(deltas) for value in (pk, deltas[pk])],
        )
        return {pk: _LevelChanged(*rest) for pk, *rest in cursor.fetchall()}


def _units_per_level(pairs: list[tuple[int, int]], *, what: str) -> dict[int, int]:
    units: dict[int, int] = {}
    for stock_level_id, quantity in pairs:
        if quantity <= 0:
            raise StockLedgerError(f"{what} quantity must be positive.", field="quantity")
        units[stock_level_id] = units.get(stock_level_id, 0) + quantity
    return units


def _announce_arrival(level: StockLevel) -> None:
    _announce_available(product_id=level.product_id, warehouse_id=level.location.warehouse_id)


def _announce_available(*, product_id: int, warehouse_id: int) -> None:
    # Inside the transaction: receivers queue durable work that commits (or not) with the stock change.
    stock_available_increased.send(sender=StockLevel, product_id=product_id, warehouse_id=warehouse_id)


def _stock_level_for_update(
    *, product: Product, location: Location, lot_number: str = "", expiry_date: datetime.date | None = None
) -> StockLevel:
    level, _created = StockLevel.objects.get_or_create(
        product=product, location=location, lot_number=lot_number, defaults={"expiry_date": expiry_date}
    )
    locked = stock_levels_lock([level.pk])[level.pk]
    if expiry_date and locked.expiry_date != expiry_date:
        locked.expiry_date = expiry_date
        locked.save(update_fields=["expiry_date", "updated_at"])
    return locked


def _check_location_usable(product: Product, location: Location) -> None:
    if not location.is_active:
        raise StockLedgerError(f"Location {location.code} is inactive.", field="location")


@transaction.atomic
def stock_adjust(
    *,
    product: Product,
    location: Location,
    quantity: int,
    reason: str,
    user=None,
    reference: str = "",
    lot_number: str = "",
    expiry_date: datetime.date | None = None,
    kind: str = MovementKind.ADJUSTMENT,
) -> StockMovement:
    """Add (positive) or remove (negative) units at a location and write the ledger row.

    Raises StockLedgerError for a zero quantity or a missing reason, InsufficientStock when removing
    more than is available (allocated units cannot be adjusted away).
    """
    if quantity == 0:
        raise StockLedgerError("Quantity must not be zero.", field="quantity")
    if not reason.strip():
        raise StockLedgerError("Give a reason for the adjustment.", field="reason")
    _check_location_usable(product, location)
    level = _stock_level_for_update(product=product, location=location, lot_number=lot_number, expiry_date=expiry_date)
    if quantity < 0 and level.available < -quantity:
        raise InsufficientStock(
            _("Only %(available)s of %(sku)s available at %(location)s; cannot remove %(quantity)s.") % {
                "available": level.available, "sku": product.sku, "location": location.code, "quantity": -quantity},
            field="quantity",
        )
    StockLevel.objects.filter(pk=level.pk).update(on_hand=F("on_hand") + quantity)
    movement = _record(
        product_id=product.pk,
        kind=kind,
        quantity=abs(quantity),
        from_location_id=location.pk if quantity < 0 else None,
        to_location_id=location.pk if quantity > 0 else None,
        lot_number=lot_number,
        reference=reference,
        reason=reason,
        user=user,
    )
    if quantity > 0:
        _announce_arrival(level)
    return movement


def stock_receive(
    *,
    product: Product,
    location: Location,
    quantity: int,
    reference: str,
    user=None,
    lot_number: str = "",
    expiry_date: datetime.date | None = None,
    reason: str = "Received",
    kind: str = MovementKind.RECEIPT,
) -> StockMovement:
    """Put received units on hand at a location. Raises StockLedgerError for a non-positive quantity."""
    if quantity <= 0:
        raise StockLedgerError("Received quantity must be positive.", field="quantity")
    return stock_adjust(
        product=product,
        location=location,
        quantity=quantity,
        reason=reason,
        user=user,
        reference=reference,
        lot_number=lot_number,
        expiry_date=expiry_date,
        kind=kind,
    )


STOCK_ADJUST_SCOPE = "stock.adjust"


@dataclass(frozen=True)
class ApiStockAdjustResult:
    movement: StockMovement
    replayed: bool


def api_stock_adjust(
    *,
    user,
    product: Product,
    location: Location,
    quantity: int,
    reason: str,
    idempotency_key: str = "",
    fingerprint: str = "",
    lot_number: str = "",
    expiry_date: datetime.date | None = None,
) -> ApiStockAdjustResult:
    """Make a stock adjustment sent through the API, at most once per Idempotency-Key (core.idempotency).

    The same key with the same body returns the ledger row written the first time (replayed); the same key
    with another body raises IdempotencyConflict (409). Raises what stock_adjust raises.
    """
    outcome = idempotent_create(
        user=user, scope=STOCK_ADJUST_SCOPE, key=idempotency_key, fingerprint=fingerprint,
        create=lambda: stock_adjust(product=product, location=location, quantity=quantity, reason=reason,
                                    lot_number=lot_number, expiry_date=expiry_date, user=user,
                                    reference=f"API adjustment by {user.get_username()}",
                                    kind=MovementKind.ADJUSTMENT))
    if outcome.created is not None:
        return ApiStockAdjustResult(outcome.created, False)
    movement = (StockMovement.objects.select_related("product", "from_location", "to_location", "user")
                .filter(pk=outcome.result_id).first())
    if movement is None:
        raise IdempotencyConflict("The adjustment made with this Idempotency-Key no longer exists; send a new key.")
    return ApiStockAdjustResult(movement, True)


@transaction.atomic(savepoint=False)
def stocks_allocate(*, allocations: Iterable[tuple[int, int]], reference: str = "",
                    references: Sequence[str] | None = None, user=None,
                    levels: Mapping[int, StockLevel] | None = None) -> list[StockMovement]:
    """Reserve units of several stock levels for one order: a ledger row per (stock level id, quantity) pair.
    For several orders at once, `references` gives each pair's own (its order's number) instead of `reference`.

    A fixed number of statements however many pairs: one locks the levels (pk order), checks and updates
    them, one writes the ledger rows, one queues the figures. Raises StockLedgerError (a quantity that is
    not positive, an unknown stock level) or InsufficientStock naming each level with too few units. It
    takes no savepoint inside a caller's transaction (it is routing's hot path): after it raises, that
    transaction can only roll back.

    A caller that has read the levels (product, location, lot) passes them as `levels`: the ledger rows are
    then written before the levels are locked, so that on a hot SKU the locked rows wait for one statement
    fewer round trips (the caller's transaction commits or rolls back both together).
    """
    pairs = list(allocations)
    if not pairs:
        return []
    wanted = _units_per_level(pairs, what="Allocated")

    def ledger(source: Mapping) -> list[StockMovement]:
        return _record_all([
            StockMovement(
                product_id=source[pk].product_id,
                kind=MovementKind.ALLOCATE,
                quantity=quantity,
                from_location_id=source[pk].location_id,
                lot_number=source[pk].lot_number,
                reference=(references[i] if references is not None else reference)[:100],
                reason="Reserved for order",
                user=_user_or_none(user),
            )
            for i, (pk, quantity) in enumerate(pairs)
        ])

    early = levels is not None and set(wanted) <= set(levels)
    movements = ledger(levels) if early else []
    changed = _allocated_add(wanted)
    if refused := sorted(set(wanted) - set(changed)):
        short = list(StockLevel.objects.filter(pk__in=refused).order_by("pk"))
        if len(short) < len(refused):
            raise StockLedgerError("Stock level not found.")
        raise InsufficientStock(" ".join(f"Only {level.available} of product {level.product_id} available."
                                         for level in short))
    return movements if early else ledger(changed)


@transaction.atomic
def stock_allocate(*, stock_level_id: int, quantity: int, reference: str, user=None) -> StockMovement:
    """Reserve units of one stock level for an order. Raises InsufficientStock if fewer are available."""
    return stocks_allocate(allocations=[(stock_level_id, quantity)], reference=reference, user=user)[0]


@transaction.atomic(savepoint=False)
def stocks_deallocate(
    *, releases: Iterable[tuple[int, int]], reference: str, reason: str = "Reservation released", user=None
) -> list[StockMovement]:
    """Release reserved units of several stock levels back to available: a ledger row per (stock level id,
    quantity) pair, and one "stock available" announcement per product and warehouse (inside the
    transaction, so that its receivers' durable work commits with it).

    A fixed number of statements however many pairs, as stocks_allocate. Raises StockLedgerError (a
    quantity that is not positive, more units than a level has allocated). No savepoint inside a caller's
    transaction: after it raises, that transaction can only roll back.
    """
    pairs = list(releases)
    if not pairs:
        return []
    releasing = _units_per_level(pairs, what="Released")
    changed = _allocated_add({pk: -quantity for pk, quantity in releasing.items()})
    if len(changed) < len(releasing):
        raise StockLedgerError("Cannot release more units than are allocated.")
    movements = _record_all([
        StockMovement(
            product_id=changed[pk].product_id,
            kind=MovementKind.DEALLOCATE,
            quantity=quantity,
            from_location_id=changed[pk].location_id,
            lot_number=changed[pk].lot_number,
            reference=reference[:100],
            reason=reason[:255],
            user=_user_or_none(user),
        )
        for pk, quantity in pairs
    ])
    for product_id, warehouse_id in sorted({(level.product_id, level.warehouse_id) for level in changed.values()}):
        _announce_available(product_id=product_id, warehouse_id=warehouse_id)
    return movements


@transaction.atomic
def stock_deallocate(
    *, stock_level_id: int, quantity: int, reference: str, reason: str = "Reservation released", user=None
) -> StockMovement:
    """Release reserved units back to available. Raises StockLedgerError if fewer are allocated."""
    return stocks_deallocate(releases=[(stock_level_id, quantity)], reference=reference, reason=reason,
                             user=user)[0]


@transaction.atomic
def stock_move(
    *,
    stock_level_id: int,
    to_location: Location,
    quantity: int,
    reference: str,
    kind: str = MovementKind.TRANSFER,
    reason: str = "",
    user=None,
    allocated: bool = False,
) -> StockMovement:
    """Move units from one stock level to another location (same lot); with allocated=True the units
    moved are reserved ones and stay reserved at the destination (picking to the packing area).

    Raises InsufficientStock when the source has too few units.
    """
    if quantity <= 0:
        raise StockLedgerError("Moved quantity must be positive.", field="quantity")
    source = StockLevel.objects.select_related("product", "location").get(pk=stock_level_id)
    destination, _created = StockLevel.objects.get_or_create(
        product_id=source.product_id,
        location=to_location,
        lot_number=source.lot_number,
        defaults={"expiry_date": source.expiry_date},
    )
    locked = stock_levels_lock([source.pk, destination.pk])
    source, destination = locked[source.pk], locked[destination.pk]
    if allocated and source.allocated < quantity:
        raise InsufficientStock(f"Only {source.allocated} reserved units at the source.")
    if not allocated and source.available < quantity:
        raise InsufficientStock(f"Only {source.available} available units at the source.")
    try:
        StockLevel.objects.filter(pk=source.pk).update(
            on_hand=F("on_hand") - quantity, allocated=F("allocated") - (quantity if allocated else 0)
        )
        StockLevel.objects.filter(pk=destination.pk).update(
            on_hand=F("on_hand") + quantity, allocated=F("allocated") + (quantity if allocated else 0)
        )
    except IntegrityError as exc:  # the CheckConstraints caught what the checks above should have
        raise InsufficientStock("The move would make stock negative.") from exc
    movement = _record(
        product_id=source.product_id,
        kind=kind,
        quantity=quantity,
        from_location_id=source.location_id,
        to_location_id=to_location.pk,
        lot_number=source.lot_number,
        reference=reference,
        reason=reason,
        user=user,
    )
    if not allocated:
        destination.location = to_location
        _announce_arrival(destination)
    return movement


@transaction.atomic
def stock_remove(
    *,
    stock_level_id: int,
    quantity: int,
    kind: str,
    reference: str,
    reason: str,
    user=None,
    allocated: bool = False,
) -> StockMovement:
    """Take units out of the warehouse (shipped, disposed, lost on a short pick) and write the ledger row.

    With allocated=True the units removed are reserved ones. Raises InsufficientStock if too few.
    """
    if quantity <= 0:
        raise StockLedgerError("Removed quantity must be positive.", field="quantity")
    level = stock_levels_lock([stock_level_id]).get(stock_level_id)
    if level is None:
        raise StockLedgerError("Stock level not found.")
    if allocated and level.allocated < quantity:
        raise InsufficientStock(f"Only {level.allocated} reserved units here.")
    if not allocated and level.available < quantity:
        raise InsufficientStock(f"Only {level.available} available units here.")
    StockLevel.objects.filter(pk=level.pk).update(
        on_hand=F("on_hand") - quantity, allocated=F("allocated") - (quantity if allocated else 0)
    )
    return _record(
        product_id=level.product_id,
        kind=kind,
        quantity=quantity,
        from_location_id=level.location_id,
        lot_number=level.lot_number,
        reference=reference,
        reason=reason,
        user=user,
    )
