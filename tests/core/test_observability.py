"""Request ids in JSON logs, liveness and readiness (database, broker, the durable-work backlog), /metrics."""

from __future__ import annotations

import datetime
import json
import logging

import pytest
from django.utils import timezone

from core.log_context import JsonFormatter, RequestContextFilter, log_context
from core.models import Job

pytestmark = pytest.mark.django_db


class Captured(logging.Handler):
    def __init__(self):
        super().__init__()
        self.lines: list[str] = []
        self.setFormatter(JsonFormatter())
        self.addFilter(RequestContextFilter())

    def emit(self, record):
        self.lines.append(self.format(record))

    def entries(self) -> list[dict]:
        return [json.loads(line) for line in self.lines]


@pytest.fixture
def captured():
    handler = Captured()
    loggers = [logging.getLogger("django.request"), logging.getLogger("tests.observability")]
    for logger in loggers:
        logger.addHandler(handler)
    yield handler
    for logger in loggers:
        logger.removeHandler(handler)


def test_a_request_logs_json_with_the_request_id_it_was_given(client, captured):
    response = client.get("/no-such-page/", headers={"X-Request-ID": "lb-4f2a-0001"})

    assert response.status_code == 404
    assert response["X-Request-ID"] == "lb-4f2a-0001"
    entry = captured.entries()[-1]
    assert entry["request_id"] == "lb-4f2a-0001"
    assert entry["level"] == "WARNING"
    assert entry["logger"] == "django.request"
    assert entry["message"] == "Not Found: /no-such-page/"
    assert entry["status_code"] == 404
    assert entry["request"] == "GET /no-such-page/"


def test_a_request_without_an_id_gets_a_new_one(client, captured):
    first = client.get("/no-such-page/")["X-Request-ID"]
    second = client.get("/no-such-page/")["X-Request-ID"]

    assert len(first) == 32
    assert first != second
    assert [entry["request_id"] for entry in captured.entries()] == [first, second]


def test_a_request_id_that_could_forge_log_lines_is_replaced(client):
    response = client.get("/livez/", headers={"X-Request-ID": 'x"\n{"level": "CRITICAL"}'})

    assert response["X-Request-ID"] != 'x"\n{"level": "CRITICAL"}'
    assert len(response["X-Request-ID"]) == 32


def test_order_and_delivery_ids_join_the_log_line_inside_log_context(captured):
    logger = logging.getLogger("tests.observability")

    with log_context(request_id="r-1"), log_context(order_id=41, delivery_id=7):
        logger.warning("routed %s", "A-1", extra={"warehouse": "SLC"})
    logger.warning("outside")

    inside, outside = captured.entries()
    assert inside["message"] == "routed A-1"
    assert (inside["request_id"], inside["order_id"], inside["delivery_id"], inside["warehouse"]) == \
        ("r-1", 41, 7, "SLC")
    assert "order_id" not in outside
    assert "request_id" not in outside


def test_an_exception_is_one_json_line_with_its_traceback(captured):
    logger = logging.getLogger("tests.observability")
    try:
        raise ValueError("bad row")
    except ValueError:
        logger.exception("import failed")

    (entry,) = captured.entries()
    assert "\n" not in captured.lines[0]
    assert entry["message"] == "import failed"
    assert "ValueError: bad row" in entry["exception"]


# --- liveness and readiness ---------------------------------------------------------------------------------

def test_liveness_touches_no_database(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/livez/")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readiness_checks_the_database_and_skips_the_broker_when_tasks_run_inline(client):
    response = client.get("/readyz/")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "broker": "ok", "static_files": "ok",
                                                          "work_backlog": "ok"}}


def test_healthz_is_kept_as_readiness(client):
    assert client.get("/healthz/").json() == client.get("/readyz/").json()


@pytest.mark.redis
def test_readiness_pings_the_broker_and_fails_when_it_is_gone(client, settings, private_redis):
    settings.CELERY_BROKER_URL = private_redis.url
    up = client.get("/readyz/")
    private_redis.stop()

    down = client.get("/readyz/")

    assert up.status_code == 200
    assert down.status_code == 503
    assert down.json()["status"] == "unavailable"
    assert down.json()["checks"]["database"] == "ok"
    assert down.json()["checks"]["broker"][0].startswith("broker: ")


@pytest.mark.redis
def test_readiness_does_not_hang_on_a_frozen_broker(client, settings, private_redis):
    settings.CELERY_BROKER_URL = private_redis.url
    private_redis.freeze()
    try:
        response = client.get("/readyz/")
    finally:
        private_redis.thaw()

    assert response.status_code == 503
    assert "Timeout" in response.json()["checks"]["broker"][0]


def overdue_routing_job(minutes: int = 20) -> None:
    """An order that waits to be routed for `minutes`: no worker or beat has run."""
    Job.objects.create(task="orders.tasks.order_route_task", object_id=1,
                       run_after=timezone.now() - datetime.timedelta(minutes=minutes))


def test_readiness_fails_when_due_work_is_older_than_the_limit(client, settings):
    settings.DOCKHAND_BACKLOG_MAX_AGE_SECONDS = 600
    overdue_routing_job(minutes=5)
    healthy = client.get("/readyz/")
    Job.objects.update(run_after=timezone.now() - datetime.timedelta(minutes=20))

    behind = client.get("/readyz/")

    assert healthy.status_code == 200
    assert healthy.json()["checks"]["work_backlog"] == "ok"
    assert behind.status_code == 503
    [problem] = behind.json()["checks"]["work_backlog"]
    assert problem.startswith("Orders waiting to be routed: 1 job(s) due, the oldest waiting 20 min")


def test_a_failed_job_waits_for_a_person_without_making_the_node_unready(client):
    Job.objects.create(task="orders.tasks.order_route_task", object_id=1, state="failed", last_error="bad data")

    assert client.get("/readyz/").status_code == 200


def test_a_failing_backlog_check_makes_readiness_fail_not_crash(client, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("relation core_job does not exist")

    monkeypatch.setattr("core.work.backlog_problems", broken)

    response = client.get("/readyz/")

    assert response.status_code == 503
    assert "RuntimeError" in response.json()["checks"]["work_backlog"][0]


# --- metrics ------------------------------------------------------------------------------------------------

def test_metrics_show_requests_and_the_work_backlog(client, settings):
    settings.DOCKHAND_BACKLOG_MAX_AGE_SECONDS = 600
    overdue_routing_job(minutes=20)
    client.get("/livez/")

    text = client.get("/metrics").content.decode()

    assert "django_http_requests_total_by_view_transport_method_total" in text
    assert 'dockhand_work_jobs{state="due",task="orders.tasks.order_route_task"} 1.0' in text
    assert 'dockhand_work_oldest_due_seconds{task="orders.tasks.order_route_task"} 12' in text  # 1200 s and a bit
    assert "dockhand_work_backlog_problems 1.0" in text


def test_metrics_token_when_set(client, settings):
    settings.DOCKHAND_METRICS_TOKEN = "scrape-secret"

    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert client.get("/metrics", headers={"Authorization": "Bearer scrape-secret"}).status_code == 200


def test_readiness_fails_without_collectstatic_when_file_names_are_hashed(client, settings, tmp_path):
    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"}}

    response = client.get("/readyz/")

    assert response.status_code == 503
    assert "collectstatic" in response.json()["checks"]["static_files"][0]
