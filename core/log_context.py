"""What a log line is about: the request, and where known the order or webhook delivery; JSON lines for production.

The request id middleware (core.middleware.RequestIdMiddleware) sets the request id for each request. Code
that works on one order or delivery (intake, routing, a Celery task) wraps that work in

    with log_context(order_id=order.pk):          # or delivery_id=delivery.pk
        ...

and every log line written inside carries the id, in the request and in a worker alike. Context variables
keep concurrent requests (threads) and tasks apart.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime
import json
import logging
import traceback
from collections.abc import Iterator

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("dockhand_request_id", default="")
order_id_var: contextvars.ContextVar[int | None] = contextvars.ContextVar("dockhand_order_id", default=None)
delivery_id_var: contextvars.ContextVar[int | None] = contextvars.ContextVar("dockhand_delivery_id", default=None)

_VARS = {"request_id": request_id_var, "order_id": order_id_var, "delivery_id": delivery_id_var}


@contextlib.contextmanager
def log_context(**ids) -> Iterator[None]:
    """Tag every log line written inside the block with the given ids (request_id, order_id, delivery_id)."""
    unknown = set(ids) - set(_VARS)
    if unknown:
        raise TypeError(f"log_context() takes {sorted(_VARS)}, not {sorted(unknown)}")
    tokens = [(_VARS[name], _VARS[name].set(value)) for name, value in ids.items()]
    try:
        yield
    finally:
        for var, token in reversed(tokens):
            var.reset(token)


def current_context() -> dict:
    """The ids set now (only those that are set)."""
    values = {name: var.get() for name, var in _VARS.items()}
    return {name: value for name, value in values.items() if value not in (None, "")}


class RequestContextFilter(logging.Filter):
    """Copy the current request, order and delivery ids onto each record (for any formatter to use)."""

    def filter(self, record: logging.LogRecord) -> bool:
        for name, value in current_context().items():
            if not hasattr(record, name):
                setattr(record, name, value)
        return True


class RefusalWithoutTraceback(logging.Filter):
    """Keep a refused request (403) to its one line: PermissionDenied is how a view says no, not a crash, so
    its traceback only makes the server log look like one."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "status_code", None) == 403:
            record.exc_info = None
            record.exc_text = None
        return True


# LogRecord attributes that are not "extra" fields given by the caller.
_RECORD_ATTRIBUTES = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, the context ids, any extra fields, the traceback."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.datetime.fromtimestamp(record.created, tz=datetime.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name, value in vars(record).items():
            if name not in _RECORD_ATTRIBUTES and not name.startswith("_") and name not in entry:
                entry[name] = value
        if record.exc_info:
            entry["exception"] = "".join(traceback.format_exception(*record.exc_info)).rstrip()
        elif record.exc_text:
            entry["exception"] = record.exc_text
        return json.dumps(entry, default=_jsonable, ensure_ascii=False)


def _jsonable(value) -> str:
    # Django attaches the request (and sometimes a socket) to records; a string is all a log line needs.
    if hasattr(value, "method") and hasattr(value, "path"):
        return f"{value.method} {value.path}"
    return str(value)
