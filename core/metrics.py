"""/metrics for Prometheus: django-prometheus's request, response and database figures, and the work backlog."""

from __future__ import annotations

import hmac
import os

from django.conf import settings
from django.http import HttpResponse
from django.utils import timezone
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest, multiprocess
from prometheus_client.core import GaugeMetricFamily

from core.work import backlog_problems, work_backlog


class WorkBacklogCollector:
    """Read at each scrape: the durable-work jobs per kind and state, the age of each kind's oldest due job,
    and how many backlog problems make readiness fail."""

    def collect(self):
        now = timezone.now()
        try:
            rows = work_backlog(now=now)
        except Exception:  # the database is away: readiness says so; the scrape still answers
            return
        jobs = GaugeMetricFamily("dockhand_work_jobs", "Durable-work jobs per kind and state (due: waiting and due "
                                 "now).", labels=["task", "state"])
        oldest = GaugeMetricFamily("dockhand_work_oldest_due_seconds", "Age of the oldest due job per kind.",
                                   labels=["task"])
        for row in rows:
            for state in ("pending", "due", "running", "failed"):
                jobs.add_metric([row.task, state], getattr(row, state))
            oldest.add_metric([row.task], row.oldest_due_seconds(now))
        problems = GaugeMetricFamily("dockhand_work_backlog_problems",
                                     "Kinds of work whose oldest due job is older than the readiness limit.")
        problems.add_metric([], len(backlog_problems(now=now, rows=rows)))
        yield from (jobs, oldest, problems)


# Read once per scrape by whichever process answers, so it stays out of the per-process (multiprocess) figures.
_backlog_registry = CollectorRegistry(auto_describe=False)
_backlog_registry.register(WorkBacklogCollector())


def _process_registry():
    # Under gunicorn with PROMETHEUS_MULTIPROC_DIR set, add up every worker's figures, not just this one's.
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return registry
    return REGISTRY


def metrics(request):
    token = getattr(settings, "DOCKHAND_METRICS_TOKEN", "")
    if token:
        sent = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        if not hmac.compare_digest(sent.encode(), token.encode()):
            return HttpResponse("A bearer token is required for /metrics.\n", status=401, content_type="text/plain")
    body = generate_latest(_process_registry()) + generate_latest(_backlog_registry)
    return HttpResponse(body, content_type=CONTENT_TYPE_LATEST)
