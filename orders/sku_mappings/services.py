"""Writes of SKU mappings: create one (and free the orders that waited for that SKU), delete one."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import prefetch_related_objects
from django.utils import timezone

from core.access import user_access
from core.exceptions import DomainError
from core.transitions import user_or_none
from inventory.models import Client, Product
from orders.choices import HoldKind, OrderStatus
from orders.holds.services import hold_reason_set, hold_release
from orders.locks import order_lines_lock, orders_lock
from orders.models import Hold, Order, OrderLine, SalesChannel, SkuMapping
from orders.services import order_event_add, order_lines_match_products, unknown_sku_reason

MAX_SKU_LENGTH = SkuMapping._meta.get_field("external_sku").max_length


def _check_client_user(user, client_id: int) -> None:
    access = user_access(user) if user is not None else None
    if access is not None and access.is_client_user and access.client_id != client_id:
        raise DomainError("No such client.", field="client")


def _scope_text(channel: SalesChannel | None) -> str:
    return f"channel {channel.name}" if channel is not None else "all channels"


@transaction.atomic
def sku_mapping_create(
    *,
    client: Client,
    external_sku: str,
    product: Product,
    channel: SalesChannel | None = None,
    user=None,
) -> SkuMapping:
    """Map a storefront SKU to one of the client's products, for one channel or all of them, and free the
    orders waiting for it.

    Every order of the client (of the channel, when given) on hold with a line of that SKU and no product gets
    the product on those lines and a timeline note naming who mapped what. When no unknown SKU remains, its
    unknown-SKU hold is released as a person's release would be: the order goes back to received and is
    routed, unless other holds remain. Otherwise the hold's reason lists the SKUs still unknown.

    Raises DomainError (with the field) for an empty or too long SKU, a product or channel of another client,
    or a mapping of that SKU that already exists.
    """
    external_sku = (external_sku or "").strip()
    _check_client_user(user, client.pk)
    if not external_sku:
        raise DomainError("Give the SKU the storefront sends.", field="external_sku")
    if len(external_sku) > MAX_SKU_LENGTH:
        raise DomainError(f"A SKU has at most {MAX_SKU_LENGTH} characters.", field="external_sku")
    if product.client_id != client.pk:
        raise DomainError(f"Product {product.sku} belongs to another client, not {client.name}.", field="product")
    if channel is not None and channel.client_id != client.pk:
        raise DomainError(f"Channel {channel.name} belongs to another client, not {client.name}.", field="channel")
    duplicate = DomainError(f"SKU {external_sku} is already mapped for {client.name} on {_scope_text(channel)}.",
                            field="external_sku")
    if SkuMapping.objects.filter(client=client, channel=channel, external_sku=external_sku).exists():
        raise duplicate
    try:
        with transaction.atomic():
            mapping = SkuMapping.objects.create(client=client, channel=channel, external_sku=external_sku,
                                                product=product, created_by=user_or_none(user))
    except IntegrityError as exc:  # mapped by someone else meanwhile
        raise duplicate from exc
    _waiting_orders_resolve(mapping=mapping, user=user)
    return mapping


def _waiting_orders_resolve(*, mapping: SkuMapping, user=None) -> list[int]:
    """Point the waiting orders' lines of the mapping's SKU at its product; release or narrow their holds."""
    waiting = Order.objects.filter(client_id=mapping.client_id, status=OrderStatus.ON_HOLD,
                                   lines__sku=mapping.external_sku, lines__product__isnull=True)
    if mapping.channel_id:
        waiting = waiting.filter(channel_id=mapping.channel_id)
    ids = sorted(set(waiting.values_list("pk", flat=True)))
    if not ids:
        return []
    # Orders before their lines (locks.py order).
    orders = orders_lock(ids)
    lines = order_lines_lock(order_ids=ids, sku=mapping.external_sku)
    product = mapping.product
    who = user.get_username() if user_or_none(user) else "system"
    # A client user may not release an unknown-SKU hold by hand; its mapping releases it as the system.
    access = user_access(user) if user_or_none(user) else None
    releaser = user if access is not None and not access.is_client_user else None
    mine: dict[int, list[int]] = {}
    for line in lines:
        if line.product_id is None:
            mine.setdefault(line.order_id, []).append(line.pk)
    # Released or changed meanwhile: left alone.
    orders = [order for order in orders if order.status == OrderStatus.ON_HOLD and order.pk in mine]
    OrderLine.objects.filter(pk__in=[pk for order in orders for pk in mine[order.pk]]).update(
        product=product, updated_at=timezone.now())
    # After the update, so each order's remaining unknown lines are read as they now are.
    prefetch_related_objects(orders, "client", "lines")
    # The newest open one wins, as .first() under Hold.Meta.ordering did.
    holds = {hold.order_id: hold for hold in Hold.objects.filter(
        order__in=orders, kind=HoldKind.UNKNOWN_SKU, released_at__isnull=True).order_by("created_at", "id")}
    fixed = []
    for order in orders:
        order_event_add(order=order, user=user, actor="SKU mapping",
                        note=f"{who} mapped SKU {mapping.external_sku} to product {product.sku} "
                             f"({_scope_text(mapping.channel)}).")
        unknown = order_lines_match_products(order=order)
        hold = holds.get(order.pk)
        if hold is not None:
            if unknown:
                hold_reason_set(hold=hold.pk, reason=unknown_sku_reason(order.client, unknown))
            else:
                hold_release(hold=hold.pk, user=releaser, actor=f"SKU mapping by {who}",
                             note=f"SKU {mapping.external_sku} mapped to {product.sku}")
        fixed.append(order.pk)
    return fixed


@transaction.atomic
def sku_mapping_delete(*, mapping: SkuMapping, user=None) -> None:
    """Delete a mapping; lines already mapped through it keep their product. Raises DomainError for a client
    user's attempt on another client's mapping."""
    _check_client_user(user, mapping.client_id)
    SkuMapping.objects.filter(pk=mapping.pk).delete()
