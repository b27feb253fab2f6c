"""The “how did we do?” follow-up: which orders are due, the signed single-use link, the email, the answer.

A survey row per order (OneToOne) is the guard against a second email: the beat task creates it once,
the email task sends only while sent_at is empty, under a row lock.
"""

from __future__ import annotations

import datetime
import secrets

from django.conf import settings
from django.core import signing
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from core.email import EMAIL_NOT_SENT_NOTE, email_delivers
from core.exceptions import DomainError
from core.work import work_enqueue
from orders.choices import OrderStatus
from orders.models import Order
from orders.services import order_event_add
from returns.choices import CaseStatus, SurveyProblem
from returns.exceptions import SurveyLinkInvalid
from returns.locks import survey_lock
from returns.models import FeedbackCase, FeedbackSurvey, ReturnPolicy
from returns.selectors import delivered_at_subquery
from returns.task_names import SURVEY_EMAIL_TASK

SURVEY_SALT = "dockhand.returns.survey"
# Orders delivered longer ago than this are never surveyed (e.g. when the survey is first switched on).
SURVEY_LOOKBACK_DAYS = 30


def survey_link_max_age() -> datetime.timedelta:
    return datetime.timedelta(days=getattr(settings, "RETURNS_SURVEY_LINK_DAYS", 14))


def survey_token(*, survey: FeedbackSurvey) -> str:
    """The signed token of a survey's link: its id and nonce, timestamped."""
    return signing.TimestampSigner(salt=SURVEY_SALT).sign_object({"s": survey.pk, "n": survey.nonce}, compress=True)


def survey_url(*, survey: FeedbackSurvey) -> str:
    base = getattr(settings, "DOCKHAND_PUBLIC_URL", "").rstrip("/")
    return base + reverse("returns:survey", kwargs={"token": survey_token(survey=survey)})


def survey_from_token(*, token: str, for_update: bool = False) -> FeedbackSurvey:
    """The survey a link points to. Raises SurveyLinkInvalid when the link was altered, has expired, was
    replaced, or was already used."""
    try:
        data = signing.TimestampSigner(salt=SURVEY_SALT).unsign_object(
            token, max_age=survey_link_max_age()
        )
    except signing.SignatureExpired as exc:
        raise SurveyLinkInvalid("This survey link has expired. Thank you all the same!") from exc
    except (signing.BadSignature, ValueError, TypeError) as exc:
        raise SurveyLinkInvalid("This survey link is not valid.") from exc
    if not isinstance(data, dict):
        raise SurveyLinkInvalid("This survey link is not valid.")
    try:
        survey = survey_lock(int(data.get("s"))) if for_update else FeedbackSurvey.objects.select_related(
            "order", "order__client").get(pk=int(data.get("s")))
    except (FeedbackSurvey.DoesNotExist, TypeError, ValueError) as exc:
        raise SurveyLinkInvalid("This survey link is not valid.") from exc
    if not secrets.compare_digest(str(data.get("n", "")), survey.nonce):
        raise SurveyLinkInvalid("This survey link is not valid.")
    if survey.answered_at is not None:
        raise SurveyLinkInvalid("You have already answered this survey. Thank you!")
    return survey


def orders_due_for_survey(*, now: datetime.datetime | None = None):
    """Delivered orders whose client's survey delay has passed, with an email, never surveyed."""
    now = now or timezone.now()
    policies = {p.client_id: p for p in ReturnPolicy.objects.all()}
    default_delay = ReturnPolicy._meta.get_field("survey_delay_days").default
    shortest = min([default_delay, *(p.survey_delay_days for p in policies.values())])
    qs = (
        Order.objects.filter(status=OrderStatus.DELIVERED, feedback_survey__isnull=True)
        .exclude(customer_email="")
        .annotate(delivered_at=delivered_at_subquery())
        .filter(delivered_at__gte=now - datetime.timedelta(days=SURVEY_LOOKBACK_DAYS),
                delivered_at__lte=now - datetime.timedelta(days=shortest))
        .select_related("client")
    )
    due = []
    for order in qs.order_by("delivered_at", "pk"):
        policy = policies.get(order.client_id)
        if policy is not None and not policy.survey_enabled:
            continue
        delay = policy.survey_delay_days if policy is not None else default_delay
        if order.delivered_at <= now - datetime.timedelta(days=delay):
            due.append(order)
    return due


