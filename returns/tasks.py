"""Thin Celery tasks of returns: take ids, load fresh rows, call one service, safe to run twice."""

from __future__ import annotations

import logging

from celery import shared_task

from core.work import work_attempt_is_final, work_register
from returns import storefront_refunds, surveys
from returns.labels import return_label_issue
from returns.models import FeedbackSurvey, Refund, ReturnAuthorization
from returns.services.status import return_label_scanned
from returns.surveys import survey_schedule_due
from shipping.models import TrackingEvent

logger = logging.getLogger(__name__)


@shared_task(name="returns.survey_send_due")
def survey_send_due() -> int:
    """Beat: create and email the surveys of orders delivered long enough ago (each order at most once)."""
    return survey_schedule_due()


@shared_task(name="returns.survey_email_send")
def survey_email_send(survey_id: int) -> bool:
    """Email one survey link unless it was sent already; a missing survey is ignored."""

    try:
        return surveys.survey_email_send(survey_id=survey_id)
    except FeedbackSurvey.DoesNotExist:
        logger.info("survey %s vanished before its email", survey_id)
        return False


@shared_task(name="returns.return_label_send")
def return_label_send(rma_id: int) -> bool:
    """Create the return label of an authorised return (once) and email it with the instructions."""
    try:
        return return_label_issue(rma_id=rma_id)
    except ReturnAuthorization.DoesNotExist:
        logger.info("return %s vanished before its label", rma_id)
        return False


@shared_task(name="returns.refund_send")
def refund_send(refund_id: int) -> str:
    """Send a recorded refund to its storefront; while the shop is unavailable its job retries with backoff,
    and the last attempt marks it failed for a manager."""

    try:
        return storefront_refunds.refund_storefront_send(refund_id=refund_id, final_attempt=work_attempt_is_final())
    except Refund.DoesNotExist:
        logger.info("refund %s vanished before it was sent", refund_id)
        return "missing"


@shared_task(name="returns.return_label_tracked")
def return_label_tracked_task(tracking_event_id: int) -> bool:
    """Mark the authorised return whose label a carrier tracking event scanned in transit (once).

    Tolerates a deleted event; a return that moved on (or was marked already) is left alone.
    """
    event = TrackingEvent.objects.filter(pk=tracking_event_id).values("tracking_number", "status").first()
    if event is None:
        logger.info("tracking event %s is gone; no return to mark", tracking_event_id)
        return False
    return return_label_scanned(tracking_number=event["tracking_number"], status=event["status"]) is not None


work_register(survey_email_send, label="Survey emails")
work_register(return_label_send, label="Return labels to issue and email")
work_register(refund_send, label="Refunds to send to storefronts")
work_register(return_label_tracked_task, label="Returns whose label the carrier scanned")
