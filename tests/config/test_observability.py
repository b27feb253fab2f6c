"""Request ids in JSON logs, liveness and readiness (database, broker, the durable-work backlog), /metrics."""

from __future__ import annotations

import json
import logging
import sys
import types

import pytest

from config.log_context import JsonFormatter, RequestContextFilter, log_context

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


@pytest.fixture
def no_core_work(monkeypatch):
    """As before the durable-work module existed: the hook answers None."""
    monkeypatch.setattr("config.health.work_backlog_problems", lambda: None)
    monkeypatch.setattr("config.metrics.work_backlog_problems", lambda: None)


def test_readiness_checks_the_database_and_skips_the_broker_when_tasks_run_inline(client, no_core_work):
    response = client.get("/readyz/")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "broker": "ok", "static_files": "ok"}}


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


@pytest.fixture
def core_work(monkeypatch):
    """A stand-in for the durable-work module `core.work` another change adds."""
    work = types.ModuleType("core.work")
    work.problems = []
    work.backlog_problems = lambda: list(work.problems)
    try:
        import core  # the durable-work app itself, where it is installed
    except ImportError:
        core = types.ModuleType("core")
        monkeypatch.setitem(sys.modules, "core", core)
    monkeypatch.setattr(core, "work", work, raising=False)
    monkeypatch.setitem(sys.modules, "core.work", work)
    return work


def test_readiness_includes_the_work_backlog_when_core_work_exists(client, core_work):
    healthy = client.get("/readyz/")
    core_work.problems = ["3 outbox rows older than 10 minutes"]

    behind = client.get("/readyz/")

    assert healthy.status_code == 200
    assert healthy.json()["checks"]["work_backlog"] == "ok"
    assert behind.status_code == 503
    assert behind.json()["checks"]["work_backlog"] == ["3 outbox rows older than 10 minutes"]


def test_a_failing_backlog_check_makes_readiness_fail_not_crash(client, core_work):
    def broken():
        raise RuntimeError("relation core_work does not exist")

    core_work.backlog_problems = broken

    response = client.get("/readyz/")

    assert response.status_code == 503
    assert "RuntimeError" in response.json()["checks"]["work_backlog"][0]


# --- metrics ------------------------------------------------------------------------------------------------

def test_metrics_show_requests_and_say_the_backlog_is_not_wired_yet(client, no_core_work):
    client.get("/livez/")

    text = client.get("/metrics").content.decode()

    assert "django_http_requests_total_by_view_transport_method_total" in text
    assert "dockhand_work_backlog_wired 0.0" in text
    assert "dockhand_work_backlog_problems" not in text


def test_metrics_count_the_backlog_problems_when_core_work_exists(client, core_work):
    core_work.problems = ["a", "b"]

    text = client.get("/metrics").content.decode()

    assert "dockhand_work_backlog_wired 1.0" in text
    assert "dockhand_work_backlog_problems 2.0" in text


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
