"""What readiness and the metrics check: the database, the broker, and the durable-work backlog.

`work_backlog_problems()` is the one call site of the durable-work module: `core.work.backlog_problems()`, a
list of sentences, empty while no due work is older than DOCKHAND_BACKLOG_MAX_AGE_SECONDS (failed jobs wait for
a person on the backlog page; they do not make a node unready).
"""

from __future__ import annotations

import logging

import redis
from django.conf import settings
from django.contrib.staticfiles.storage import ManifestFilesMixin
from django.core.files.storage import storages
from django.db import connection

from core import work

logger = logging.getLogger(__name__)

BROKER_TIMEOUT_SECONDS = 1.0


def work_backlog_problems() -> list[str]:
    """Problems of the durable-work backlog (core.work.backlog_problems())."""
    return [str(problem) for problem in work.backlog_problems()]


def database_problem() -> str | None:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as exc:
        return f"database: {type(exc).__name__}: {exc}"
    return None


def broker_problem(timeout: float = BROKER_TIMEOUT_SECONDS) -> str | None:
    """PING the Redis broker with a short timeout; None when it answers or there is no broker (inline tasks)."""
    url = str(getattr(settings, "CELERY_BROKER_URL", "") or "")
    if not url.startswith(("redis://", "rediss://", "unix://")):
        return None

    client = redis.Redis.from_url(url, socket_timeout=timeout, socket_connect_timeout=timeout)
    try:
        client.ping()
    except redis.RedisError as exc:
        return f"broker: {type(exc).__name__}: {exc}"
    finally:
        client.close()
    return None


def static_files_problem() -> str | None:
    """With hashed static file names (production), the manifest collectstatic writes must exist."""
    storage = storages["staticfiles"]
    if not isinstance(storage, ManifestFilesMixin) or storage.exists(storage.manifest_name):
        return None
    return "static files: no manifest: run `manage.py collectstatic` (every page would be a 500)"


def readiness_problems() -> dict[str, list[str]]:
    """Each check's problems (an empty list when it is fine); a check that does not apply is left out."""
    checks: dict[str, list[str]] = {}
    for name, check in (("database", database_problem), ("broker", broker_problem),
                        ("static_files", static_files_problem)):
        problem = check()
        checks[name] = [problem] if problem else []
    try:
        backlog = work_backlog_problems()
    except Exception as exc:  # the backlog query itself failed: not ready either
        logger.exception("work backlog check failed")
        backlog = [f"work backlog: {type(exc).__name__}: {exc}"]
    if backlog is not None:
        checks["work_backlog"] = backlog
    return checks
