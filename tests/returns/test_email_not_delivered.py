"""With an email backend that does not deliver (console, on purpose), no customer email is recorded as sent:
the shipped email, the survey and the return label say "not sent" instead."""

import pytest
from django.core import mail

from core.email import EMAIL_NOT_SENT_NOTE, email_delivers
from orders.models import OrderEvent
from returns.choices import ReturnSource
from returns.models import FeedbackSurvey, ReturnAuthorization
from returns.surveys import survey_email_send
from shipping.choices import NotificationKind, NotificationStatus
from shipping.models import ShipmentNotification
from tests.returns.factories import delivered_order, open_return
from tests.returns.test_label_and_trace import delivered  # noqa: F401  (fixture)
from tests.shipping.tracking_helpers import shipped_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def console_email(settings):
    settings.EMAIL_DELIVERS = False


@pytest.mark.parametrize(("backend", "delivers"), [
    ("django.core.mail.backends.console.EmailBackend", False),
    ("django.core.mail.backends.filebased.EmailBackend", False),
    ("django.core.mail.backends.smtp.EmailBackend", True),
    ("django.core.mail.backends.locmem.EmailBackend", True),
])
def test_delivery_is_judged_by_the_backend_unless_set(settings, backend, delivers):
    settings.EMAIL_BACKEND = backend
    settings.EMAIL_DELIVERS = None

    assert email_delivers() is delivers


def test_shipped_email_is_marked_failed_not_sent(console_email, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _, shipment = shipped_order(packages=1)

    notification = ShipmentNotification.objects.get(shipment=shipment, kind=NotificationKind.CUSTOMER_EMAIL)
    assert notification.status == NotificationStatus.FAILED
    assert notification.sent_at is None
    assert notification.last_error == EMAIL_NOT_SENT_NOTE


def test_shipped_email_is_sent_with_a_delivering_backend(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _, shipment = shipped_order(packages=1)

    notification = ShipmentNotification.objects.get(shipment=shipment, kind=NotificationKind.CUSTOMER_EMAIL)
    assert notification.status == NotificationStatus.SENT


def test_survey_is_not_marked_sent(console_email):
    order = delivered_order(delivered_days_ago=4)
    survey = FeedbackSurvey.objects.create(order=order, email=order.customer_email, nonce="n1")

    sent = survey_email_send(survey_id=survey.pk)

    survey.refresh_from_db()
    assert sent is False
    assert survey.sent_at is None
    assert len(mail.outbox) == 1  # written to the backend (the log), just not delivered
    assert OrderEvent.objects.filter(order=order, note__contains="Not sent (console backend)").exists()
    assert not OrderEvent.objects.filter(order=order, note__contains="survey emailed").exists()


def test_return_label_is_not_marked_emailed(console_email, delivered, django_capture_on_commit_callbacks):  # noqa: F811
    order, *_ = delivered

    with django_capture_on_commit_callbacks(execute=True):
        rma = open_return(order, [(order.lines.first(), 1, "too_small")], source=ReturnSource.CUSTOMER,
                          authorise=None)

    rma = ReturnAuthorization.objects.get(pk=rma.pk)
    assert rma.label_tracking_number  # the label is bought and printable from the return page
    assert rma.label_emailed_at is None
    assert rma.events.filter(note__contains="Not sent (console backend)").exists()
    assert not rma.events.filter(note__startswith="Return label and instructions emailed").exists()
