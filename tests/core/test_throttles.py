"""The API throttle never fails a request and never makes many requests wait on a cache that does not answer."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from rest_framework.test import APIRequestFactory

from core import throttles


class SilentCache:
    def __init__(self):
        self.calls = 0

    def get(self, *args, **kwargs):
        self.calls += 1
        raise TimeoutError("Timeout reading from socket")


@pytest.fixture
def silent_cache(monkeypatch):
    cache = SilentCache()
    monkeypatch.setattr(throttles.AnonRateThrottle, "cache", cache)
    monkeypatch.setattr(throttles, "_cache_paused_until", 0.0)
    return cache


def test_a_cache_that_does_not_answer_is_tried_once_then_left_alone_for_a_while(silent_cache, monkeypatch):
    # Given a throttle whose cache times out
    monkeypatch.setattr(throttles.AnonRateThrottle, "rate", "100/min", raising=False)
    request = APIRequestFactory().get("/api/v1/orders/", REMOTE_ADDR="203.0.113.7")
    request.user = AnonymousUser()

    # When three requests come in
    answers = [throttles.AnonRateThrottle().allow_request(request, view=None) for _ in range(3)]

    # Then all are served, and only the first waited on the cache
    assert answers == [True, True, True]
    assert silent_cache.calls == 1


def test_the_cache_is_tried_again_once_the_pause_is_over(silent_cache, monkeypatch):
    monkeypatch.setattr(throttles.AnonRateThrottle, "rate", "100/min", raising=False)
    request = APIRequestFactory().get("/api/v1/orders/", REMOTE_ADDR="203.0.113.8")
    request.user = AnonymousUser()
    throttles.AnonRateThrottle().allow_request(request, view=None)

    monkeypatch.setattr(throttles, "_cache_paused_until", 0.0)
    throttles.AnonRateThrottle().allow_request(request, view=None)

    assert silent_cache.calls == 2
