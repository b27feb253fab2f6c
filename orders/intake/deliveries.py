"""Storefront webhook deliveries: store each one, process it (alone or in batches), record failures,
retry."""

from __future__ import annotations

import json
import logging

from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from core.exceptions import DomainError
from core.log_context import log_context
from core.work import (
    error_is_permanent,
    error_message,
    job_run,
    work_expedite,
    work_insert_enqueue,
)
from orders.choices import DELIVERY_RETRYABLE_STATES, ChannelKind, DeliverySource, DeliveryState, OrderStatus
from orders.intake import mapping
from orders.intake.creation import NewOrder, order_create, orders_create_together
from orders.intake.mapping import IntakeOrder, PayloadError
from orders.intake.storefront_apply import (
    POLL_TOPIC,
    SHOPIFY_DELETE_TOPICS,
    SHOPIFY_ORDER_TOPICS,
    WOO_DELETE_TOPICS,
    WOO_ORDER_TOPICS,
    IntakeBatch,
    intake_actor,
    storefront_order_apply,
)
from orders.locks import storefront_orders_lock
from orders.models import Order, SalesChannel, StorefrontOrder, WebhookDelivery
from orders.processing import orders_new_route
from orders.services import order_events_together
from orders.task_names import PROCESS_DELIVERY_TASK

logger = logging.getLogger(__name__)


OUTCOME_STATE = {
    "created": DeliveryState.PROCESSED,
    "updated": DeliveryState.PROCESSED,
    "cancelled": DeliveryState.PROCESSED,
    "noted": DeliveryState.PROCESSED,
    "unchanged": DeliveryState.DUPLICATE,
    "stale": DeliveryState.DUPLICATE,
    "skipped": DeliveryState.IGNORED,
}


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
    now = timezone.now()
    values = {
        "channel_id": channel.pk, "source": DeliverySource.WEBHOOK, "topic": topic[:100],
        "delivery_id": delivery_id[:255], "event_id": event_id[:255], "headers": headers,
        "body": body.decode("utf-8", errors="replace"), "received_at": now, "state": state, "attempts": 0,
        "last_error": error, "processed_at": None, "external_id": external_id[:100], "order_id": None,
        "created_at": now, "updated_at": now,
    }
    if state == DeliveryState.PENDING:
        # The hot path of a flash sale: the delivery and its job in one statement, no model instance.
        delivery_pk = work_insert_enqueue(PROCESS_DELIVERY_TASK, table=WebhookDelivery._meta.db_table,
                                          values=_delivery_columns(values))
        if delivery_pk is not None:
            return WebhookDelivery(pk=delivery_pk, **values), True
    else:
        try:
            with transaction.atomic():
                return WebhookDelivery.objects.create(**values), True
        except IntegrityError:
            pass
    match = Q(pk__in=[])
    if delivery_id:
        match |= Q(delivery_id=values["delivery_id"])
    if event_id:
        match |= Q(topic=values["topic"], event_id=values["event_id"])
    existing = WebhookDelivery.objects.filter(match, channel=channel).first()
    if existing is None:
        raise IntegrityError(f"Delivery {delivery_id or event_id} of channel {channel.pk} could not be stored.")
    return existing, False


