"""Telling the customer and the storefront that an order shipped (run by the shipment_notify Celery task).

Failures never reach the warehouse: the order is already shipped when these run. Each attempt is recorded on
the ShipmentNotification (status, attempts, last error), which the channel's page lists for managers.
"""

from __future__ import annotations

import smtplib

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db.models import F
from django.utils import timezone

from core.email import EmailNotDelivered, email_delivers
from core.rendering import render_for_outside
from core.work import work_enqueue
from orders.choices import ChannelKind
from orders.storefronts import RetryPolicy, StorefrontError, StorefrontUnavailable, client_for_channel
from shipping.choices import NotificationKind, NotificationStatus
from shipping.models import ShipmentNotification
from shipping.task_names import SHIPMENT_NOTIFY_TASK

# Each task attempt makes a couple of quick tries; Celery's retries (with backoff) space out the rest.
STOREFRONT_RETRY = RetryPolicy(attempts=2, backoff_base=0.2, backoff_max=1.0, retry_after_max=5.0)


class NotificationFailed(Exception):
    """A notification failed in a way worth retrying later (SMTP down, storefront 5xx or unreachable)."""


def _tracking(shipment) -> tuple[list[tuple[str, str]], str]:
    packages = list(shipment.packages.select_related("carrier").order_by("number"))
    pairs = [(p.tracking_number, p.tracking_link) for p in packages if p.tracking_number]
    carrier = shipment.service.carrier.name if shipment.service_id else ""
    return pairs, carrier


def _send_email(notification: ShipmentNotification) -> None:
    shipment = notification.shipment
    order = shipment.order
    tracking, carrier = _tracking(shipment)
    context = {"order": order, "shipment": shipment, "tracking": tracking, "carrier": carrier,
               "service": shipment.service, "client": order.client}
    subject = f"Your {order.client.name} order {order.order_number} has shipped"
    text, html = (render_for_outside("shipping/email/shipped.txt", context),
                  render_for_outside("shipping/email/shipped.html", context))
    message = EmailMultiAlternatives(
        subject=subject, body=text,
        from_email=settings.DEFAULT_FROM_EMAIL, to=[order.customer_email],
        reply_to=[order.client.contact_email] if order.client.contact_email else None,
    )
    message.attach_alternative(html, "text/html")
    message.send()


def _update_storefront(notification: ShipmentNotification) -> str:
    shipment = notification.shipment
    order = shipment.order
    channel = order.channel
    tracking, carrier = _tracking(shipment)
    if not tracking:
        raise StorefrontError("The shipment has no tracking number yet.")
    client = client_for_channel(channel, retry=STOREFRONT_RETRY)
    number, url = tracking[0]
    if channel.kind == ChannelKind.SHOPIFY:
        result = client.create_fulfillment(order.external_id, tracking_number=number, tracking_url=url,
                                           company=carrier)
        return "Shopify fulfilment created." if result is not None else "Already fulfilled on Shopify."
    numbers = ", ".join(f"{n} ({u})" if u else n for n, u in tracking)
    client.complete_order(order.external_id, note=f"Shipped with {carrier}. Tracking: {numbers}")
    return "WooCommerce order completed with a tracking note."


def notification_send(*, notification_id: int, final: bool = False) -> ShipmentNotification | None:
    """Send one notification unless it is already sent or not needed; record the attempt.

    Raises NotificationFailed when a retryable failure happened and this was not the final attempt; a
    permanent failure (a 4xx from the storefront, missing credentials) or the final attempt marks it failed.
    """
    notification = (ShipmentNotification.objects
                    .select_related("shipment__order__channel", "shipment__order__client", "shipment__service__carrier")
                    .filter(pk=notification_id).first())
    if notification is None or notification.status in (NotificationStatus.SENT, NotificationStatus.SKIPPED):
        return notification
    ShipmentNotification.objects.filter(pk=notification.pk).update(attempts=F("attempts") + 1)
    notification.refresh_from_db(fields=["attempts"])
    retryable = False
    try:
        if notification.kind == NotificationKind.CUSTOMER_EMAIL:
            _send_email(notification)
            if not email_delivers():
                raise EmailNotDelivered()
            note = f"Sent to {notification.shipment.order.customer_email}."
        else:
            note = _update_storefront(notification)
    except StorefrontUnavailable as exc:
        problem, retryable = exc.message, True
    except (StorefrontError, EmailNotDelivered) as exc:
        problem = exc.message
    except (smtplib.SMTPException, OSError) as exc:
        problem, retryable = f"{type(exc).__name__}: {exc}", True
    else:
        notification.status = NotificationStatus.SENT
        notification.sent_at = timezone.now()
        notification.last_error = note
        notification.save(update_fields=["status", "sent_at", "last_error", "updated_at"])
        return notification
    will_retry = retryable and not final
    notification.status = NotificationStatus.RETRYING if will_retry else NotificationStatus.FAILED
    notification.last_error = problem[:2000]
    notification.save(update_fields=["status", "last_error", "updated_at"])
    if will_retry:
        raise NotificationFailed(problem)
    return notification


def notification_resend(*, notification: ShipmentNotification) -> ShipmentNotification:
    """Queue a failed (or skipped) notification again, e.g. after a manager fixed the channel's credentials."""

    ShipmentNotification.objects.filter(pk=notification.pk).update(status=NotificationStatus.PENDING,
                                                                     updated_at=timezone.now())
    work_enqueue(SHIPMENT_NOTIFY_TASK, notification.pk)
    notification.refresh_from_db()
    return notification
