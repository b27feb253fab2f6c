"""Storefront webhook endpoints: verify, store the raw delivery, answer at once.

Nothing here talks to the broker or processes the order: the response depends on one INSERT only.
"""

from __future__ import annotations

import re

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
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


def _channel(channel_id: int, kind: str) -> SalesChannel | None:
    return SalesChannel.objects.filter(pk=channel_id, kind=kind, is_active=True).first()


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
    if not shopify.webhook_signature_valid(body, channel.webhook_secret, request.headers.get("X-Shopify-Hmac-Sha256")):
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
    if not woocommerce.webhook_signature_valid(body, channel.webhook_secret,
                                               request.headers.get("X-WC-Webhook-Signature")):
        return _error(401, "Missing or wrong X-WC-Webhook-Signature.")
    return _receive(request, channel=channel, body=body, topic=request.headers.get("X-WC-Webhook-Topic", ""),
                    delivery_id=request.headers.get("X-WC-Webhook-Delivery-ID", ""), event_id="")
