"""Transfers of stock between locations and between warehouses.

In-transit stock is held at a virtual location of kind TRANSIT in the destination warehouse (one per
warehouse, code TRANSIT). Dispatching moves units from the source bin to it and receiving moves them on
to a destination bin, both with inventory.services.stock_move, so every unit is always at exactly one
location and the ledger adds up at every moment (a transfer state alone would make units vanish from
the ledger while on the road). Allocation only takes pick and reserve locations, so units in transit
are never promised to an order; the stock page shows them as inbound for the destination.
"""

from __future__ import annotations

import datetime
from functools import partial

from django.db import transaction
from django.utils import timezone

from core.exceptions import DomainError
from core.transitions import InvalidTransition, status_transition, transition_check
from inventory.choices import TRANSFER_TRANSITIONS, MovementKind, TransferStatus
from inventory.control.receiving import putaway_suggest
from inventory.exceptions import InsufficientStock
from inventory.locks import row_lock
from inventory.models import Product, StockLevel, Transfer, TransferLine
from inventory.services import stock_move
from warehouses.choices import LocationKind
from warehouses.models import Location, Warehouse

TRANSIT_CODE = "TRANSIT"


def _user(user):
    return user if getattr(user, "is_authenticated", False) else None


def transit_location(warehouse: Warehouse) -> Location:
    """Return (creating it if needed) the warehouse's virtual in-transit location."""
    location, _ = Location.objects.get_or_create(
        warehouse=warehouse, code=TRANSIT_CODE,
        defaults={"zone": "TRANSIT", "kind": LocationKind.TRANSIT, "walk_sequence": 999_999},
    )
    return location


@transaction.atomic
def transfer_create(*, from_warehouse: Warehouse, to_warehouse: Warehouse, lines: list[dict], user=None,
                    note: str = "") -> Transfer:
    """Plan a transfer; lines are dicts with product, from_location, quantity and optional to_location, lot_number.

    Raises DomainError for no lines, locations outside their warehouse, or more units than are available.
    """
    if not lines:
        raise DomainError("A transfer needs at least one line.", field="lines")
    checked = []
    for i, line in enumerate(lines, start=1):
        product: Product = line["product"]
        source: Location = line["from_location"]
        target: Location | None = line.get("to_location")
        quantity = line.get("quantity") or 0
        lot = line.get("lot_number", "") or ""
        if quantity <= 0:
            raise DomainError(f"Line {i}: quantity must be positive.", field="lines")
        if source.warehouse_id != from_warehouse.pk:
            raise DomainError(f"Line {i}: {source.code} is not in {from_warehouse.code}.", field="lines")
        if target is not None and target.warehouse_id != to_warehouse.pk:
            raise DomainError(f"Line {i}: {target.code} is not in {to_warehouse.code}.", field="lines")
        if target is not None and target.pk == source.pk:
            raise DomainError(f"Line {i}: source and destination are the same location.", field="lines")
        if from_warehouse.pk == to_warehouse.pk and target is None:
            raise DomainError(f"Line {i}: a move inside a warehouse needs a destination location.", field="lines")
        level = StockLevel.objects.filter(product=product, location=source, lot_number=lot).first()
        available = level.available if level else 0
        if available < quantity:
            raise InsufficientStock(f"Line {i}: only {available} of {product.sku} available at {source.code}.",
                                    field="lines")
        checked.append(TransferLine(product=product, from_location=source, to_location=target, lot_number=lot,
                                    quantity=quantity))
    transfer = Transfer.objects.create(from_warehouse=from_warehouse, to_warehouse=to_warehouse, note=note,
                                       created_by=_user(user))
    for line in checked:
        line.transfer = transfer
    TransferLine.objects.bulk_create(checked)
    return transfer


def _source_level(line: TransferLine, location: Location) -> StockLevel:
    level = StockLevel.objects.filter(product_id=line.product_id, location=location,
                                      lot_number=line.lot_number).first()
    if level is None:
        raise InsufficientStock(f"No {line.product.sku} at {location.code}.")
    return level


def _destination(line: TransferLine, transfer: Transfer) -> Location:
    target = line.to_location or putaway_suggest(product=line.product, warehouse=transfer.to_warehouse)
    if target is None:
        raise DomainError(f"{transfer.to_warehouse.code} has no location to put {line.product.sku} away.")
    return target


