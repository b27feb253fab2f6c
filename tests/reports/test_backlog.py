"""The work backlog page (/reports/backlog/) and API (/api/v1/backlog/): counts per kind, attention, retries."""

import datetime

import pytest
from celery import shared_task
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from core.choices import JobState, Role
from core.models import Job
from core.work import duration_in_words, work_register
from orders.choices import OrderStatus
from reports.backlog import DELIVERIES_TASK, ROUTING_TASK
from tests.factories import OrderFactory, make_user

pytestmark = pytest.mark.django_db

PAGE = reverse("reports:backlog")
API = reverse("backlog")
RULE_RUN_TASK = "orders.tasks.rule_run_task"


@shared_task(name="tests.reports.always_failing")
def always_failing_task(object_id: int) -> None:
    raise ValueError(f"Widget {object_id} has no size.")


work_register(always_failing_task, label="Always failing work")


def ago(**kwargs) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(**kwargs)


def job(task: str, object_id: int, *, state=JobState.PENDING, run_after=None, **fields) -> Job:
    return Job.objects.create(task=task, object_id=object_id, state=state, run_after=run_after or timezone.now(),
                              **fields)


@pytest.fixture
def known_jobs():
    """3 storefront deliveries due (the oldest for 20 min) and 1 waiting for its retry; 2 orders to route and
    one that failed; a failed rule run and a failed job of a kind without a page."""
    job(DELIVERIES_TASK, 11, run_after=ago(minutes=20))
    job(DELIVERIES_TASK, 12, run_after=ago(minutes=2))
    job(DELIVERIES_TASK, 13)
    job(DELIVERIES_TASK, 14, run_after=timezone.now() + datetime.timedelta(minutes=5), attempts=1)
    job(ROUTING_TASK, 21)
    job(ROUTING_TASK, 22)
    job(ROUTING_TASK, 41, state=JobState.FAILED, attempts=6, last_error="OperationalError: lock timeout")
    job(RULE_RUN_TASK, 5, state=JobState.FAILED, attempts=1, last_error="ValueError: bad rule")
    job("tests.reports.always_failing", 9, state=JobState.FAILED, attempts=1, last_error="ValueError: no size")


def kinds_by_task(data) -> dict:
    return {kind["task"]: kind for kind in data["kinds"]}


@pytest.mark.parametrize(("seconds", "words"), [
    (0, "0 s"), (59.9, "59 s"), (60, "1 min"), (185, "3 min"), (3600, "1 h"), (7500, "2 h 5 min"),
    (86400 * 3 + 3600 * 4 + 5, "3 d 4 h"), (86400, "1 d"),
])
def test_durations_read_in_words(seconds, words):
    assert duration_in_words(seconds) == words


# --- the page ------------------------------------------------------------------------------------------------


def test_page_shows_each_kind_with_its_counts_and_the_oldest_due_age_in_words(client, manager, known_jobs):
    client.force_login(manager)

    response = client.get(PAGE)

    assert response.status_code == 200
    kinds = {kind.task: kind for kind in response.context["backlog"].kinds}
    deliveries = kinds[DELIVERIES_TASK]
    assert (deliveries.label, deliveries.due, deliveries.later, deliveries.running, deliveries.failed) == (
        "Storefront deliveries to process", 3, 1, 0, 0)
    assert deliveries.oldest_due_age == "20 min"
    assert (kinds[ROUTING_TASK].due, kinds[ROUTING_TASK].failed) == (2, 1)
    html = response.content.decode()
    assert '<div class="tile" data-count="deliveries"><span class="n">4</span>' in html
    assert '<div class="tile" data-count="orders"><span class="n">2</span>' in html
    assert '<span class="n">3</span><span class="label">failed jobs</span>' in html
    assert '<td class="num" data-label="Oldest due">20 min</td>' in html
    assert f'<a href="{reverse("intake:failed_deliveries")}">Storefront deliveries to process</a>' in html


def test_page_needs_attention_for_old_due_work_and_failed_jobs(client, manager, known_jobs, settings):
    settings.DOCKHAND_BACKLOG_MAX_AGE_SECONDS = 600
    client.force_login(manager)

    backlog = client.get(PAGE).context["backlog"]

    assert not backlog.healthy
    assert backlog.problems == [
        "Storefront deliveries to process: 3 job(s) due, the oldest waiting 20 min",
        "Always failing work: 1 failed job(s) wait for a person",
        "Orders waiting to be routed: 1 failed job(s) wait for a person",
        "Rule re-runs: 1 failed job(s) wait for a person",
    ]
    assert 'data-healthy="false"' in client.get(PAGE).content.decode()


def test_page_is_healthy_when_due_work_is_young_and_nothing_failed(client, manager):
    job(DELIVERIES_TASK, 11, run_after=ago(minutes=2))
    client.force_login(manager)

    html = client.get(PAGE).content.decode()

    assert 'data-healthy="true"' in html
    assert "<strong>Healthy.</strong> No work has waited longer than 10 min and no job has failed." in html
    assert "No failed jobs." in html


