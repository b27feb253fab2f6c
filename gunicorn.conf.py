"""gunicorn settings for Dockhand's web process (read from the current directory: `gunicorn config.wsgi`).

Every value comes from the environment, with defaults for a small host:
  PORT (8000), WEB_BIND_HOST (0.0.0.0), WEB_CONCURRENCY (2 × cores + 1, at most 8), WEB_THREADS (1),
  WEB_TIMEOUT (30 s), WEB_GRACEFUL_TIMEOUT (30 s), WEB_KEEPALIVE (5 s), WEB_MAX_REQUESTS (10000),
  FORWARDED_ALLOW_IPS (127.0.0.1: only a proxy on this host may set X-Forwarded-Proto).
"""

import multiprocessing
import os


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name) or default)


wsgi_app = "config.wsgi:application"
bind = f"{os.environ.get('WEB_BIND_HOST', '0.0.0.0')}:{_int('PORT', 8000)}"
workers = _int("WEB_CONCURRENCY", min(2 * multiprocessing.cpu_count() + 1, 8))
threads = _int("WEB_THREADS", 1)
worker_class = "gthread" if threads > 1 else "sync"
# A request that takes longer than this is killed and logged: PDFs of batches are Celery tasks, not requests.
timeout = _int("WEB_TIMEOUT", 30)
graceful_timeout = _int("WEB_GRACEFUL_TIMEOUT", 30)
keepalive = _int("WEB_KEEPALIVE", 5)
# Recycle workers now and then, so a slow leak never takes a host down. Not more often: a new worker costs about
# half a second of CPU (the app's import and warm-up), a quarter of a webhook's cost when it came every 1,000
# requests at a sustained peak, while a worker's memory stays flat over thousands of webhooks.
max_requests = _int("WEB_MAX_REQUESTS", 10000)
max_requests_jitter = max_requests // 10
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")

# One line per request, JSON-shaped, with the request id Dockhand sends back (X-Request-ID) to match the
# application's own JSON log lines. (gunicorn does not escape quotes inside paths or user agents.)
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("WEB_LOG_LEVEL", "info")
access_log_format = (
    '{"time": "%(t)s", "logger": "gunicorn.access", "request_id": "%({x-request-id}o)s", '
    '"remote": "%(h)s", "method": "%(m)s", "path": "%(U)s", "query": "%(q)s", "status": %(s)s, '
    '"bytes": "%(B)s", "duration_ms": %(M)s, "user_agent": "%(a)s"}'
)


def post_worker_init(worker):
    # The app is loaded and warmed up (config/wsgi.py): set what start-up made aside from the garbage
    # collector, and collect in small steps (core.handlers.collector_settle).
    from core.handlers import collector_settle  # noqa: PLC0415 - app code: after the worker has loaded the app

    collector_settle()


def child_exit(server, worker):
    # With PROMETHEUS_MULTIPROC_DIR set, /metrics adds up every worker's figures; forget a worker that is gone.
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess  # noqa: PLC0415 - needed only with multiprocess metrics on

        multiprocess.mark_process_dead(worker.pid)
