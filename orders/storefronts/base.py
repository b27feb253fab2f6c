"""The request helper every storefront client shares: timeouts, retries with backoff, Retry-After."""

from __future__ import annotations

import base64
import email.utils
import hashlib
import hmac
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urljoin

import requests

logger = logging.getLogger(__name__)

RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504})


class StorefrontError(Exception):
    """The storefront refused the request (or is not configured); not worth retrying as it is."""

    def __init__(self, message: str, *, status_code: int | None = None, body: str = ""):
        super().__init__(message)
        self.message = message
        self.status_code = status_code
        self.body = body


class StorefrontUnavailable(StorefrontError):
    """The storefront kept failing (429, 5xx, timeouts) after every retry; try again later."""


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 5  # tries in all, the first included
    backoff_base: float = 0.5  # seconds; doubled per retry, with jitter
    backoff_max: float = 30.0
    retry_after_max: float = 60.0  # never sleep longer than this on a server's Retry-After

    def backoff(self, retry: int) -> float:
        delay = min(self.backoff_max, self.backoff_base * (2 ** retry))
        return delay * (0.5 + random.random() / 2)  # noqa: S311 - jitter, not crypto


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header: delta-seconds (Shopify sends "2.0") or an HTTP-date."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


class StorefrontClient:
    """Base of the platform clients. Subclasses set `platform` and add authentication in `prepare`."""

    platform = "storefront"

    def __init__(
        self,
        base_url: str,
        *,
        timeout: tuple[float, float] = (3.05, 20.0),
        retry: RetryPolicy | None = None,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.base_url = base_url.rstrip("/") + "/"
        self.timeout = timeout
        self.retry = retry or RetryPolicy()
        self.session = session or requests.Session()
        self.sleep = sleep

    def prepare(self, kwargs: dict) -> dict:
        """Add authentication to the keyword arguments of session.request."""
        return kwargs

    def url(self, path: str) -> str:
        return path if path.startswith(("http://", "https://")) else urljoin(self.base_url, path.lstrip("/"))

    def request(self, method: str, path: str, **kwargs) -> requests.Response:
        """Send one API request, retrying 429, 5xx, timeouts and connection errors with backoff.

        Honours Retry-After (capped by the policy). Raises StorefrontUnavailable when every attempt failed,
        StorefrontError for any other 4xx.
        """
        url = self.url(path)
        kwargs.setdefault("timeout", self.timeout)
        kwargs = self.prepare(kwargs)
        last_problem = ""
        for attempt in range(self.retry.attempts):
            is_last = attempt == self.retry.attempts - 1
            try:
                response = self.session.request(method, url, **kwargs)
            except (requests.ConnectionError, requests.Timeout) as exc:
                last_problem = f"{type(exc).__name__}: {exc}"
                if is_last:
                    break
                wait = self.retry.backoff(attempt)
            else:
                if response.status_code in RETRYABLE_STATUSES:
                    last_problem = f"HTTP {response.status_code}"
                    if is_last:
                        break
                    retry_after = parse_retry_after(response.headers.get("Retry-After"))
                    if retry_after is not None:
                        wait = min(retry_after, self.retry.retry_after_max)
                    else:
                        wait = self.retry.backoff(attempt)
                elif response.status_code >= 400:
                    raise StorefrontError(
                        f"{self.platform} answered {response.status_code} to {method} {url}: "
                        f"{response.text[:300]}",
                        status_code=response.status_code,
                        body=response.text[:2000],
                    )
                else:
                    return response
            logger.warning("%s %s %s failed (%s); retry %d in %.1fs", self.platform, method, url, last_problem,
                           attempt + 1, wait)
            self.sleep(wait)
        raise StorefrontUnavailable(
            f"{self.platform} did not answer {method} {url} after {self.retry.attempts} attempts ({last_problem})."
        )


def webhook_signature(body: bytes, secret: str) -> str:
    """Shopify's X-Shopify-Hmac-Sha256 and WooCommerce's X-WC-Webhook-Signature alike: base64 of HMAC-SHA256
    of the raw body keyed with the channel's secret."""
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def webhook_signature_valid(body: bytes, secret: str, header: str | None) -> bool:
    """Compare a webhook's signature header with the expected one in constant time."""
    if not secret or not header:
        return False
    return hmac.compare_digest(webhook_signature(body, secret).encode(), header.strip().encode())