@transaction.atomic
def survey_schedule_due(*, now: datetime.datetime | None = None) -> int:
    """Create the survey of every order now due and queue its email after commit. Returns how many.

    An order gets at most one survey (a unique row), so running this again sends nothing twice.
    """
    created = 0
    for order in orders_due_for_survey(now=now):
        survey, was_created = FeedbackSurvey.objects.get_or_create(
            order=order, defaults={"email": order.customer_email, "nonce": secrets.token_hex(8)}
        )
        if was_created:
            created += 1
            work_enqueue(SURVEY_EMAIL_TASK, survey.pk)
    return created


@transaction.atomic
def survey_email_send(*, survey_id: int) -> bool:
    """Email the survey link once. Returns False when it was sent already. Raises FeedbackSurvey.DoesNotExist."""
    survey = survey_lock(survey_id)
    if survey.sent_at is not None:
        return False
    order = Order.objects.select_related("client").get(pk=survey.order_id)
    now = timezone.now()
    context = {"order": order, "survey": survey, "url": survey_url(survey=survey),
               "expires_on": timezone.localdate(now + survey_link_max_age())}
    send_mail(
        subject=f"How did we do with your {order.client.name} order {order.order_number}?",
        message=render_to_string("returns/email/survey.txt", context),
        from_email=None,
        recipient_list=[survey.email],
    )
    if not email_delivers():
        order_event_add(order=order, note=f"“How did we do?” survey to {survey.email}: {EMAIL_NOT_SENT_NOTE}",
                        actor="follow-up")
        return False
    survey.sent_at = now
    survey.expires_at = now + survey_link_max_age()
    survey.save(update_fields=["sent_at", "expires_at", "updated_at"])
    order_event_add(order=order, note=f"“How did we do?” survey emailed to {survey.email}", actor="follow-up")
    return True


@transaction.atomic
def survey_answer(*, token: str, rating: int, problems: list[str], comment: str = "") -> FeedbackSurvey:
    """Store a customer's answer (once). A “something was wrong” answer opens a case for a manager.

    Raises SurveyLinkInvalid for a bad, expired or used link, DomainError for a rating outside 1-5.
    """
    survey = survey_from_token(token=token, for_update=True)
    if not isinstance(rating, int) or not 1 <= rating <= 5:
        raise DomainError("Choose a rating from 1 to 5.", field="rating")
    problems = sorted({p for p in problems if p in SurveyProblem.values})
    survey.rating = rating
    survey.problems = problems
    survey.comment = comment.strip()[:2000]
    survey.answered_at = timezone.now()
    survey.save(update_fields=["rating", "problems", "comment", "answered_at", "updated_at"])
    labels = ", ".join(SurveyProblem(p).label.lower() for p in problems)
    note = f"Customer rated the order {rating}/5" + (f" and reported: {labels}" if labels else "")
    order_event_add(order=survey.order, note=note, actor="customer survey")
    if problems:
        FeedbackCase.objects.create(survey=survey, order_id=survey.order_id, problems=problems)
    return survey


@transaction.atomic
def case_resolve(*, case: FeedbackCase, note: str, user=None) -> FeedbackCase:
    """Close a survey case with what was done. Raises DomainError without a note or when already resolved."""
    if not note.strip():
        raise DomainError("Say what was done about it.", field="note")
    locked = FeedbackCase.objects.select_for_update(of=("self",)).get(pk=case.pk)
    if locked.status == CaseStatus.RESOLVED:
        raise DomainError("This case is already resolved.")
    locked.status = CaseStatus.RESOLVED
    locked.resolution_note = note.strip()
    locked.resolved_by = user if getattr(user, "is_authenticated", False) else None
    locked.resolved_at = timezone.now()
    locked.save(update_fields=["status", "resolution_note", "resolved_by", "resolved_at", "updated_at"])
    return locked
