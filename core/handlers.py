"""A Django WSGI handler with a short middleware chain, for machine-to-machine endpoints that carry their
own authentication (a storefront's webhook is signed with HMAC: no session, user, CSRF token, message or page
headers to handle).

The storefronts' webhooks are Dockhand's hottest requests; the full chain (sessions, authentication, messages,
CSP, htmx, axes, static files) costs about a millisecond of CPU on each without doing anything for them.
config/wsgi.py sends the paths of settings.LEAN_URL_PREFIXES here; everything else takes the full chain.
"""

from __future__ import annotations

import gc

from django.conf import settings
from django.core.handlers.exception import convert_exception_to_response
from django.core.handlers.wsgi import WSGIHandler
from django.utils.module_loading import import_string


class LeanWSGIHandler(WSGIHandler):
    """WSGIHandler whose middleware are settings.LEAN_MIDDLEWARE (synchronous ones), not settings.MIDDLEWARE."""

    def load_middleware(self, is_async: bool = False) -> None:
        self._view_middleware = []
        self._template_response_middleware = []
        self._exception_middleware = []
        handler = convert_exception_to_response(self._get_response)
        for path in reversed(settings.LEAN_MIDDLEWARE):
            instance = import_string(path)(handler)
            if hasattr(instance, "process_view"):
                self._view_middleware.insert(0, instance.process_view)
            if hasattr(instance, "process_template_response"):
                self._template_response_middleware.append(instance.process_template_response)
            if hasattr(instance, "process_exception"):
                self._exception_middleware.append(instance.process_exception)
            handler = convert_exception_to_response(instance)
        self._middleware_chain = handler


def wsgi_application(full, lean, prefixes: tuple[str, ...]):
    """One WSGI callable: requests whose path starts with one of `prefixes` go to `lean`, the rest to `full`."""

    def application(environ, start_response):
        if environ.get("PATH_INFO", "").startswith(prefixes):
            return lean(environ, start_response)
        return full(environ, start_response)

    return application


def warm_up() -> None:
    """Import what requests would import on first use: the URLconf with every view it names, and the tasks
    that committed work is handed to (core.work)."""
    from django.urls import get_resolver  # noqa: PLC0415 - after the settings are set up by the WSGI module

    from core.work import work_tasks_load  # noqa: PLC0415 - app code: after the settings are set up

    get_resolver().url_patterns  # noqa: B018 - the attribute imports the URLconf
    work_tasks_load()


def collector_settle() -> None:
    """Once a process has started (imports, URLconf, views, the ZIP table): freeze what start-up made, so
    the cyclic garbage collector never walks it again, and collect the older generations more often.

    A list request leaves thousands of small reference cycles behind (model instances, their querysets and
    caches). With Python's default thresholds they pile up in the oldest generation and are freed in one
    pause of about 100 ms every few requests: that pause was the p95 of the order lists at a million orders.
    Collected every few young collections instead, the same work comes in pauses of a few milliseconds.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(700, 3, 1)
