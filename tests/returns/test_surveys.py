"""The “how did we do?” follow-up: timing, one email, signed expiring single-use link, cases."""

import datetime
import time
from unittest import mock

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from core.choices import Role
from core.exceptions import DomainError
from orders.models import OrderEvent
from returns.choices import CaseStatus
from returns.exceptions import SurveyLinkInvalid
from returns.models import FeedbackCase, FeedbackSurvey
from returns.selectors import survey_list
from returns.services.policy import return_policy_update
from returns.surveys import (
    case_resolve,
    orders_due_for_survey,
    survey_answer,
    survey_email_send,
    survey_from_token,
    survey_schedule_due,
    survey_token,
)
from returns.tasks import survey_send_due
from tests.factories import WarehouseFactory, make_user
from tests.returns.factories import FeedbackSurveyFactory, delivered_order

pytestmark = pytest.mark.django_db


def _token_from_email(message) -> str:
    line = next(line for line in message.body.splitlines() if "/returns/feedback/" in line)
    return line.strip().rstrip("/").rsplit("/", 1)[1]


def test_order_is_not_due_before_the_delay_and_is_after_it():
    early = delivered_order(delivered_days_ago=2.9)
    due = delivered_order(delivered_days_ago=3.1)

    assert orders_due_for_survey() == [due]
    assert early not in orders_due_for_survey(now=timezone.now())


def test_delay_follows_the_clients_policy_and_can_be_switched_off():
    order = delivered_order(delivered_days_ago=2)
    return_policy_update(client=order.client, survey_delay_days=1)
    assert orders_due_for_survey() == [order]

    return_policy_update(client=order.client, survey_enabled=False)
    assert orders_due_for_survey() == []


def test_orders_without_email_or_delivered_long_ago_are_never_surveyed():
    delivered_order(delivered_days_ago=5, customer_email="")
    delivered_order(delivered_days_ago=45)

    assert orders_due_for_survey() == []


def test_beat_task_emails_each_due_order_once_with_a_working_link(client, django_capture_on_commit_callbacks):
    order = delivered_order(delivered_days_ago=4)

    with django_capture_on_commit_callbacks(execute=True):
        assert survey_send_due.delay().get() == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert survey_send_due.delay().get() == 0

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [order.customer_email]
    assert order.order_number in message.subject
    survey = FeedbackSurvey.objects.get(order=order)
    assert survey.sent_at is not None
    assert survey.expires_at > timezone.now() + datetime.timedelta(days=13)
    response = client.get(reverse("returns:survey", kwargs={"token": _token_from_email(message)}))
    assert response.status_code == 200
    assert b"How did we do?" in response.content
    assert OrderEvent.objects.filter(order=order, note__contains="survey emailed").exists()


def test_sending_the_same_survey_again_sends_nothing():
    order = delivered_order(delivered_days_ago=4)
    survey = FeedbackSurvey.objects.create(order=order, email=order.customer_email, nonce="abc123")

    assert survey_email_send(survey_id=survey.pk) is True
    assert survey_email_send(survey_id=survey.pk) is False
    assert len(mail.outbox) == 1


def _sent_survey():
    order = delivered_order(delivered_days_ago=4)
    survey_schedule_due()
    survey = FeedbackSurvey.objects.get(order=order)
    survey_email_send(survey_id=survey.pk)
    survey.refresh_from_db()
    return survey


def test_link_with_a_changed_id_or_signature_is_refused():
    survey = _sent_survey()
    token = survey_token(survey=survey)
    other = FeedbackSurvey.objects.create(order=delivered_order(), email="x@example.com", nonce="zzz")

    assert survey_from_token(token=token) == survey
    with pytest.raises(SurveyLinkInvalid, match="not valid"):
        survey_from_token(token=token[:-2] + ("AA" if not token.endswith("AA") else "BB"))
    with pytest.raises(SurveyLinkInvalid, match="not valid"):
        survey_from_token(token=token.replace(token.split(":")[0], survey_token(survey=other).split(":")[0]))
    survey.nonce = "replaced"
    survey.save()
    with pytest.raises(SurveyLinkInvalid, match="not valid"):
        survey_from_token(token=token)


def test_link_expires_after_the_configured_days(settings):
    settings.RETURNS_SURVEY_LINK_DAYS = 14
    survey = _sent_survey()
    token = survey_token(survey=survey)
    later = time.time() + 15 * 24 * 3600

    with mock.patch("django.core.signing.time.time", return_value=later), \
            pytest.raises(SurveyLinkInvalid, match="expired"):
        survey_from_token(token=token)
    with mock.patch("django.core.signing.time.time", return_value=time.time() + 13 * 24 * 3600):
        assert survey_from_token(token=token) == survey


def test_answer_is_stored_once_and_the_link_then_refuses():
    survey = _sent_survey()
    token = survey_token(survey=survey)

    survey_answer(token=token, rating=5, problems=[], comment="Fast!")

    survey.refresh_from_db()
    assert (survey.rating, survey.problems, survey.comment) == (5, [], "Fast!")
    assert survey.answered_at is not None
    assert not FeedbackCase.objects.exists()
    with pytest.raises(SurveyLinkInvalid, match="already answered"):
        survey_answer(token=token, rating=1, problems=["late"])
    survey.refresh_from_db()
    assert survey.rating == 5


def test_something_wrong_opens_a_case_for_a_manager(manager):
    survey = _sent_survey()

    survey_answer(token=survey_token(survey=survey), rating=2, problems=["wrong_item", "late", "bogus"],
                  comment="Got a blue one")

    case = FeedbackCase.objects.get()
    assert (case.order, case.problems, case.status) == (survey.order, ["late", "wrong_item"], CaseStatus.OPEN)
    assert OrderEvent.objects.filter(order=survey.order, note__contains="reported: arrived late, wrong item").exists()
    case_resolve(case=case, note="Sent the right colour", user=manager)
    case.refresh_from_db()
    assert (case.status, case.resolved_by) == (CaseStatus.RESOLVED, manager)
    with pytest.raises(DomainError):
        case_resolve(case=case, note="again", user=manager)


def test_rating_must_be_one_to_five():
    survey = _sent_survey()

    with pytest.raises(DomainError, match="1 to 5"):
        survey_answer(token=survey_token(survey=survey), rating=6, problems=[])


def test_survey_page_works_without_login_and_answers_once(client):
    survey = _sent_survey()
    url = reverse("returns:survey", kwargs={"token": survey_token(survey=survey)})

    bad = client.post(url, {"rating": "4", "anything_wrong": "yes"})
    assert bad.status_code == 400
    assert b"Tick what was wrong" in bad.content
    good = client.post(url, {"rating": "3", "anything_wrong": "yes", "problems": ["damaged"], "comment": "dent"})
    assert good.status_code == 200
    assert b"sorry" in good.content
    again = client.get(url)
    assert again.status_code == 410
    assert b"already answered" in again.content
    assert FeedbackCase.objects.get().problems == ["damaged"]


def test_survey_page_with_a_bad_link_says_so(client):
    response = client.get(reverse("returns:survey", kwargs={"token": "nonsense"}))

    assert response.status_code == 410
    assert b"not valid" in response.content


def test_survey_list_limits_warehouse_staff_to_their_warehouses_orders():
    ours, theirs = WarehouseFactory(code="OURS"), WarehouseFactory(code="THRS")
    mine = FeedbackSurveyFactory(order__warehouse=ours)
    FeedbackSurveyFactory(order__warehouse=theirs)
    staff = make_user(Role.MANAGER, warehouses=[ours])

    assert list(survey_list(user=staff)) == [mine]
