"""/metrics for Prometheus: django-prometheus's request, response and database figures, and the work backlog."""

from __future__ import annotations

import hmac
import os

from django.conf import settings
from django.http import HttpResponse
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest, multiprocess
from prometheus_client.core import GaugeMetricFamily

from config.health import work_backlog_problems


class WorkBacklogCollector:
    """Read at each scrape: 1 when core.work is wired, and how many backlog problems it reports."""

    def collect(self):
        try:
            problems = work_backlog_problems()
        except Exception:
            problems = None
        wired = GaugeMetricFamily("dockhand_work_backlog_wired", "1 when core.work.backlog_problems() is available.")
        wired.add_metric([], 0 if problems is None else 1)
        yield wired
        if problems is not None:
            count = GaugeMetricFamily("dockhand_work_backlog_problems",
                                      "Problems core.work.backlog_problems() reports (0 = healthy backlog).")
            count.add_metric([], len(problems))
            yield count


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
