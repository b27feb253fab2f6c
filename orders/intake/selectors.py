"""Reads for the intake pages: channels with their webhook health, failed deliveries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from orders.choices import ChannelKind, DeliverySource, DeliveryState
from orders.models import SalesChannel, WebhookDelivery
from orders.selectors import channel_list

WEBHOOK_KINDS = (ChannelKind.SHOPIFY, ChannelKind.WOOCOMMERCE)
FAILED_STATES = (DeliveryState.FAILED, DeliveryState.REJECTED)


def silent_after() -> timedelta:
    return timedelta(hours=getattr(settings, "INTAKE_SILENT_WEBHOOK_HOURS", 24))


def channel_list_with_health(*, user) -> QuerySet[SalesChannel]:
    """Channels the user may see, with their last webhook time and failed-delivery count."""
    # Per-channel subqueries rather than a join and GROUP BY: each reads a few index entries
    # (delivery_channel_source_idx, delivery_channel_state_idx) instead of every delivery ever stored.
    deliveries = WebhookDelivery.objects.filter(channel=OuterRef("pk")).order_by()
    last_webhook = deliveries.filter(source=DeliverySource.WEBHOOK).order_by("-received_at").values("received_at")
    failed = deliveries.filter(state__in=FAILED_STATES).values("channel").annotate(n=Count("*")).values("n")
    return channel_list(user=user).select_related("sync_state", "stock_sync").annotate(
        last_webhook_at=Subquery(last_webhook[:1]),
        failed_deliveries=Coalesce(Subquery(failed), 0),
    ).order_by("client__name", "name", "pk")


@dataclass
class ChannelWarning:
    level: str  # "error" or "warning"
    text: str


def channel_warnings(channel: SalesChannel, *, now=None) -> list[ChannelWarning]:
    """What a manager should know about a channel's intake: a disabled or silent webhook, a failing sync."""
    now = now or timezone.now()
    warnings: list[ChannelWarning] = []
    if channel.kind not in WEBHOOK_KINDS or not channel.is_active:
        return warnings
    state = getattr(channel, "sync_state", None)
    last_webhook = getattr(channel, "last_webhook_at", None)
    if state and state.missed_by_webhooks and state.last_missed_at and (
            last_webhook is None or state.last_missed_at > last_webhook):
        warnings.append(ChannelWarning("error", (
            f"Polling found {state.missed_by_webhooks} order(s) that no webhook delivered, the last one on "
            f"{timezone.localtime(state.last_missed_at):%Y-%m-%d %H:%M}. The store's webhook may be disabled "
            f"(WooCommerce disables one after 5 failed deliveries): check it in the store's settings.")))
    if last_webhook is None:
        warnings.append(ChannelWarning("warning", "No webhook has been received from this store yet."))
    elif now - last_webhook > silent_after():
        hours = int((now - last_webhook).total_seconds() // 3600)
        warnings.append(ChannelWarning("warning", f"No webhook for {hours} hours: the webhook may be silent."))
    if state and state.last_sync_error:
        warnings.append(ChannelWarning("error", f"The last polling sync failed: {state.last_sync_error}"))
    stock = getattr(channel, "stock_sync", None)
    if stock and stock.is_enabled and stock.last_error:
        warnings.append(ChannelWarning("error", f"The stock push to the storefront failed: {stock.last_error[:300]}"
                                                + (" It needs a person: see Stock sync below." if
                                                   stock.last_error_is_permanent else " It is retried.")))
    if getattr(channel, "failed_deliveries", 0):
        warnings.append(ChannelWarning("error", f"{channel.failed_deliveries} delivery(ies) failed and wait for a "
                                                "retry."))
    return warnings


def channel_delivery_counts(channel: SalesChannel) -> dict:
    """Deliveries of a channel by state: in all and in the last 24 hours."""
    since = timezone.now() - timedelta(hours=24)
    # Counting a column of delivery_channel_state_idx (never null), not the id: the index alone answers.
    rows = channel.deliveries.values("state").annotate(
        total=Count("state"), recent=Count("state", filter=Q(received_at__gte=since))).order_by()
    by_state = {row["state"]: row for row in rows}
    return {
        "rows": [(state, label, by_state.get(state, {}).get("total", 0), by_state.get(state, {}).get("recent", 0))
                 for state, label in DeliveryState.choices],
        "total": sum(row["total"] for row in rows),
    }


def failed_delivery_list(*, user) -> QuerySet[WebhookDelivery]:
    """Failed, rejected and still-retrying deliveries of the channels the user may see, newest first."""
    retrying = Q(state=DeliveryState.PENDING) & ~Q(last_error="")
    return WebhookDelivery.objects.filter(
        Q(state__in=FAILED_STATES) | retrying, channel__in=channel_list(user=user)
    ).select_related("channel", "channel__client", "order").order_by("-received_at", "-pk")
