"""Storefront webhook endpoints: verify, store the raw delivery, answer at once.

Nothing here talks to the broker or processes the order: the response depends on one INSERT only.
"""

from __future__ import annotations

import re
import time

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from core.json_input import JSONInputError, json_loads_checked, json_text_problem
from orders.choices import ChannelKind, DeliveryState
from orders.intake.deliveries import webhook_delivery_store
from orders.models import SalesChannel
from orders.storefronts import shopify, woocommerce

KEPT_HEADERS = re.compile(r"^(x-shopify-|x-wc-webhook-|content-type$|user-agent$)", re.IGNORECASE)
WOO_PING = re.compile(rb"^webhook_id=\d+$")


def max_body_bytes() -> int:
    return getattr(settings, "INTAKE_WEBHOOK_MAX_BYTES", 2 * 1024 * 1024)


def _error(status: int, detail: str) -> JsonResponse:
    return JsonResponse({"detail": detail}, status=status)


def channel_cache_seconds() -> float:
    return getattr(settings, "INTAKE_WEBHOOK_CHANNEL_CACHE_SECONDS", 10.0)


# (channel id, kind) -> (when read, the channel or None). A flash sale posts thousands of webhooks to one
# channel: each process reads it once every few seconds instead of once per webhook. A channel saved in this
# process is forgotten at once; another process sees the change within channel_cache_seconds(), and a
# signature that fails against a remembered secret is checked again against a fresh read (a rotated secret).
_channels: dict[tuple[int, str], tuple[float, SalesChannel | None]] = {}


@receiver([post_save, post_delete], sender=SalesChannel)
def _channel_forget(sender, instance, **kwargs) -> None:
    _channels.clear()


def _channel(channel_id: int, kind: str, *, fresh: bool = False) -> SalesChannel | None:
    key, now = (channel_id, kind), time.monotonic()
    remembered = _channels.get(key)
    if remembered is not None and not fresh and now - remembered[0] < channel_cache_seconds():
        return remembered[1]
    channel = (SalesChannel.objects.filter(pk=channel_id, kind=kind, is_active=True).order_by()
               .only("pk", "client_id", "kind", "webhook_secret", "is_active").first())
    _channels[key] = (now, channel)
    return channel


def _signed(channel_id: int, kind: str, channel: SalesChannel, check) -> SalesChannel | None:
    """The channel if `check(secret)` passes, against the remembered secret and then a freshly read one."""
    if check(channel.webhook_secret):
        return channel
    fresh = _channel(channel_id, kind, fresh=True)
    if fresh is not None and fresh.webhook_secret != channel.webhook_secret and check(fresh.webhook_secret):
        return fresh
    return None


def _body(request) -> bytes | None:
    """The raw body, or None when it is over the limit (judged by Content-Length before reading it)."""
    try:
        declared = int(request.headers.get("Content-Length") or 0)
    except ValueError:
        declared = 0
    if declared > max_body_bytes():
        return None
    try:
        body = request.body
    except RequestDataTooBig:
        return None
    return body if len(body) <= max_body_bytes() else None


def _kept_headers(request) -> dict:
    return {name: value for name, value in request.headers.items() if KEPT_HEADERS.match(name)}


def _receive(request, *, channel: SalesChannel, body: bytes, topic: str, delivery_id: str, event_id: str):
    """Store the delivery (rejected when the body is not a JSON object) and answer."""
    if b"\x00" in body:  # no JSON has a raw NUL, and the database cannot store one in text
        return _error(400, "The body contains a NUL byte: it is not JSON.")
    try:
        # Nesting is bounded here; a NUL in a name or an address is the payload mapping's to refuse.
        payload = json_loads_checked(body, check_strings=False)
        error = "" if isinstance(payload, dict) else "The body is not a JSON object."
    except JSONInputError as exc:
        payload, error = None, f"The body was refused: {exc}"
    except ValueError as exc:
        payload, error = None, f"The body is not valid JSON ({exc.__class__.__name__}: {exc})."
    external_id = str(payload.get("id", ""))[:100] if isinstance(payload, dict) else ""
    if problem := json_text_problem(external_id):  # the id is stored with the delivery: it must be storable
        external_id, error = "", f"The body was refused: its order id {problem}."
    delivery, created = webhook_delivery_store(
        channel=channel, topic=topic, body=body, headers=_kept_headers(request), delivery_id=delivery_id,
        event_id=event_id, external_id=external_id,
        state=DeliveryState.REJECTED if error else DeliveryState.PENDING, error=error,
    )
    if delivery.state == DeliveryState.REJECTED:
        return _error(400, delivery.last_error or "The delivery was rejected.")
    return JsonResponse({"status": "accepted" if created else "duplicate", "delivery": delivery.pk})


@csrf_exempt
@require_POST
def shopify_webhook(request, channel_id: int):
    """Shopify order webhooks (orders/create, orders/updated, orders/cancelled, ...)."""
    channel = _channel(channel_id, ChannelKind.SHOPIFY)
    if channel is None:
        return _error(404, "No active Shopify channel with this id.")
    body = _body(request)
    if body is None:
        return _error(413, f"The body is larger than {max_body_bytes()} bytes.")
    signature = request.headers.get("X-Shopify-Hmac-Sha256")
    channel = _signed(channel_id, ChannelKind.SHOPIFY, channel,
                      lambda secret: shopify.webhook_signature_valid(body, secret, signature))
    if channel is None:
        return _error(401, "Missing or wrong X-Shopify-Hmac-Sha256 signature.")
    return _receive(request, channel=channel, body=body, topic=request.headers.get("X-Shopify-Topic", ""),
                    delivery_id=request.headers.get("X-Shopify-Webhook-Id", ""),
                    event_id=request.headers.get("X-Shopify-Event-Id", ""))


@csrf_exempt
@require_POST
def woocommerce_webhook(request, channel_id: int):
    """WooCommerce order webhooks (order.created, order.updated, order.deleted) and the ping on save."""
    channel = _channel(channel_id, ChannelKind.WOOCOMMERCE)
    if channel is None:
        return _error(404, "No active WooCommerce channel with this id.")
    body = _body(request)
    if body is None:
        return _error(413, f"The body is larger than {max_body_bytes()} bytes.")
    if WOO_PING.match(body.strip()) and "X-WC-Webhook-Topic" not in request.headers:
        return JsonResponse({"status": "pong"})
    signature = request.headers.get("X-WC-Webhook-Signature")
    channel = _signed(channel_id, ChannelKind.WOOCOMMERCE, channel,
                      lambda secret: woocommerce.webhook_signature_valid(body, secret, signature))
    if channel is None:
        return _error(401, "Missing or wrong X-WC-Webhook-Signature.")
    return _receive(request, channel=channel, body=body, topic=request.headers.get("X-WC-Webhook-Topic", ""),
                    delivery_id=request.headers.get("X-WC-Webhook-Delivery-ID", ""), event_id="")
