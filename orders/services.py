"""Writes to orders: the status machine, the timeline, cancellation, the ship-to address and line products.

Holds are placed and released in orders.holds.services; new orders are created in orders.intake.creation.

Every status change goes through order_transition; it locks the order, checks ORDER_TRANSITIONS,
saves, writes the OrderEvent, queues routing (as durable work) when the order becomes received, and
announces the change after commit.
"""

from __future__ import annotations

import contextvars
from contextlib import contextmanager

from django.db import transaction

from core.exceptions import DomainError
from core.transitions import StatusMove, status_transition, user_or_none
from inventory.choices import MovementKind
from inventory.models import Product
from inventory.services import stock_remove, stocks_deallocate
from orders.choices import EDITABLE_STATUSES, ORDER_TRANSITIONS, OrderStatus
from orders.exceptions import InvalidTransition, OrderNotEditable
from orders.locks import order_lock
from orders.models import Allocation, Order, OrderEvent, OrderLine
from orders.selectors import products_for_skus
from orders.signals import order_status_changed
from orders.task_names import ORDER_ROUTE_TASK

_events_held: contextvars.ContextVar[list[OrderEvent] | None] = contextvars.ContextVar("order_events_held",
                                                                                       default=None)


@contextmanager
def order_events_together():
    """Write the timeline entries made inside in one INSERT when the block ends (without an error).

    For a unit of work that writes several entries of one order (intake: received, rules, routed); use it
    inside the transaction, where nothing reads the timeline back before the block ends. Inside another
    such block it adds to that one's INSERT, so the entries stay in the order they were made. Yields the
    list of entries held (a caller that rolls back part of its work drops that part's entries from it).
    """
    if (outer := _events_held.get()) is not None:
        yield outer
        return
    held: list[OrderEvent] = []
    token = _events_held.set(held)
    try:
        yield held
    finally:
        _events_held.reset(token)
    OrderEvent.objects.bulk_create(held)


def order_event_write(event: OrderEvent) -> OrderEvent:
    """Save a timeline entry (or hold it for order_events_together)."""
    held = _events_held.get()
    if held is None:
        event.save()
    else:
        held.append(event)
    return event


def order_event_add(*, order: Order, note: str, user=None, actor: str = "") -> OrderEvent:
    """Write a note to the order's timeline without changing its status."""
    return order_event_write(OrderEvent(
        order=order,
        from_status=order.status,
        to_status=order.status,
        note=note,
        user=user_or_none(user),
        actor=actor[:100],
    ))


def order_transition(
    *,
    order: Order | int,
    to_status: str,
    user=None,
    note: str = "",
    actor: str = "",
    extra_fields: dict | None = None,
    locked: bool = False,
) -> Order:
    """Move an order to another status, recording who and when (core.transitions.status_transition).

    Raises InvalidTransition when the move is not in ORDER_TRANSITIONS. `extra_fields` are saved with
    the status in the same UPDATE (e.g. hold_reason, warehouse). With `locked` the caller holds the order's
    row lock and passes that instance, which is changed in place instead of being read again.
    """
    if locked:  # inside the caller's transaction, which holds the lock
        assert isinstance(order, Order)
    order_id = order if isinstance(order, int) else order.pk

    def write_event(move: StatusMove) -> None:
        order_event_write(OrderEvent(order=move.instance, from_status=move.from_status, to_status=move.to_status,
                                     note=move.note, user=user_or_none(move.user), actor=move.actor[:100]))
        # Inside the transaction, so that the receivers' durable work commits with the move.
        order_status_changed.send(sender=Order, order_id=order_id, from_status=move.from_status,
                                  to_status=move.to_status)

    result = status_transition(
        instance=order if locked else order_id, lock=None if locked else order_lock, to_status=to_status,
        transitions=ORDER_TRANSITIONS, user=user, actor=actor, note=note, fields=extra_fields,
        event=write_event, error=InvalidTransition,
        work=[(ORDER_ROUTE_TASK, order_id)] if to_status == OrderStatus.RECEIVED else (),
    )
    if not locked and not isinstance(order, int):
        order.refresh_from_db()
    return result


@transaction.atomic
def order_allocations_release(*, order: Order, user=None, reason: str = "Reservation released") -> int:
    """Release every stock reservation of an order and delete its allocations. Returns units released.

    One batch to the ledger service (a DEALLOCATE row per allocation) and one DELETE, however many there are.
    """
    allocations = list(Allocation.objects.filter(line__order=order).order_by("stock_level_id", "pk"))
    stocks_deallocate(releases=[(a.stock_level_id, a.quantity) for a in allocations],
                      reference=order.order_number, reason=reason, user=user)
    Allocation.objects.filter(pk__in=[a.pk for a in allocations]).delete()
    return sum(a.quantity for a in allocations)


