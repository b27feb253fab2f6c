"""Polling a storefront for the orders it changed since the channel's cursor (what webhooks missed)."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import timedelta

from django.utils import timezone

from core.exceptions import DomainError
from orders.choices import ChannelKind, DeliverySource, DeliveryState
from orders.intake import mapping
from orders.intake.deliveries import webhook_delivery_store
from orders.intake.mapping import PayloadError
from orders.intake.storefront_apply import POLL_TOPIC, storefront_order_apply
from orders.models import ChannelSync, SalesChannel, WebhookDelivery
from orders.storefronts import StorefrontError, client_for_channel

logger = logging.getLogger(__name__)

SYNC_OVERLAP = timedelta(minutes=2)  # re-read a little before the cursor: clocks and same-second changes
SYNC_FIRST_LOOKBACK = timedelta(days=7)


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
