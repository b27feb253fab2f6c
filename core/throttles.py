"""API throttles whose counters live in the cache (Redis in production); a cache outage never fails a request."""

from __future__ import annotations

import logging

from rest_framework import throttling

logger = logging.getLogger(__name__)


class _FailOpen:
    def allow_request(self, request, view):
        try:
            return super().allow_request(request, view)
        except Exception:  # the cache (Redis) is down or slow: serve unthrottled rather than fail
            logger.warning("API throttle skipped: the cache did not answer", exc_info=True)
            return True


class AnonRateThrottle(_FailOpen, throttling.AnonRateThrottle):
    """Requests without a login, per client address (rate "anon": DOCKHAND_API_ANON_RATE)."""


class UserRateThrottle(_FailOpen, throttling.UserRateThrottle):
    """Requests of a logged-in user or token, per user (rate "user": DOCKHAND_API_USER_RATE)."""