def test_empty_backlog_says_nothing_waits(client, manager):
    client.force_login(manager)

    html = client.get(PAGE).content.decode()

    assert "Nothing waits: every job has run." in html
    assert '<span class="n">0</span><span class="label">storefront deliveries waiting</span>' in html


def test_failed_jobs_link_to_their_objects_and_have_a_retry_button(client, manager, known_jobs):
    client.force_login(manager)
    route_job = Job.objects.get(task=ROUTING_TASK, state=JobState.FAILED)

    html = client.get(PAGE).content.decode()

    assert f'<a href="{reverse("orders:detail", args=[41])}">order 41</a>' in html
    assert f'<a href="{reverse("rules:run", args=[5])}">rule run 5</a>' in html
    assert '<td class="job-object">object 9</td>' in html  # a kind without a page
    assert "OperationalError: lock timeout" in html
    assert f'action="{reverse("reports:backlog_retry", args=[route_job.pk])}"' in html
    assert html.count('name="csrfmiddlewaretoken"') >= 3
    assert html.count("<tr data-job=") == 3


def test_htmx_refresh_gets_only_the_backlog_box_which_polls_again(client, manager, known_jobs):
    client.force_login(manager)

    html = client.get(PAGE, headers={"HX-Request": "true"}).content.decode()

    assert html.startswith('<section id="backlog"')
    assert 'hx-get="/reports/backlog/" hx-trigger="every 10s" hx-swap="outerHTML"' in html
    assert "<h1>" not in html
    assert "<script" not in client.get(PAGE).content.decode().split("<main", 1)[1]  # no inline script


@pytest.mark.parametrize("role", [Role.PICKER, Role.PACKER, Role.CLIENT])
def test_page_and_retry_are_for_managers_only(client, role, known_jobs):
    failed = Job.objects.filter(state=JobState.FAILED).first()
    client.force_login(make_user(role))

    assert client.get(PAGE).status_code == 403
    assert client.post(reverse("reports:backlog_retry", args=[failed.pk])).status_code == 403
    assert Job.objects.get(pk=failed.pk).state == JobState.FAILED


def test_page_sends_visitors_to_the_login(client):
    response = client.get(PAGE)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


# Real commits (transaction=True): without a broker the retried job runs when job_retry's transaction commits,
# before the page reads how it went.
@pytest.mark.django_db(transaction=True)
def test_retry_routes_the_waiting_order_and_removes_the_job(client, manager):
    order = OrderFactory(status=OrderStatus.RECEIVED)
    failed = job(ROUTING_TASK, order.pk, state=JobState.FAILED, attempts=6, last_error="lock timeout")
    client.force_login(manager)

    response = client.post(reverse("reports:backlog_retry", args=[failed.pk]), follow=True)

    assert response.redirect_chain == [(PAGE, 302)]
    assert not Job.objects.filter(pk=failed.pk).exists()
    order.refresh_from_db()
    assert order.status != OrderStatus.RECEIVED
    messages = [str(m) for m in response.context["messages"]]
    assert messages == [f"The job for order {order.pk} (Orders waiting to be routed) ran again and is done."]


@pytest.mark.django_db(transaction=True)
def test_retry_that_fails_again_says_why(client, manager):
    failed = job("tests.reports.always_failing", 9, state=JobState.FAILED, attempts=1, last_error="old")
    client.force_login(manager)

    response = client.post(reverse("reports:backlog_retry", args=[failed.pk]), follow=True)

    failed.refresh_from_db()
    assert (failed.state, failed.attempts, failed.last_error) == (
        JobState.FAILED, 1, "ValueError: Widget 9 has no size.")
    assert [str(m) for m in response.context["messages"]] == [
        "The job for object 9 (Always failing work) failed again: ValueError: Widget 9 has no size."]


def test_retry_of_a_job_that_is_not_failed_says_so_and_changes_nothing(client, manager):
    pending = job(ROUTING_TASK, 21)
    client.force_login(manager)

    response = client.post(reverse("reports:backlog_retry", args=[pending.pk]), follow=True)

    assert response.status_code == 200
    assert "is no longer failed" in str(list(response.context["messages"])[0])
    assert Job.objects.get(pk=pending.pk).attempts == 0
    assert client.get(reverse("reports:backlog_retry", args=[pending.pk])).status_code == 405


def _more_jobs(n: int, start: int) -> None:
    for i in range(start, start + n):
        job(DELIVERIES_TASK, i, run_after=ago(minutes=i % 30))
        job(ROUTING_TASK, i, state=JobState.FAILED, attempts=6, last_error=f"error {i}")
        job(RULE_RUN_TASK, i, state=JobState.FAILED, attempts=1, last_error=f"error {i}")
        job("shipping.tasks.shipment_documents_render", i)


def test_page_reads_a_fixed_number_of_queries_however_many_jobs_wait(client, manager, django_assert_num_queries):
    client.force_login(manager)
    _more_jobs(5, start=1000)
    client.get(PAGE)  # warm the session and the user's access
    with CaptureQueriesContext(connection) as at_n:
        assert client.get(PAGE).status_code == 200
    _more_jobs(10, start=2000)

    with django_assert_num_queries(len(at_n)):
        response = client.get(PAGE)

    assert len(response.context["backlog"].failed_jobs) == 30