@transaction.atomic
def order_allocations_ship(*, order: Order, reason: str, user=None) -> int:
    """Take every reserved unit of an order out of the warehouse as shipped (a SHIP ledger row per
    allocation, which lowers both on hand and allocated) and delete its allocations, so that nothing stays
    reserved for an order that left. Call with the order locked. Returns the units shipped.

    Raises InsufficientStock if a reservation no longer has its units.
    """
    allocations = list(Allocation.objects.filter(line__order=order).order_by("stock_level_id", "pk"))
    for allocation in allocations:
        stock_remove(stock_level_id=allocation.stock_level_id, quantity=allocation.quantity,
                     kind=MovementKind.SHIP, reference=order.order_number, reason=reason[:255], user=user,
                     allocated=True)
    Allocation.objects.filter(pk__in=[a.pk for a in allocations]).delete()
    return sum(a.quantity for a in allocations)


@transaction.atomic
def order_cancel(*, order: Order, user=None, reason: str = "", actor: str = "") -> Order:
    """Cancel an order before it ships and release any stock it held. Raises InvalidTransition after shipping."""
    locked = order_lock(order.pk)
    if not locked.can_cancel:
        raise InvalidTransition(
            f"Order {locked.order_number} is {locked.get_status_display().lower()} and can no longer be cancelled."
        )
    released = order_allocations_release(order=locked, user=user, reason=f"Order cancelled: {reason}".strip(": "))
    note = reason or "Cancelled"
    if released:
        note += f" ({released} reserved units released)"
    return order_transition(order=order, to_status=OrderStatus.CANCELLED, user=user, note=note, actor=actor)


def unknown_sku_reason(client, skus) -> str:
    return (f"Unknown SKU for {client.name}: {', '.join(sorted(set(skus)))}. "
            "Map or create the product, then release the order.")


def order_lines_match_products(*, order: Order) -> list[str]:
    """Match lines without a product to the client's products through the SKU mappings or by SKU (created
    since); return SKUs still unknown."""
    open_lines = [line for line in order.lines.all() if line.product_id is None]
    products = products_for_skus(client_id=order.client_id, channel_id=order.channel_id,
                                 skus={line.sku for line in open_lines}) if open_lines else {}
    unknown = []
    for line in open_lines:
        if line.sku in products:
            line.product = products[line.sku]
            line.save(update_fields=["product", "updated_at"])
        else:
            unknown.append(line.sku or "(empty SKU)")
    return unknown


ADDRESS_FIELDS = ("ship_name", "ship_company", "ship_address1", "ship_address2", "ship_city", "ship_state",
                  "ship_postal_code", "ship_country")


@transaction.atomic
def order_address_update(*, order: Order, user=None, actor: str = "", **fields) -> Order:
    """Correct an order's ship-to address before it is picked, noting the change on the timeline.

    Raises OrderNotEditable once picking started, DomainError for an unknown field.
    """
    unknown = set(fields) - set(ADDRESS_FIELDS)
    if unknown:
        raise DomainError(f"Not an address field: {', '.join(sorted(unknown))}.")
    locked = order_lock(order.pk)
    if locked.status not in EDITABLE_STATUSES:
        raise OrderNotEditable(f"Order {locked.order_number} is {locked.get_status_display().lower()}; "
                               "its address can no longer change.")
    changed = []
    for name, value in fields.items():
        value = (value or "").strip()
        if name in ("ship_country", "ship_state"):
            value = value.upper()
        if getattr(locked, name) != value:
            changed.append(f"{name.removeprefix('ship_')}: “{getattr(locked, name)}” → “{value}”")
            setattr(locked, name, value)
    if changed:
        locked.save(update_fields=[*fields, "updated_at"])
        order_event_add(order=locked, note="Address corrected — " + "; ".join(changed), user=user, actor=actor)
    order.refresh_from_db()
    return order


@transaction.atomic
def order_line_map_product(*, line: OrderLine, product: Product, user=None) -> OrderLine:
    """Map a line with an unknown SKU to one of the client's products. Raises DomainError."""
    order = order_lock(line.order_id)
    if product.client_id != order.client_id:
        raise DomainError("That product belongs to another client.", field="product")
    if order.status not in EDITABLE_STATUSES:
        raise DomainError(f"Order {order.order_number} is {order.get_status_display().lower()}; its lines can no "
                          "longer change.")
    line = OrderLine.objects.select_for_update(of=("self",)).get(pk=line.pk)
    line.product = product
    line.save(update_fields=["product", "updated_at"])
    order_event_add(order=order, user=user, note=f"Line {line.sku or '(empty SKU)'} mapped to product {product.sku}.")
    return line
