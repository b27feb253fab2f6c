"""API throttles whose counters live in the cache (Redis in production); a cache outage never fails a request."""

from __future__ import annotations

import logging
import time

from rest_framework import throttling

logger = logging.getLogger(__name__)

# After the cache fails to answer, this process serves unthrottled for a while instead of making every request
# wait for the cache's timeout again.
CACHE_PAUSE_SECONDS = 15.0
_cache_paused_until = 0.0


class _FailOpen:
    def allow_request(self, request, view):
        global _cache_paused_until
        if time.monotonic() < _cache_paused_until:
            return True
        try:
            return super().allow_request(request, view)
        except Exception:  # the cache (Redis) is down or slow: serve unthrottled rather than fail
            _cache_paused_until = time.monotonic() + CACHE_PAUSE_SECONDS
            logger.warning("API throttle skipped for %.0f s: the cache did not answer", CACHE_PAUSE_SECONDS,
                           exc_info=True)
            return True


class AnonRateThrottle(_FailOpen, throttling.AnonRateThrottle):
    """Requests without a login, per client address (rate "anon": DOCKHAND_API_ANON_RATE)."""


class UserRateThrottle(_FailOpen, throttling.UserRateThrottle):
    """Requests of a logged-in user or token, per user (rate "user": DOCKHAND_API_USER_RATE)."""
