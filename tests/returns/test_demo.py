import datetime

import pytest
from django.utils import timezone

from demo.seed import seed_demo
from reports.kpis import KpiFilters, kpis_compute
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


def test_demo_order_history_gives_the_dashboard_real_cycle_times(manager):
    seed_demo()
    today = timezone.now().date()

    kpis = kpis_compute(user=manager, filters=KpiFilters(date_from=today - datetime.timedelta(days=30),
                                                         date_to=today))

    # Received before shipped, some the same day before the cut-off and some the next day
    assert kpis.cycle_hours
    assert min(kpis.cycle_hours) > 0
    assert 0 < kpis.on_time_rate < 1
