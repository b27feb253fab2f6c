"""Applying storefront orders: create, update or cancel the Dockhand order of one storefront order, alone
or in a batch.

The one rule everything here follows: a storefront order is applied through `storefront_order_apply`, which
locks that order's StorefrontOrder row first, so duplicates, retries, polling and webhooks racing each other
all end in exactly one Dockhand order."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.db.models import F, prefetch_related_objects
from django.utils import timezone

from inventory.models import Product
from orders.choices import EDITABLE_STATUSES, DeliverySource, OrderStatus
from orders.holds.services import order_hold, order_payment_status_set, order_release_hold
from orders.intake.creation import order_create
from orders.intake.mapping import IntakeLine, IntakeOrder
from orders.locks import order_lock, storefront_order_lock
from orders.models import ChannelSync, Order, OrderLine, SalesChannel
from orders.processing import ProcessingContext, order_new_process
from orders.rules.services import order_rules_apply
from orders.selectors import products_for_skus
from orders.services import (
    order_allocations_release,
    order_cancel,
    order_event_add,
    order_transition,
    unknown_sku_reason,
)

SHOPIFY_ORDER_TOPICS = frozenset({"orders/create", "orders/updated", "orders/cancelled", "orders/paid",
                                  "orders/fulfilled", "orders/partially_fulfilled"})
SHOPIFY_DELETE_TOPICS = frozenset({"orders/delete"})
WOO_ORDER_TOPICS = frozenset({"order.created", "order.updated", "order.restored"})
WOO_DELETE_TOPICS = frozenset({"order.deleted"})
POLL_TOPIC = "sync"

ORDER_UPDATE_FIELDS = (
    "customer_name", "customer_email", "customer_phone", "ship_name", "ship_company", "ship_address1",
    "ship_address2", "ship_city", "ship_state", "ship_postal_code", "ship_country", "requested_shipping_method",
    "requested_service_level", "currency", "total_price", "tags", "customer_note", "billing_country",
)
ROUTING_FIELDS = frozenset({"ship_address1", "ship_address2", "ship_city", "ship_state", "ship_postal_code",
                            "ship_country", "requested_service_level"})



@dataclass
class ApplyResult:
    outcome: str  # created, updated, cancelled, noted, unchanged, stale, skipped
    order: Order | None = None
    note: str = ""


def intake_actor(channel: SalesChannel, source: str) -> str:
    """Who a storefront change is recorded as on the timeline."""
    return f"{channel.get_kind_display()} {'sync' if source == DeliverySource.POLL else 'webhook'}"



# --- applying one storefront order ---------------------------------------------------------------------


def _lines_create(order: Order, lines: list[IntakeLine]) -> list[str]:
    """Create the order's lines, matched to the client's products (SKU mappings first); return the unknown SKUs."""
    products = products_for_skus(client_id=order.client_id, channel_id=order.channel_id,
                                 skus={line.sku for line in lines})
    OrderLine.objects.bulk_create([
        OrderLine(order=order, product=products.get(line.sku), sku=line.sku, name=line.name,
                  quantity=line.quantity, unit_price=line.unit_price, external_line_id=line.external_line_id)
        for line in lines
    ])
    return sorted({line.sku or "(empty SKU)" for line in lines if line.sku not in products})


@transaction.atomic
def order_update_from_storefront(*, order: Order, intake: IntakeOrder, actor: str) -> str:
    """Apply a storefront's change of address, shipping or lines to an order that is not picked yet.

    Lines replaced release the order's reservations, and an allocated order goes back to `received` so
    it is routed again. After picking has started the change is only noted on the timeline. Returns the
    outcome: "updated", "unchanged" or "noted".
    """
    locked = order_lock(order.pk)
    if locked.status not in EDITABLE_STATUSES:
        order_event_add(order=locked, actor=actor,
                        note=f"The storefront changed the order, but it is already "
                             f"{locked.get_status_display().lower()}; the change was not applied.")
        return "noted"
    changed = [name for name in ORDER_UPDATE_FIELDS
               if name in intake.fields and getattr(locked, name) != intake.fields[name]]
    current = [(line.sku, line.quantity, line.unit_price) for line in locked.lines.order_by("pk")]
    wanted = [(line.sku, line.quantity, line.unit_price) for line in intake.lines]
    lines_changed = current != wanted and bool(wanted)
    payment_changed = ("payment_status" in intake.fields
                and intake.fields["payment_status"] != locked.payment_status)
    if payment_changed:
        order_payment_status_set(order=locked, payment_status=intake.fields["payment_status"], actor=actor)
        locked.refresh_from_db()
    if not changed and not lines_changed:
        return "updated" if payment_changed else "unchanged"
    for name in changed:
        setattr(locked, name, intake.fields[name])
    if changed:
        locked.save(update_fields=[*changed, "updated_at"])
    if lines_changed:
        order_allocations_release(order=locked, reason="Order changed in the storefront")
        locked.lines.all().delete()
        unknown = _lines_create(locked, intake.lines)
    else:
        unknown = sorted({line.sku or "(empty SKU)" for line in locked.lines.all() if line.product_id is None})
    what = [name.replace("ship_", "ship-to ").replace("_", " ") for name in changed]
    if lines_changed:
        what.append("lines")
    order_event_add(order=locked, actor=actor, note=f"Updated from the storefront: {', '.join(what)}.")
    if unknown and locked.status != OrderStatus.ON_HOLD:
        order_hold(order=locked, kind="unknown_sku", reason=unknown_sku_reason(locked.client, unknown), actor=actor)
    elif not unknown and locked.status == OrderStatus.ON_HOLD and locked.hold_reason.startswith("Unknown SKU"):
        # the storefront fixed the SKUs it was held for; other holds stay for a person to release
        order_release_hold(order=locked, actor=actor, note="Released: every SKU is known after the storefront "
                                                           "change")
    elif locked.status in (OrderStatus.ALLOCATED, OrderStatus.BACKORDERED) and (
            lines_changed or ROUTING_FIELDS & set(changed)):
        order_transition(order=locked, to_status=OrderStatus.RECEIVED, actor=actor,
                         note="Routed again after the storefront change", extra_fields={"warehouse": None})
    else:
        # An edited order meets the rules again (a received one is processed by the routing task anyway).
        locked.refresh_from_db()
        if locked.status != OrderStatus.RECEIVED:
            order_rules_apply(order=locked.pk, timeline_when_unchanged=False)
    return "updated"


@dataclass
class IntakeBatch:
    """What applying a batch of storefront orders reads once: each channel's products for the SKUs in the
    batch, and what rules, hold checks and routing look at (orders.processing.ProcessingContext)."""

    processing: ProcessingContext
    products: dict[int, dict[str, Product]]

    @classmethod
    def load(cls, items: list[tuple[SalesChannel, IntakeOrder]]) -> IntakeBatch:
        skus_by_channel: dict[int, set[str]] = {}
        for channel, intake in items:
            skus_by_channel.setdefault(channel.pk, set()).update(line.sku for line in intake.lines)
        channels = {channel.pk: channel for channel, _ in items}
        products = {pk: products_for_skus(client_id=channels[pk].client_id, channel_id=pk, skus=skus)
                    for pk, skus in skus_by_channel.items()}
        prefetch_related_objects([channel.client for channel, _ in items], "allowed_warehouses")
        processing = ProcessingContext.load(
            customers=[(channel.client_id, intake.fields.get("customer_email", "")) for channel, intake in items],
            postal_codes=[intake.fields.get("ship_postal_code", "") for _, intake in items])
        return cls(processing=processing, products=products)


def storefront_order_apply(*, channel: SalesChannel, intake: IntakeOrder, source: str = DeliverySource.WEBHOOK,
                           batch: IntakeBatch | None = None, in_transaction: bool = False) -> ApplyResult:
    """Create, update or cancel the Dockhand order of one storefront order, exactly once per version.

    Locks the StorefrontOrder row first, so concurrent deliveries of one order run one after the other; a
    version not newer than the one applied (a duplicate, or `updated` overtaken by a later one) changes
    nothing. A new order is processed (rules, hold checks, routing) in the same transaction. `batch` is
    what the caller read for several orders at once (read here for this one when not given). Raises
    DomainError when the order cannot be created. `in_transaction`: the caller's transaction is this one's
    (no savepoint of its own).
    """
    if in_transaction:
        return _storefront_order_apply(channel=channel, intake=intake, source=source, batch=batch)
    with transaction.atomic():
        return _storefront_order_apply(channel=channel, intake=intake, source=source, batch=batch)


def _storefront_order_apply(*, channel: SalesChannel, intake: IntakeOrder, source: str,
                            batch: IntakeBatch | None) -> ApplyResult:
    actor = intake_actor(channel, source)
    ref = storefront_order_lock(channel_id=channel.pk, external_id=intake.external_id)
    if intake.updated_at and ref.source_updated_at and intake.updated_at <= ref.source_updated_at:
        outcome = "unchanged" if intake.updated_at == ref.source_updated_at else "stale"
        return ApplyResult(outcome, ref.order, "This version of the order was already applied.")
    order = ref.order
    if order is None:
        order = Order.objects.filter(channel=channel, external_id=intake.external_id, parent__isnull=True).first()
        ref.order = order
    if order is None:
        if intake.cancelled:
            result = ApplyResult("skipped", None, "Cancelled in the storefront before Dockhand received it.")
        elif intake.skip_reason:
            result = ApplyResult("skipped", None, intake.skip_reason)
        else:
            batch = batch or IntakeBatch.load([(channel, intake)])
            order = order_create(
                channel=channel, order_number=intake.order_number, external_id=intake.external_id,
                lines=[line.as_dict() for line in intake.lines], actor=actor,
                note=f"Order received ({actor})", queue_routing=False, products=batch.products[channel.pk],
                **intake.fields,
            )
            ref.order = order
            result = ApplyResult("created", order)
            # Processed in this transaction: a created order is never left waiting for a task that may not come.
            order_new_process(order=order, lines=order.created_lines, context=batch.processing)
            if source == DeliverySource.POLL:
                ref.found_by_sync = True
                ChannelSync.objects.filter(channel=channel).update(
                    missed_by_webhooks=F("missed_by_webhooks") + 1, last_missed_at=timezone.now())
    elif intake.cancelled:
        if order.status == OrderStatus.CANCELLED:
            result = ApplyResult("unchanged", order)
        elif order.can_cancel:
            order = order_cancel(order=order, reason="Cancelled in the storefront", actor=actor)
            result = ApplyResult("cancelled", order)
        else:
            order_event_add(order=order, actor=actor, note=f"The storefront cancelled the order, but it is already "
                                                           f"{order.get_status_display().lower()}.")
            result = ApplyResult("noted", order, "Too late to cancel.")
    elif intake.skip_reason:
        result = ApplyResult("unchanged", order, intake.skip_reason)
    else:
        result = ApplyResult(order_update_from_storefront(order=order, intake=intake, actor=actor), order)
    if intake.updated_at:
        ref.source_updated_at = intake.updated_at
    ref.source_status = intake.source_status[:40]
    ref.save()
    return result
