"""Creating orders: the one way a new order with its lines is written (storefronts, the API, CSV uploads,
return replacements), and the API and CSV channels with the API's idempotent create."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import IntegrityError, transaction

from core.exceptions import DomainError
from core.idempotency import IdempotencyConflict, idempotent_create
from core.transitions import user_or_none
from core.work import work_enqueue
from orders.choices import ChannelKind
from orders.holds.services import order_hold
from orders.models import Order, OrderEvent, OrderLine, SalesChannel
from orders.selectors import products_for_skus
from orders.services import order_event_write, unknown_sku_reason
from orders.signals import order_status_changed
from orders.task_names import ORDER_ROUTE_TASK

# --- API and CSV channels -------------------------------------------------------------------------------------------


def api_channel_for_client(client) -> SalesChannel:
    """The client's API channel, created on first use."""
    channel = SalesChannel.objects.filter(client=client, kind=ChannelKind.API, is_active=True).order_by("pk").first()
    return channel or SalesChannel.objects.create(client=client, kind=ChannelKind.API, name=f"{client.name} API")


def csv_channel_for_client(client) -> SalesChannel:
    """The client's CSV upload channel, created on first use."""
    channel = SalesChannel.objects.filter(client=client, kind=ChannelKind.CSV, is_active=True).order_by("pk").first()
    return channel or SalesChannel.objects.create(client=client, kind=ChannelKind.CSV, name=f"{client.name} CSV")


API_ORDER_CREATE_SCOPE = "orders.create"


@dataclass
class ApiOrderResult:
    order: Order
    replayed: bool


def api_order_create(*, user, channel: SalesChannel, data: dict, fingerprint: str, idempotency_key: str = ""
                     ) -> ApiOrderResult:
    """Create an order sent by a merchant's system, at most once per Idempotency-Key.

    The same key with the same body returns the order created the first time (replayed); the same key with
    another body raises IdempotencyConflict (409). An external_id already used on the channel raises
    IdempotencyConflict too. Raises DomainError for an unusable order.
    """
    outcome = idempotent_create(
        user=user, scope=API_ORDER_CREATE_SCOPE, key=idempotency_key, fingerprint=fingerprint,
        create=lambda: _api_order_create(user=user, channel=channel, data=data))
    order = outcome.created or Order.objects.filter(pk=outcome.result_id).first()
    if order is None:
        raise IdempotencyConflict("The order made with this Idempotency-Key has been deleted; send a new key.")
    return ApiOrderResult(order, outcome.replayed)


def _api_order_create(*, user, channel: SalesChannel, data: dict) -> Order:
    fields = dict(data)
    lines = fields.pop("lines")
    external_id = fields.pop("external_id", "") or ""
    if external_id and Order.objects.filter(channel=channel, external_id=external_id, parent__isnull=True).exists():
        raise IdempotencyConflict(f"Order {external_id} already exists on channel {channel.name}.",
                                  field="external_id")
    order_number = fields.pop("order_number")
    try:
        with transaction.atomic():
            return order_create(channel=channel, order_number=order_number, external_id=external_id, lines=lines,
                                user=user, note="Order received (API)", **fields)
    except IntegrityError as exc:
        raise IdempotencyConflict(f"Order {external_id} already exists on channel {channel.name}.",
                                  field="external_id") from exc




@dataclass
class NewOrder:
    """One order to create with orders_create_together: order_create's arguments."""

    channel: SalesChannel
    order_number: str
    external_id: str
    lines: list[dict]
    products: dict
    actor: str = ""
    note: str = "Order received"
    fields: dict = field(default_factory=dict)


def _wanted_lines(lines: list[dict]) -> list[tuple[str, int, dict]]:
    """(sku, quantity, line) of each line; raises DomainError for no lines or a non-positive quantity."""
    if not lines:
        raise DomainError("An order needs at least one line.", field="lines")
    wanted = []
    for line in lines:
        sku = str(line["sku"]).strip()
        quantity = int(line["quantity"])
        if quantity <= 0:
            raise DomainError(f"Line {sku or '(no SKU)'}: quantity must be at least 1.", field="lines")
        wanted.append((sku, quantity, line))
    return wanted


def _order_lines(order: Order, wanted: list[tuple[str, int, dict]], products: dict) -> list[OrderLine]:
    return [OrderLine(order=order, product=products.get(sku), sku=sku, name=str(line.get("name", ""))[:255],
                      quantity=quantity, unit_price=line.get("unit_price", 0) or 0,
                      external_line_id=str(line.get("external_line_id", ""))[:100])
            for sku, quantity, line in wanted]


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
    wanted = _wanted_lines(lines)
    if products is None:
        products = products_for_skus(client_id=channel.client_id, channel_id=channel.pk,
                                     skus={sku for sku, _, _ in wanted})
    # No savepoint of its own: nothing above wrote, and a failure below fails the caller's transaction too.
    with transaction.atomic(savepoint=False):
        order = Order.objects.create(
            client=channel.client, channel=channel, order_number=order_number, external_id=external_id, **fields
        )
        order.created_lines = OrderLine.objects.bulk_create(_order_lines(order, wanted, products))
        _order_created(order, channel=channel, wanted=wanted, products=products, user=user, actor=actor, note=note,
                       queue_routing=queue_routing)
    return order


def orders_create_together(new_orders: list[NewOrder]) -> list[Order]:
    """Create several orders with their lines, as order_create with queue_routing=False does for each, in
    one INSERT for the orders and one for their lines (the timeline entries join the caller's
    order_events_together). For a batch of intake, where the caller routes the orders in the same
    transaction.

    Raises DomainError for an unusable order and whatever the database refuses, for the whole lot: the caller
    undoes it and creates the orders one at a time, so that the bad one fails alone.
    """
    wanted = [_wanted_lines(new.lines) for new in new_orders]
    orders = Order.objects.bulk_create([
        Order(client=new.channel.client, channel=new.channel, order_number=new.order_number,
              external_id=new.external_id, **new.fields)
        for new in new_orders])
    lines = OrderLine.objects.bulk_create([
        line for order, new, order_wanted in zip(orders, new_orders, wanted, strict=True)
        for line in _order_lines(order, order_wanted, new.products)])
    by_order: dict[int, list[OrderLine]] = {}
    for line in lines:
        by_order.setdefault(line.order_id, []).append(line)
    for order, new, order_wanted in zip(orders, new_orders, wanted, strict=True):
        order.created_lines = by_order[order.pk]
        _order_created(order, channel=new.channel, wanted=order_wanted, products=new.products, user=None,
                       actor=new.actor, note=new.note, queue_routing=False)
    return orders


def _order_created(order: Order, *, channel, wanted, products, user, actor, note, queue_routing) -> None:
    """After an order and its lines are written: its first timeline entry, then a hold for unknown SKUs, or
    its routing (queued, unless the caller routes it) and the announcement."""
    unknown = [sku or "(empty SKU)" for sku, _, _ in wanted if sku not in products]
    order_event_write(OrderEvent(order=order, from_status="", to_status=order.status, note=note,
                                 user=user_or_none(user), actor=actor[:100]))
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
            work_enqueue(ORDER_ROUTE_TASK, order.pk)
        order_status_changed.send(sender=Order, order_id=order.pk, from_status="", to_status=order.status)
