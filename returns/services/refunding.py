"""Refunding an inspected return: the refund's lines, and the storefront's refund queued when it has one."""

from __future__ import annotations

from django.db import transaction

from core.exceptions import DomainError
from core.work import work_enqueue
from orders.choices import ChannelKind
from orders.services import order_event_add
from returns.choices import RefundStatus, ReturnStatus
from returns.exceptions import InvalidReturnTransition
from returns.locks import return_lock
from returns.models import Refund, RefundLine, ReturnAuthorization
from returns.refunds import refund_quote
from returns.services.status import _user_or_none, return_transition
from returns.task_names import REFUND_SEND_TASK


@transaction.atomic
def return_refund(*, rma: ReturnAuthorization, user=None, actor: str = "") -> Refund:
    """Compute the refund of an inspected return from what came back, record it, mark the return refunded
    and, after commit, send it to the storefront (Shopify / WooCommerce) in a retried task.

    Raises InvalidReturnTransition unless inspected, DomainError when nothing is refundable (close it instead).
    """
    locked = return_lock(rma.pk)
    if locked.status != ReturnStatus.INSPECTED:
        raise InvalidReturnTransition(f"Return {locked.number} must be inspected before it is refunded.")
    quote = refund_quote(rma=locked)
    if not quote.lines:
        raise DomainError("Nothing refundable came back; close the return instead.")
    channel = locked.order.channel
    calls_storefront = channel.kind in (ChannelKind.SHOPIFY, ChannelKind.WOOCOMMERCE) and bool(channel.store_url)
    refund = Refund.objects.create(
        rma=locked, currency=quote.currency, subtotal=quote.subtotal, restocking_fee=quote.restocking_fee,
        label_fee=quote.label_fee, amount=quote.amount, created_by=_user_or_none(user),
        status=RefundStatus.PENDING if calls_storefront else RefundStatus.MANUAL,
    )
    RefundLine.objects.bulk_create(
        RefundLine(refund=refund, return_line_id=ql.return_line_id, quantity=ql.quantity, unit_price=ql.unit_price,
                   fee=ql.fee, amount=ql.amount)
        for ql in quote.lines
    )
    return_transition(rma=locked.pk, to_status=ReturnStatus.REFUNDED, user=user, actor=actor,
                      note=f"Refund {quote.amount} {quote.currency}: {quote.explanation}")
    order_event_add(order=locked.order, note=f"Return {locked.number} refunded: {quote.amount} {quote.currency}",
                    user=user, actor=actor)
    if calls_storefront:
        work_enqueue(REFUND_SEND_TASK, refund.pk)
    return refund
