import pytest

from demo.seed import seed_demo
from returns.choices import CaseStatus, ReturnStatus
from returns.models import FeedbackCase, FeedbackSurvey, ReturnAuthorization

pytestmark = pytest.mark.django_db


def test_demo_has_returns_to_inspect_a_refund_and_survey_answers(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        seed_demo()
    seed_demo()  # safe to repeat

    statuses = sorted(ReturnAuthorization.objects.values_list("order__order_number", "status"))
    assert statuses == [("DEMO-H101", ReturnStatus.AUTHORISED), ("DEMO-H102", ReturnStatus.AUTHORISED),
                        ("DEMO-H103", ReturnStatus.REFUNDED), ("DEMO-H201", ReturnStatus.REQUESTED)]
    assert ReturnAuthorization.objects.get(order__order_number="DEMO-H103").refund.amount > 0
    assert FeedbackSurvey.objects.filter(answered_at__isnull=False).count() == 2
    case = FeedbackCase.objects.get()
    assert (case.order.order_number, case.problems, case.status) == ("DEMO-H104", ["late"], CaseStatus.OPEN)