# --- the API -------------------------------------------------------------------------------------------------


def test_api_returns_health_kinds_and_failed_jobs(manager_api, known_jobs, settings):
    settings.DOCKHAND_BACKLOG_MAX_AGE_SECONDS = 600

    data = manager_api.get(API).json()

    assert data["healthy"] is False
    assert len(data["problems"]) == 4
    kinds = kinds_by_task(data)
    deliveries = kinds[DELIVERIES_TASK]
    assert {k: v for k, v in deliveries.items() if k != "oldest_due_seconds"} == {
        "task": DELIVERIES_TASK, "label": "Storefront deliveries to process", "pending": 4, "due": 3,
        "running": 0, "failed": 0}
    assert deliveries["oldest_due_seconds"] == pytest.approx(1200, abs=5)
    assert (kinds[ROUTING_TASK]["pending"], kinds[ROUTING_TASK]["failed"]) == (2, 1)
    assert kinds[ROUTING_TASK]["oldest_due_seconds"] < 5
    route_failed = next(j for j in data["failed_jobs"] if j["task"] == ROUTING_TASK)
    assert {k: v for k, v in route_failed.items() if k not in ("id", "updated_at")} == {
        "task": ROUTING_TASK, "label": "Orders waiting to be routed", "object_id": 41, "attempts": 6,
        "last_error": "OperationalError: lock timeout"}
    assert len(data["failed_jobs"]) == 3


def test_api_is_healthy_with_nothing_waiting(manager_api):
    assert manager_api.get(API).json() == {"healthy": True, "problems": [], "kinds": [], "failed_jobs": []}


def test_api_lists_the_latest_100_failed_jobs(manager_api):
    Job.objects.bulk_create([Job(task=RULE_RUN_TASK, object_id=i, state=JobState.FAILED, last_error="x")
                             for i in range(105)])

    data = manager_api.get(API).json()

    assert len(data["failed_jobs"]) == 100
    assert kinds_by_task(data)[RULE_RUN_TASK]["failed"] == 105


@pytest.mark.parametrize("role", [Role.PICKER, Role.PACKER, Role.CLIENT])
def test_api_is_for_managers_only(api_for, role, known_jobs):
    api = api_for(make_user(role))
    failed = Job.objects.filter(state=JobState.FAILED).first()

    assert api.get(API).status_code == 403
    assert api.post(reverse("backlog-job-retry", args=[failed.pk])).status_code == 403
    assert Job.objects.get(pk=failed.pk).state == JobState.FAILED


def test_api_works_with_the_session_too(client, manager):
    client.force_login(manager)

    assert client.get(API).json()["healthy"] is True


@pytest.mark.django_db(transaction=True)
def test_api_retry_runs_the_job_again_and_says_how_it_went(manager_api):
    failed = job("tests.reports.always_failing", 9, state=JobState.FAILED, attempts=1, last_error="old")

    response = manager_api.post(reverse("backlog-job-retry", args=[failed.pk]))

    assert response.status_code == 200
    data = response.json()
    assert (data["state"], data["attempts"], data["last_error"]) == (
        "failed", 1, "ValueError: Widget 9 has no size.")
    assert (data["job"]["id"], data["job"]["object_id"], data["job"]["last_error"]) == (failed.pk, 9, "old")


def test_api_retry_in_an_open_transaction_leaves_the_job_queued(manager_api):
    # The test's transaction never commits, so the job waits in the queue as it does for a worker with a broker.
    failed = job(ROUTING_TASK, 41, state=JobState.FAILED, attempts=6, last_error="lock timeout")

    data = manager_api.post(reverse("backlog-job-retry", args=[failed.pk])).json()

    assert (data["state"], data["attempts"]) == ("pending", 0)
    failed.refresh_from_db()
    assert (failed.state, failed.attempts) == (JobState.PENDING, 0)


def test_api_retry_of_a_job_that_is_not_failed_is_404(manager_api):
    pending = job(ROUTING_TASK, 21)

    assert manager_api.post(reverse("backlog-job-retry", args=[pending.pk])).status_code == 404
    assert manager_api.post(reverse("backlog-job-retry", args=[pending.pk + 1000])).status_code == 404
    assert Job.objects.get(pk=pending.pk).state == JobState.PENDING


def test_api_reads_a_fixed_number_of_queries_however_many_jobs_wait(manager_api, django_assert_num_queries):
    _more_jobs(5, start=1000)
    with CaptureQueriesContext(connection) as at_n:
        assert manager_api.get(API).status_code == 200
    _more_jobs(10, start=2000)

    with django_assert_num_queries(len(at_n)):
        data = manager_api.get(API).json()

    assert len(data["failed_jobs"]) == 30
    assert kinds_by_task(data)[DELIVERIES_TASK]["pending"] == 15
