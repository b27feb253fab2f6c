"""Writes of order intake: store and process storefront deliveries, upsert storefront orders, poll stores,
create API orders idempotently, map unknown SKUs.

The one rule everything here follows: a storefront order is applied through `storefront_order_apply`, which
locks that order's StorefrontOrder row first, so duplicates, retries, polling and webhooks racing each other
all end in exactly one Dockhand order.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import F, Q, prefetch_related_objects
from django.utils import timezone

from core.exceptions import DomainError
from core.idempotency import IdempotencyConflict, idempotent_create
from core.log_context import log_context
from core.work import error_is_permanent, error_message, job_run, work_enqueue, work_expedite
from inventory.models import Product
from orders.choices import (
    DELIVERY_RETRYABLE_STATES,
    EDITABLE_STATUSES,
    ChannelKind,
    DeliverySource,
    DeliveryState,
    OrderStatus,
)
from orders.intake import mapping
from orders.intake.mapping import IntakeLine, IntakeOrder, PayloadError
from orders.locks import order_lock, storefront_order_lock
from orders.models import (
    ChannelSync,
    Order,
    OrderLine,
    SalesChannel,
    StorefrontOrder,
    WebhookDelivery,
)
from orders.processing import ProcessingContext, order_new_process, orders_new_route
from orders.services import (
    order_allocations_release,
    order_cancel,
    order_create,
    order_event_add,
    order_events_together,
    order_hold,
    order_release_hold,
    order_transition,
    unknown_sku_reason,
)
from orders.sku_mappings.selectors import products_for_skus
from orders.storefronts import StorefrontError, client_for_channel

logger = logging.getLogger(__name__)

SHOPIFY_ORDER_TOPICS = frozenset({"orders/create", "orders/updated", "orders/cancelled", "orders/paid",
                                  "orders/fulfilled", "orders/partially_fulfilled"})
SHOPIFY_DELETE_TOPICS = frozenset({"orders/delete"})
WOO_ORDER_TOPICS = frozenset({"order.created", "order.updated", "order.restored"})
WOO_DELETE_TOPICS = frozenset({"order.deleted"})
POLL_TOPIC = "sync"
PROCESS_DELIVERY_TASK = "orders.intake.process_webhook_delivery"

SYNC_OVERLAP = timedelta(minutes=2)  # re-read a little before the cursor: clocks and same-second changes
SYNC_FIRST_LOOKBACK = timedelta(days=7)

ORDER_UPDATE_FIELDS = (
    "customer_name", "customer_email", "customer_phone", "ship_name", "ship_company", "ship_address1",
    "ship_address2", "ship_city", "ship_state", "ship_postal_code", "ship_country", "requested_shipping_method",
    "requested_service_level", "currency", "total_price", "tags", "customer_note", "billing_country",
)
ROUTING_FIELDS = frozenset({"ship_address1", "ship_address2", "ship_city", "ship_state", "ship_postal_code",
                            "ship_country", "requested_service_level"})

OUTCOME_STATE = {
    "created": DeliveryState.PROCESSED,
    "updated": DeliveryState.PROCESSED,
    "cancelled": DeliveryState.PROCESSED,
    "noted": DeliveryState.PROCESSED,
    "unchanged": DeliveryState.DUPLICATE,
    "stale": DeliveryState.DUPLICATE,
    "skipped": DeliveryState.IGNORED,
}


@dataclass
class ApplyResult:
    outcome: str  # created, updated, cancelled, noted, unchanged, stale, skipped
    order: Order | None = None
    note: str = ""


def _actor(channel: SalesChannel, source: str) -> str:
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
        from orders.holds.services import order_payment_status_set

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
        from orders.rules.services import order_rules_apply

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
    actor = _actor(channel, source)
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


# --- webhook deliveries: store, process, sweep, retry -------------------------------------------------------


def webhook_delivery_store(
    *,
    channel: SalesChannel,
    topic: str,
    body: bytes,
    headers: dict,
    delivery_id: str = "",
    event_id: str = "",
    external_id: str = "",
    state: str = DeliveryState.PENDING,
    error: str = "",
) -> tuple[WebhookDelivery, bool]:
    """Store a delivery as it arrived, with the durable job that processes it (core.work).

    Returns (delivery, created); a delivery whose X-Shopify-Webhook-Id / X-WC-Webhook-Delivery-ID (or Shopify
    event id for the topic) is already stored returns the stored one with created False.
    """
    values = {
        "channel": channel, "topic": topic[:100], "delivery_id": delivery_id[:255], "event_id": event_id[:255],
        "headers": headers, "body": body.decode("utf-8", errors="replace"), "external_id": external_id[:100],
        "state": state, "last_error": error,
    }
    try:
        with transaction.atomic():
            delivery = WebhookDelivery.objects.create(**values)
            if state == DeliveryState.PENDING:
                work_enqueue(PROCESS_DELIVERY_TASK, delivery.pk)
    except IntegrityError:
        match = Q(pk__in=[])
        if delivery_id:
            match |= Q(delivery_id=values["delivery_id"])
        if event_id:
            match |= Q(topic=values["topic"], event_id=values["event_id"])
        existing = WebhookDelivery.objects.filter(match, channel=channel).first()
        if existing is None:
            raise
        return existing, False
    return delivery, True


def intake_from_delivery(delivery: WebhookDelivery) -> IntakeOrder | None:
    """Read a stored delivery as an IntakeOrder; None for topics intake does not handle. Raises PayloadError."""
    try:
        payload = json.loads(delivery.body)
    except ValueError as exc:
        raise PayloadError(f"The body is not valid JSON ({exc}).") from exc
    kind, topic = delivery.channel.kind, delivery.topic
    if kind == ChannelKind.SHOPIFY:
        if topic in SHOPIFY_ORDER_TOPICS or topic == POLL_TOPIC:
            return mapping.shopify_order(payload)
        if topic in SHOPIFY_DELETE_TOPICS:
            order = mapping.shopify_order({"id": (payload or {}).get("id"), "cancelled_at": "deleted"}
                                          if isinstance(payload, dict) else payload)
            order.updated_at = None
            return order
    elif kind == ChannelKind.WOOCOMMERCE:
        if topic in WOO_ORDER_TOPICS or topic == POLL_TOPIC:
            return mapping.woocommerce_order(payload)
        if topic in WOO_DELETE_TOPICS:
            return mapping.woocommerce_deleted(payload)
    return None


class DeliveryTaken(Exception):
    """Another worker finished the delivery meanwhile; this attempt is rolled back and counts for nothing."""

    permanent = True


def _delivery_finish(delivery: WebhookDelivery, *, state: str, order: Order | None = None, note: str = "") -> None:
    """Record the outcome, unless another worker got there first (then this attempt is rolled back)."""
    updated = WebhookDelivery.objects.filter(pk=delivery.pk, state__in=DELIVERY_RETRYABLE_STATES).update(
        state=state, order=order, last_error=note[:2000], processed_at=timezone.now(), attempts=F("attempts") + 1,
        external_id=delivery.external_id, updated_at=timezone.now())
    if not updated:
        raise DeliveryTaken(f"Delivery #{delivery.pk} was processed by another worker.")
    delivery.state, delivery.order, delivery.last_error = state, order, note[:2000]
    delivery.attempts += 1


def _delivery_attempt_failed(delivery_id: int, *, error: str, final: bool) -> None:
    """Record a failed attempt (in its own transaction: the attempt's own was rolled back).

    A final failure is `failed` and waits for a person; otherwise the delivery stays pending with the error
    while its job is retried with growing delays.
    """
    values = {"attempts": F("attempts") + 1, "last_error": error[:2000], "updated_at": timezone.now()}
    if final:
        values["state"] = DeliveryState.FAILED
    WebhookDelivery.objects.filter(pk=delivery_id, state__in=DELIVERY_RETRYABLE_STATES).update(**values)


def webhook_delivery_failed(delivery_id: int, message: str) -> bool:
    """Mark a delivery failed for good once its job gave up (work_register's on_failure)."""
    WebhookDelivery.objects.filter(pk=delivery_id, state__in=DELIVERY_RETRYABLE_STATES).update(
        state=DeliveryState.FAILED, last_error=message[:2000], updated_at=timezone.now())
    return True


def _delivery_apply(delivery: WebhookDelivery, intake: IntakeOrder | None, batch: IntakeBatch) -> None:
    """Apply one read delivery: the order (created, routed, updated or cancelled) and the delivery's outcome
    commit together, so a delivery is applied once and a crash leaves it as it was."""
    with log_context(delivery_id=delivery.pk), transaction.atomic():
        if intake is None:
            _delivery_finish(delivery, state=DeliveryState.IGNORED,
                             note=f"Topic “{delivery.topic}” is not an order topic Dockhand handles.")
            return
        delivery.external_id = delivery.external_id or intake.external_id[:100]
        with order_events_together():
            result = storefront_order_apply(channel=delivery.channel, intake=intake, source=delivery.source,
                                            batch=batch, in_transaction=True)
        _delivery_finish(delivery, state=OUTCOME_STATE[result.outcome], order=result.order, note=result.note)


def webhook_deliveries_process(delivery_ids: list[int]) -> dict[int, BaseException]:
    """Process stored deliveries; returns the ones that failed, with why.

    The batch reads what every delivery needs once (products, rules, warehouses, customers' history). The
    deliveries that create a new order are applied together in one transaction (`_deliveries_create`), each
    in a savepoint of its own so that one bad order fails alone; every other delivery (a change, a
    cancellation, a second delivery of the same order) then runs in its own transaction. An error records
    the attempt on its delivery: bad data fails it at once, anything else leaves it pending for its job to
    retry. A missing or finished delivery is skipped.
    """
    deliveries = list(WebhookDelivery.objects.select_related("channel", "channel__client")
                      .filter(pk__in=delivery_ids, state__in=DELIVERY_RETRYABLE_STATES).order_by("received_at", "pk"))
    failures: dict[int, BaseException] = {}
    read: list[tuple[WebhookDelivery, IntakeOrder | None]] = []
    for delivery in deliveries:
        try:
            read.append((delivery, intake_from_delivery(delivery)))
        except Exception as exc:
            failures[delivery.pk] = exc
    batch = IntakeBatch.load([(d.channel, intake) for d, intake in read if intake is not None]) if read else None
    if len(read) > 1:
        try:
            with transaction.atomic():
                read, bad = _deliveries_create(read, batch)
            failures.update(bad)
        except Exception:  # the batch is undone: each delivery on its own, with the history read afresh
            logger.warning("Creating %s orders together failed; each delivery runs on its own", len(read),
                           exc_info=True)
            batch = IntakeBatch.load([(d.channel, intake) for d, intake in read if intake is not None])
    for delivery, intake in read:
        try:
            _delivery_apply(delivery, intake, batch)
        except DeliveryTaken:
            continue
        except Exception as exc:
            if not error_is_permanent(exc):
                logger.warning("Processing delivery %s failed; it will be retried", delivery.pk, exc_info=True)
            failures[delivery.pk] = exc
    for delivery_id, exc in failures.items():
        _delivery_attempt_failed(delivery_id, error=error_message(exc), final=error_is_permanent(exc))
    return failures


def _new_order_keys(read: list[tuple[WebhookDelivery, IntakeOrder | None]]) -> set[tuple[int, str]]:
    """The (channel, storefront id) of the batch's orders that Dockhand does not have yet and that only one
    webhook delivery of the batch creates."""
    keys: dict[tuple[int, str], int] = {}
    for delivery, intake in read:
        if intake is not None:
            key = (delivery.channel_id, intake.external_id)
            keys[key] = keys.get(key, 0) + 1
    once = {key for key, count in keys.items() if count == 1}
    if not once:
        return set()
    channels, external_ids = {c for c, _ in once}, {e for _, e in once}
    known = set(StorefrontOrder.objects.filter(channel_id__in=channels, external_id__in=external_ids,
                                               order__isnull=False).values_list("channel_id", "external_id"))
    known |= set(Order.objects.filter(channel_id__in=channels, external_id__in=external_ids, parent__isnull=True)
                 .values_list("channel_id", "external_id"))
    return once - known


def _deliveries_create(read: list[tuple[WebhookDelivery, IntakeOrder | None]], batch: IntakeBatch
                       ) -> tuple[list[tuple[WebhookDelivery, IntakeOrder | None]], dict[int, BaseException]]:
    """Apply, in the caller's transaction, the webhook deliveries that create a new order; return the other
    deliveries (for a transaction each) and the ones that failed.

    Locks: the StorefrontOrder rows first, all at once in (channel, storefront id) order; then the new
    orders; the stock last, in pk order, when the new orders that need nothing but stock are routed together
    (orders.processing.orders_new_route). A new order that a rule matches, a check holds or no warehouse can
    ship whole gets its routing job in this transaction instead (rules and splits lock shared rows in their
    own order, so they run in transactions of their own).
    """
    new_keys = _new_order_keys(read)
    creating = [(d, intake) for d, intake in read if intake is not None and d.source == DeliverySource.WEBHOOK
                and not intake.cancelled and not intake.skip_reason
                and (d.channel_id, intake.external_id) in new_keys]
    if not creating:
        return read, {}
    refs = {key: storefront_order_lock(channel_id=key[0], external_id=key[1])
            for key in sorted((d.channel_id, intake.external_id) for d, intake in creating)}
    done: set[int] = set()
    failures: dict[int, BaseException] = {}
    created: list[Order] = []
    with order_events_together() as events:
        for delivery, intake in creating:
            ref = refs[(delivery.channel_id, intake.external_id)]
            if ref.order_id is not None or (intake.updated_at and ref.source_updated_at):
                continue  # created or seen meanwhile: applied on its own below
            mark = len(events)
            try:
                with log_context(delivery_id=delivery.pk), transaction.atomic():
                    order = _delivery_create(delivery, intake, ref, batch)
            except DeliveryTaken:
                del events[mark:]
                done.add(delivery.pk)
                continue
            except Exception as exc:
                del events[mark:]
                if not error_is_permanent(exc):
                    logger.warning("Processing delivery %s failed; it will be retried", delivery.pk, exc_info=True)
                failures[delivery.pk] = exc
                continue
            done.add(delivery.pk)
            batch.processing.order_added(order)
            if order.status == OrderStatus.RECEIVED:
                created.append(order)
        if created:
            orders_new_route(created, context=batch.processing)
    return [(d, intake) for d, intake in read if d.pk not in done and d.pk not in failures], failures


def _delivery_create(delivery: WebhookDelivery, intake: IntakeOrder, ref, batch: IntakeBatch) -> Order:
    """Create the order of one delivery (not routed yet), record it on its StorefrontOrder and finish the
    delivery. Raises what order_create raises, or DeliveryTaken."""
    channel = delivery.channel
    delivery.external_id = delivery.external_id or intake.external_id[:100]
    actor = _actor(channel, delivery.source)
    order = order_create(
        channel=channel, order_number=intake.order_number, external_id=intake.external_id,
        lines=[line.as_dict() for line in intake.lines], actor=actor, note=f"Order received ({actor})",
        queue_routing=False, products=batch.products[channel.pk], **intake.fields,
    )
    ref.order = order
    if intake.updated_at:
        ref.source_updated_at = intake.updated_at
    ref.source_status = intake.source_status[:40]
    ref.save()
    _delivery_finish(delivery, state=OUTCOME_STATE["created"], order=order)
    return order


def webhook_delivery_process(*, delivery_id: int) -> WebhookDelivery | None:
    """Process one stored delivery (see webhook_deliveries_process); raises what made it fail. Returns the
    delivery, or None when it does not exist."""
    failures = webhook_deliveries_process([delivery_id])
    if delivery_id in failures:
        raise failures[delivery_id]
    return WebhookDelivery.objects.select_related("channel", "order").filter(pk=delivery_id).first()


def webhook_delivery_retry(*, delivery: WebhookDelivery, user=None) -> WebhookDelivery:
    """Process a failed delivery again now (a manager's retry). Raises DomainError if it is not failed."""
    with transaction.atomic():
        updated = WebhookDelivery.objects.filter(pk=delivery.pk, state__in=DELIVERY_RETRYABLE_STATES).update(
            state=DeliveryState.PENDING)
        if not updated:
            raise DomainError(f"Delivery #{delivery.pk} is {delivery.get_state_display().lower()}; "
                              "only failed deliveries can be retried.")
        work_expedite(PROCESS_DELIVERY_TASK, delivery.pk)
    logger.info("Delivery %s retried by %s", delivery.pk, user)
    try:  # at once, so the manager sees the outcome; a passing fault leaves the job to retry later
        job_run(PROCESS_DELIVERY_TASK, delivery.pk, limit=1)
    except Exception:
        logger.warning("Retry of delivery %s failed", delivery.pk, exc_info=True)
    return WebhookDelivery.objects.select_related("channel", "order").get(pk=delivery.pk)


# --- polling sync ----------------------------------------------------------------------------------------


@dataclass
class SyncResult:
    channel_id: int
    seen: int = 0
    outcomes: dict = field(default_factory=dict)
    failed: int = 0
    error: str = ""

    def as_dict(self) -> dict:
        return {"channel_id": self.channel_id, "seen": self.seen, "outcomes": self.outcomes,
                "failed": self.failed, "error": self.error}


def pollable_channel_ids() -> list[int]:
    return list(SalesChannel.objects.filter(
        is_active=True, kind__in=[ChannelKind.SHOPIFY, ChannelKind.WOOCOMMERCE]).exclude(store_url="")
        .exclude(credentials={}).order_by("pk").values_list("pk", flat=True))


def _poll_failure_store(channel: SalesChannel, payload: dict, intake_id: str, updated: str, error: str) -> None:
    """Keep an order the sync could not apply as a failed delivery, so it is retried and shown to managers."""
    body = json.dumps(payload).encode()
    delivery, created = webhook_delivery_store(
        channel=channel, topic=POLL_TOPIC, body=body, headers={}, external_id=intake_id,
        delivery_id=f"sync:{intake_id}:{updated}", state=DeliveryState.FAILED, error=error)
    if created:
        WebhookDelivery.objects.filter(pk=delivery.pk).update(source=DeliverySource.POLL, attempts=1)


def channel_sync(*, channel_id: int, api=None) -> SyncResult | None:
    """Fetch every order the channel's store changed since the stored cursor, page by page, and upsert each.

    The cursor moves after each page, so a failure resumes where it stopped. An order that cannot be applied
    becomes a failed delivery (retried by the sweep) instead of stopping the sync. A store that keeps failing
    is recorded in `last_sync_error`. Returns None for a missing or inactive channel.
    """
    channel = SalesChannel.objects.select_related("client").filter(pk=channel_id, is_active=True).first()
    if channel is None:
        return None
    state, _ = ChannelSync.objects.get_or_create(channel=channel)
    result = SyncResult(channel_id=channel.pk)
    started_at = timezone.now()
    since = (state.cursor_at - SYNC_OVERLAP) if state.cursor_at else started_at - SYNC_FIRST_LOOKBACK
    try:
        api = api or client_for_channel(channel)
        if channel.kind == ChannelKind.SHOPIFY:
            pages, to_intake = api.iter_order_pages(updated_at_min=since), mapping.shopify_order
        else:
            pages, to_intake = api.iter_order_pages(modified_after=since), mapping.woocommerce_order
        for page in pages:
            newest = state.cursor_at
            for payload in page:
                result.seen += 1
                try:
                    intake = to_intake(payload)
                    outcome = storefront_order_apply(channel=channel, intake=intake, source=DeliverySource.POLL)
                except (PayloadError, DomainError) as exc:
                    result.failed += 1
                    pid = str(payload.get("id", "")) if isinstance(payload, dict) else ""
                    updated = (payload.get("updated_at") or payload.get("date_modified_gmt") or "") \
                        if isinstance(payload, dict) else ""
                    _poll_failure_store(channel, payload, pid, updated, getattr(exc, "message", str(exc)))
                    continue
                result.outcomes[outcome.outcome] = result.outcomes.get(outcome.outcome, 0) + 1
                if intake.updated_at and (newest is None or intake.updated_at > newest):
                    newest = intake.updated_at
            if newest and newest != state.cursor_at:
                state.cursor_at = newest
                state.save(update_fields=["cursor_at", "updated_at"])
    except StorefrontError as exc:
        result.error = exc.message
        logger.warning("Sync of channel %s failed: %s", channel.pk, exc.message)
    state.last_synced_at = started_at
    state.last_sync_error = result.error
    state.last_sync_orders = result.seen
    state.save(update_fields=["last_synced_at", "last_sync_error", "last_sync_orders", "updated_at"])
    return result


# --- API intake -------------------------------------------------------------------------------------------


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


# --- unknown SKUs ---------------------------------------------------------------------------------------------


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

