"""Send a recorded refund to the storefront the order came from (Shopify refund, WooCommerce refund).

Called by the retried Celery task returns.tasks.refund_send. The refund row is locked for the call so that
two workers never refund twice; on a retry (the previous attempt may have reached the shop and lost its answer)
the shop's refunds of the order are read first and a refund with our note counts as sent.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from orders.choices import ChannelKind
from orders.storefronts import RetryPolicy, StorefrontError, StorefrontUnavailable, client_for_channel
from returns.choices import RefundStatus
from returns.locks import refund_lock
from returns.models import Refund
from returns.services.status import return_event_add


class RefundRetryLater(Exception):
    """The storefront did not answer (429, 5xx, timeout) after the client's own retries: try again later."""


def refund_note(refund: Refund) -> str:
    return f"Dockhand return {refund.rma.number}"


def _money(value: Decimal) -> str:
    return f"{value:.2f}"


def _client(channel):
    # A few quick tries here; the Celery task retries later with a longer backoff.
    return client_for_channel(channel, retry=RetryPolicy(attempts=2, backoff_base=0.2, backoff_max=1.0,
                                                         retry_after_max=2.0))


def _lines(refund: Refund):
    return list(refund.lines.select_related("return_line__order_line").order_by("pk"))


def _shopify(client, refund: Refund, *, check_existing: bool) -> str:
    order_id = refund.rma.order.external_id
    note = refund_note(refund)
    if check_existing:
        existing = client.request("GET", client.api_path(f"orders/{order_id}/refunds.json")).json()
        for found in existing.get("refunds", []):
            if found.get("note") == note:
                return str(found.get("id", ""))
    transactions = client.request("GET", client.api_path(f"orders/{order_id}/transactions.json")).json()
    parent = next((t for t in transactions.get("transactions", [])
                   if t.get("kind") in ("sale", "capture") and t.get("status") == "success"), None)
    transaction_body = {"kind": "refund", "amount": _money(refund.amount), "currency": refund.currency}
    if parent is not None:
        transaction_body.update({"parent_id": parent["id"], "gateway": parent.get("gateway", "")})
    body = {"refund": {
        "currency": refund.currency, "notify": True, "note": note,
        "refund_line_items": [
            {"line_item_id": int(line.return_line.order_line.external_line_id), "quantity": line.quantity,
             "restock_type": "no_restock"}
            for line in _lines(refund) if line.return_line.order_line.external_line_id.isdigit()
        ],
        "transactions": [transaction_body],
    }}
    answer = client.request("POST", client.api_path(f"orders/{order_id}/refunds.json"), json=body).json()
    return str((answer.get("refund") or {}).get("id", ""))


def _woocommerce(client, refund: Refund, *, check_existing: bool) -> str:
    order_id = refund.rma.order.external_id
    note = refund_note(refund)
    if check_existing:
        for found in client.request("GET", client.api_path(f"orders/{order_id}/refunds")).json() or []:
            if found.get("reason") == note:
                return str(found.get("id", ""))
    body = {
        "amount": _money(refund.amount), "reason": note, "api_refund": True,
        "line_items": [
            {"id": int(line.return_line.order_line.external_line_id), "quantity": line.quantity,
             "refund_total": _money(line.amount)}
            for line in _lines(refund) if line.return_line.order_line.external_line_id.isdigit()
        ],
    }
    answer = client.request("POST", client.api_path(f"orders/{order_id}/refunds"), json=body).json()
    return str(answer.get("id", ""))


def refund_storefront_send(*, refund_id: int, final_attempt: bool = False) -> str:
    """Send one refund to its storefront; returns the refund's status afterwards.

    Raises RefundRetryLater when the storefront is unavailable and this is not the final attempt (the
    failure is recorded first); a refusal (4xx) or the final failure marks the refund failed for a manager.
    Raises Refund.DoesNotExist.
    """
    retry_error = None
    with transaction.atomic():
        refund = refund_lock(refund_id)
        if refund.status in (RefundStatus.SENT, RefundStatus.MANUAL):
            return refund.status
        refund = Refund.objects.select_related("rma", "rma__order", "rma__order__channel").get(pk=refund.pk)
        channel = refund.rma.order.channel
        send = {ChannelKind.SHOPIFY: _shopify, ChannelKind.WOOCOMMERCE: _woocommerce}.get(channel.kind)
        refund.attempts += 1
        try:
            if send is None:
                raise StorefrontError(f"{channel.get_kind_display()} channels have no storefront refund.")
            refund.external_id = send(_client(channel), refund, check_existing=refund.attempts > 1)[:100]
        except StorefrontUnavailable as exc:
            refund.last_error = str(exc)[:2000]
            refund.status = RefundStatus.FAILED if final_attempt else RefundStatus.RETRYING
            if not final_attempt:
                retry_error = exc
        except (StorefrontError, ValueError, KeyError, TypeError) as exc:
            refund.last_error = str(getattr(exc, "message", exc))[:2000]
            refund.status = RefundStatus.FAILED
        else:
            refund.status = RefundStatus.SENT
            refund.sent_at = timezone.now()
            refund.last_error = ""
        refund.save(update_fields=["attempts", "external_id", "status", "sent_at", "last_error", "updated_at"])
        if refund.status == RefundStatus.SENT:
            return_event_add(rma=refund.rma, actor="storefront",
                             note=f"Refund of {refund.amount} {refund.currency} made on {channel.get_kind_display()}"
                                  + (f" (refund {refund.external_id})" if refund.external_id else ""))
        elif refund.status == RefundStatus.FAILED:
            return_event_add(rma=refund.rma, actor="storefront",
                             note=f"Storefront refund failed after {refund.attempts} attempt(s): {refund.last_error}"
                                  " — refund it in the shop by hand.")
    if retry_error is not None:
        raise RefundRetryLater(str(retry_error)) from retry_error
    return refund.status
