"""Writes to orders: the status machine, the timeline, cancellation and holds.

Every status change goes through order_transition; it locks the order, checks ORDER_TRANSITIONS,
saves, writes the OrderEvent, queues routing (as durable work) when the order becomes received, and
announces the change after commit.
"""

from __future__ import annotations

import contextvars
from contextlib import contextmanager

from django.db import transaction

from core.transitions import StatusMove, status_transition
from core.work import work_enqueue
from inventory.services import stocks_deallocate
from orders.choices import ORDER_TRANSITIONS, OrderStatus
from orders.exceptions import InvalidTransition
from orders.locks import order_lock
from orders.models import Allocation, Order, OrderEvent, OrderLine
from orders.signals import order_status_changed
from orders.tasks import order_route_task


def _user_or_none(user):
    return user if getattr(user, "is_authenticated", False) else None


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
        user=_user_or_none(user),
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
                                     note=move.note, user=_user_or_none(move.user), actor=move.actor[:100]))
        # Inside the transaction, so that the receivers' durable work commits with the move.
        order_status_changed.send(sender=Order, order_id=order_id, from_status=move.from_status,
                                  to_status=move.to_status)

    result = status_transition(
        instance=order if locked else order_id, lock=None if locked else order_lock, to_status=to_status,
        transitions=ORDER_TRANSITIONS, user=user, actor=actor, note=note, fields=extra_fields,
        event=write_event, error=InvalidTransition,
        work=[(order_route_task, order_id)] if to_status == OrderStatus.RECEIVED else (),
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


@transaction.atomic
def order_hold(
    *,
    order: Order,
    reason: str,
    user=None,
    actor: str = "",
    kind: str | None = None,
    rule=None,
    until_date=None,
) -> Order:
    """Put an order on hold with a reason shown to managers, releasing any stock it held.

    Records a Hold (orders.holds): `kind` defaults to manual, or client for a client user. Holding an order
    that is already on hold adds the hold. Raises InvalidTransition when the order cannot be held now,
    DomainError for an empty reason.
    """
    from core.exceptions import DomainError
    from orders.holds.services import hold_kind_for_user, hold_place

    if not reason.strip():
        raise DomainError("A hold needs a reason.", field="reason")
    hold_place(order=order.pk, kind=kind or hold_kind_for_user(user), reason=reason, user=user, actor=actor,
               rule=rule, until_date=until_date)
    order.refresh_from_db()
    return order


def unknown_sku_reason(client, skus) -> str:
    return (f"Unknown SKU for {client.name}: {', '.join(sorted(set(skus)))}. "
            "Map or create the product, then release the order.")


def order_lines_match_products(*, order: Order) -> list[str]:
    """Match lines without a product to the client's products through the SKU mappings or by SKU (created
    since); return SKUs still unknown."""
    from orders.sku_mappings.selectors import products_for_skus

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


@transaction.atomic
def order_release_hold(*, order: Order, user=None, note: str = "Released from hold", actor: str = "") -> Order:
    """Release every hold of an order and move it back to received, so that it is processed and routed
    again. Lines with an unknown SKU are matched again first.

    Raises DomainError while a SKU is still unknown, InvalidTransition when the order is not on hold.
    """
    from core.exceptions import DomainError
    from orders.holds.services import holds_close_all

    locked = order_lock(order.pk)
    if locked.status != OrderStatus.ON_HOLD:
        raise InvalidTransition(f"Order {locked.order_number} is not on hold.")
    unknown = order_lines_match_products(order=locked)
    if unknown:
        raise DomainError(
            f"Order {locked.order_number} still has SKUs {locked.client.name} does not have: "
            f"{', '.join(sorted(set(unknown)))}. Map or create the products first."
        )
    holds_close_all(order=locked, user=user, note=note, actor=actor)
    return order_transition(
        order=order, to_status=OrderStatus.RECEIVED, user=user, note=note, actor=actor,
        extra_fields={"hold_reason": "", "hold_until_date": None},
    )


def order_create(
    *,
    channel,
    order_number: str,
    lines: list[dict],
    external_id: str = "",
    user=None,
    actor: str = "",
    note: str = "Order received",
    queue_routing: bool = True,
    products: dict | None = None,
    **fields,
) -> Order:
    """Create an order with its lines; each line dict has sku, quantity and optionally name, unit_price,
    external_line_id. Lines are matched to the client's products through the SKU mappings or by SKU
    (`products`, SKU to product, when the caller looked them up already); an unknown SKU puts the order on
    hold. A received order gets its routing queued (durable work), unless the caller routes it in the same
    transaction (`queue_routing=False`); the order carries the lines just written as `created_lines` (with
    their products), so that caller need not read them back.

    Raises DomainError for an order without lines or a line with a non-positive quantity (before writing).
    """
    from core.exceptions import DomainError
    from orders.sku_mappings.selectors import products_for_skus

    if not lines:
        raise DomainError("An order needs at least one line.", field="lines")
    wanted = []
    for line in lines:
        sku = str(line["sku"]).strip()
        quantity = int(line["quantity"])
        if quantity <= 0:
            raise DomainError(f"Line {sku or '(no SKU)'}: quantity must be at least 1.", field="lines")
        wanted.append((sku, quantity, line))
    if products is None:
        products = products_for_skus(client_id=channel.client_id, channel_id=channel.pk,
                                     skus={sku for sku, _, _ in wanted})
    # No savepoint of its own: nothing above wrote, and a failure below fails the caller's transaction too.
    with transaction.atomic(savepoint=False):
        return _order_insert(channel=channel, order_number=order_number, external_id=external_id, wanted=wanted,
                             products=products, user=user, actor=actor, note=note, queue_routing=queue_routing,
                             fields=fields)


def _order_insert(*, channel, order_number, external_id, wanted, products, user, actor, note, queue_routing,
                  fields) -> Order:
    order = Order.objects.create(
        client=channel.client, channel=channel, order_number=order_number, external_id=external_id, **fields
    )
    order.created_lines = OrderLine.objects.bulk_create([
        OrderLine(order=order, product=products.get(sku), sku=sku, name=str(line.get("name", ""))[:255],
                  quantity=quantity, unit_price=line.get("unit_price", 0) or 0,
                  external_line_id=str(line.get("external_line_id", ""))[:100])
        for sku, quantity, line in wanted
    ])
    unknown = [sku or "(empty SKU)" for sku, _, _ in wanted if sku not in products]
    order_event_write(OrderEvent(order=order, from_status="", to_status=order.status, note=note,
                                 user=_user_or_none(user), actor=actor[:100]))
    if unknown:
        order_hold(
            order=order,
            kind="unknown_sku",
            reason=unknown_sku_reason(channel.client, unknown),
            user=user,
            actor=actor,
        )
        order.refresh_from_db()
    else:
        if queue_routing:
            work_enqueue(order_route_task, order.pk)
        order_status_changed.send(sender=Order, order_id=order.pk, from_status="", to_status=order.status)
    return order