def _delivery_columns(values: dict) -> dict:
    """The delivery's values as its columns want them (Django's own adaptation: JSON, datetimes)."""
    fields = {field.attname: field for field in WebhookDelivery._meta.concrete_fields}
    return {fields[name].column: fields[name].get_db_prep_save(value, connection) for name, value in values.items()}


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
    deliveries = list(WebhookDelivery.objects.defer("headers")  # kept for people; processing never reads them
                      .filter(pk__in=delivery_ids, state__in=DELIVERY_RETRYABLE_STATES).order_by("received_at", "pk"))
    # A batch's deliveries come from a channel or two: one instance each, not a channel and client per delivery.
    channels = SalesChannel.objects.select_related("client").in_bulk({d.channel_id for d in deliveries})
    for delivery in deliveries:
        delivery.channel = channels[delivery.channel_id]
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
    (orders.processing.orders_new_route). A new order that a check holds, whose rules hold it or add a line,
    or that no warehouse can ship whole gets its routing job in this transaction instead (holds, inserts and
    splits lock shared rows in their own order, so they run in transactions of their own).
    """
    new_keys = _new_order_keys(read)
    creating = [(d, intake) for d, intake in read if intake is not None and d.source == DeliverySource.WEBHOOK
                and not intake.cancelled and not intake.skip_reason
                and (d.channel_id, intake.external_id) in new_keys]
    if not creating:
        return read, {}
    refs = storefront_orders_lock((d.channel_id, intake.external_id) for d, intake in creating)
    waiting = [(d, intake, refs[(d.channel_id, intake.external_id)]) for d, intake in creating]
    waiting = [(d, intake, ref) for d, intake, ref in waiting  # created or seen meanwhile: applied on its own below
               if ref.order_id is None and not (intake.updated_at and ref.source_updated_at)]
    finished: list[tuple[WebhookDelivery, StorefrontOrder]] = []
    created: list[Order] = []
    with order_events_together() as events:
        made, failures = _orders_create(waiting, batch, events)
        for delivery, ref, order in made:
            finished.append((delivery, ref))
            batch.processing.order_added(order)
            if order.status == OrderStatus.RECEIVED:
                created.append(order)
        _created_record(finished)
        if created:
            orders_new_route(created, context=batch.processing)
    done = {delivery.pk for delivery, _ in finished}
    return [(d, intake) for d, intake in read if d.pk not in done and d.pk not in failures], failures


def _orders_create(waiting: list[tuple[WebhookDelivery, IntakeOrder, StorefrontOrder]], batch: IntakeBatch,
                   events: list) -> tuple[list[tuple[WebhookDelivery, StorefrontOrder, Order]],
                                          dict[int, BaseException]]:
    """Create the orders of the deliveries, noting each on its StorefrontOrder (in memory: _created_record
    writes them). All together first, in one savepoint; if the database refuses that, each in a savepoint of
    its own, so that a bad order fails alone. Returns what was made and the deliveries that failed."""
    if len(waiting) > 1:
        mark = len(events)
        try:
            with transaction.atomic():
                orders = orders_create_together([_new_order(d, intake, batch) for d, intake, _ in waiting])
        except Exception:
            del events[mark:]
            logger.info("Creating %s orders in one statement failed; creating them one at a time", len(waiting),
                        exc_info=True)
        else:
            return [(d, _ref_note(ref, intake, order), order)
                    for (d, intake, ref), order in zip(waiting, orders, strict=True)], {}
    made, failures = [], {}
    for delivery, intake, ref in waiting:
        mark = len(events)
        try:
            with log_context(delivery_id=delivery.pk), transaction.atomic():
                new = _new_order(delivery, intake, batch)
                order = order_create(channel=new.channel, order_number=new.order_number,
                                     external_id=new.external_id, lines=new.lines, actor=new.actor, note=new.note,
                                     queue_routing=False, products=new.products, **new.fields)
        except Exception as exc:
            del events[mark:]
            if not error_is_permanent(exc):
                logger.warning("Processing delivery %s failed; it will be retried", delivery.pk, exc_info=True)
            failures[delivery.pk] = exc
            continue
        made.append((delivery, _ref_note(ref, intake, order), order))
    return made, failures


def _new_order(delivery: WebhookDelivery, intake: IntakeOrder, batch: IntakeBatch) -> NewOrder:
    """The order a delivery creates (not routed yet)."""
    channel = delivery.channel
    delivery.external_id = delivery.external_id or intake.external_id[:100]
    actor = intake_actor(channel, delivery.source)
    return NewOrder(channel=channel, order_number=intake.order_number, external_id=intake.external_id,
                    lines=[line.as_dict() for line in intake.lines], products=batch.products[channel.pk],
                    actor=actor, note=f"Order received ({actor})", fields=intake.fields)


def _ref_note(ref: StorefrontOrder, intake: IntakeOrder, order: Order) -> StorefrontOrder:
    """Note the created order on its StorefrontOrder, in memory (written with the batch's others)."""
    ref.order = order
    if intake.updated_at:
        ref.source_updated_at = intake.updated_at
    ref.source_status = intake.source_status[:40]
    return ref


def _created_record(finished: list[tuple[WebhookDelivery, StorefrontOrder]]) -> None:
    """Record the orders a batch created on their StorefrontOrder rows and finish their deliveries: two
    statements for the batch. Raises DeliveryTaken if another worker finished one of the deliveries meanwhile
    (the batch is then undone and each delivery runs on its own)."""
    if not finished:
        return
    if connection.vendor != "postgresql":
        for delivery, ref in finished:
            ref.save()
            _delivery_finish(delivery, state=OUTCOME_STATE["created"], order=ref.order)
        return
    now = timezone.now()
    quote = connection.ops.quote_name
    refs_table, deliveries_table = quote(StorefrontOrder._meta.db_table), quote(WebhookDelivery._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {refs_table} SET order_id = v.order_id, source_updated_at = v.source_updated_at, "
            "source_status = v.source_status, updated_at = %s FROM (VALUES "
            + ", ".join(["(%s::bigint, %s::bigint, %s::timestamptz, %s::varchar)"] * len(finished))
            + f") AS v (id, order_id, source_updated_at, source_status) WHERE {refs_table}.id = v.id",
            [now, *(value for _, ref in finished
                    for value in (ref.pk, ref.order.pk, ref.source_updated_at, ref.source_status))])
        cursor.execute(
            f"UPDATE {deliveries_table} SET state = %s, order_id = v.order_id, last_error = '', "
            f"processed_at = %s, attempts = {deliveries_table}.attempts + 1, external_id = v.external_id, "
            "updated_at = %s FROM (VALUES "
            + ", ".join(["(%s::bigint, %s::bigint, %s::varchar)"] * len(finished))
            + f") AS v (id, order_id, external_id) WHERE {deliveries_table}.id = v.id "
            f"AND {deliveries_table}.state IN ({', '.join(['%s'] * len(DELIVERY_RETRYABLE_STATES))}) "
            f"RETURNING {deliveries_table}.id",
            [OUTCOME_STATE["created"], now, now,
             *(value for delivery, ref in finished for value in (delivery.pk, ref.order.pk, delivery.external_id)),
             *DELIVERY_RETRYABLE_STATES])
        updated = {pk for (pk,) in cursor.fetchall()}
    if taken := [delivery.pk for delivery, _ in finished if delivery.pk not in updated]:
        raise DeliveryTaken(f"Deliveries {taken} were processed by another worker.")
    for delivery, ref in finished:
        delivery.state, delivery.order, delivery.last_error = OUTCOME_STATE["created"], ref.order, ""
        delivery.attempts += 1


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