@transaction.atomic
def transfer_dispatch(*, transfer: Transfer, user=None) -> Transfer:
    """Send a draft transfer: between warehouses the units go in transit; inside one they arrive at once.

    Raises InvalidTransition when it is not a draft; InsufficientStock when the source no longer has the units.
    """
    locked = row_lock(Transfer, transfer.pk)
    between = locked.is_between_warehouses
    to_status = TransferStatus.IN_TRANSIT if between else TransferStatus.RECEIVED
    transition_check(instance=locked, to_status=to_status, transitions=TRANSFER_TRANSITIONS,
                     subject=_transfer_subject)
    lines = list(locked.lines.select_related("product", "from_location", "to_location").order_by("pk"))
    transit = transit_location(locked.to_warehouse) if between else None
    for line in lines:
        target = transit if between else _destination(line, locked)
        stock_move(stock_level_id=_source_level(line, line.from_location).pk, to_location=target,
                   quantity=line.quantity, reference=locked.ledger_reference, kind=MovementKind.TRANSFER,
                   reason=("In transit to " + locked.to_warehouse.code) if between else "Moved", user=user)
    note = f"Dispatched to {locked.to_warehouse.code}" if between else "Moved"
    now = timezone.now()
    return transfer_transition(transfer=locked, to_status=to_status, locked=True, user=user, note=note,
                               fields={"dispatched_at": now}, at=now)


@transaction.atomic
def transfer_receive(*, transfer: Transfer, user=None) -> Transfer:
    """Take a transfer in transit into the destination's bins (its chosen ones, else putaway suggestions).

    Raises InvalidTransition when it is not in transit.
    """
    locked = row_lock(Transfer, transfer.pk)
    if locked.status != TransferStatus.IN_TRANSIT:
        # The table lets a draft become received, but only by dispatching it inside one warehouse: receiving
        # takes units out of transit, so only a transfer in transit has any to take.
        raise InvalidTransition(f"Transfer {locked.pk} is {locked.get_status_display().lower()}, not in transit; "
                                "only a dispatched transfer can be received.", field="status")
    transit = transit_location(locked.to_warehouse)
    for line in locked.lines.select_related("product", "to_location").order_by("pk"):
        stock_move(stock_level_id=_source_level(line, transit).pk, to_location=_destination(line, locked),
                   quantity=line.quantity, reference=locked.ledger_reference, kind=MovementKind.TRANSFER,
                   reason=f"Arrived from {locked.from_warehouse.code}", user=user)
    return transfer_transition(transfer=locked, to_status=TransferStatus.RECEIVED, locked=True, user=user,
                               note=f"Arrived at {locked.to_warehouse.code}")


@transaction.atomic
def transfer_cancel(*, transfer: Transfer, user=None) -> Transfer:
    """Cancel a draft transfer. Raises InvalidTransition once it has been dispatched."""
    return transfer_transition(transfer=transfer.pk, to_status=TransferStatus.CANCELLED, user=user)


# The time each step is stamped on the transfer (dispatching also stamps dispatched_at).
TRANSFER_STAMPS = {TransferStatus.RECEIVED: "received_at"}


def _transfer_subject(transfer: Transfer) -> str:
    return f"Transfer {transfer.pk}"


def transfer_transition(*, transfer: Transfer | int, to_status: str, user=None, note: str = "",
                        fields: dict | None = None, at: datetime.datetime | None = None,
                        locked: bool = False) -> Transfer:
    """Move a transfer to another status, recording who and when (core.transitions.status_transition).

    The step the transfer services share; they move the stock around it. With `locked` the caller holds the
    transfer's row lock and passes that instance. Returns the locked, saved transfer.
    Raises InvalidTransition when TRANSFER_TRANSITIONS does not allow the move.
    """
    return status_transition(instance=transfer, lock=None if locked else partial(row_lock, Transfer),
                             to_status=to_status, transitions=TRANSFER_TRANSITIONS, user=user, note=note,
                             subject=_transfer_subject, stamps=TRANSFER_STAMPS, fields=fields, at=at)
