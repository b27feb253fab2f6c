"""Locked-out logins (django-axes): who the client is behind the proxies, and what a locked-out client sees.

Failed logins on /login/, /admin/login/ and /api/v1/auth/token/ count together per username and address.
After AXES_FAILURE_LIMIT failures the pair is locked for AXES_COOLOFF_TIME, even with the right password;
a manager unlocks earlier in the admin (Axes → Access attempts: delete the user's row) or with
`manage.py axes_reset_username <username>`.
"""

from __future__ import annotations

import math

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render

LOCKED_MESSAGE = "Too many failed logins for this user from your address. Try again in {minutes} minutes, " \
                 "or ask a manager to unlock the account."


def client_ip(request) -> str:
    """The client's address: REMOTE_ADDR, or the one the trusted proxies saw (DOCKHAND_TRUSTED_PROXY_COUNT)."""
    proxies = getattr(settings, "DOCKHAND_TRUSTED_PROXY_COUNT", 0)
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if proxies > 0 and forwarded:
        # Each trusted proxy appends the address it received from; anything further left is the client's claim.
        return forwarded[-min(proxies, len(forwarded))]
    return request.META.get("REMOTE_ADDR", "")


def cooloff_seconds() -> int:
    return int(settings.AXES_COOLOFF_TIME.total_seconds()) if settings.AXES_COOLOFF_TIME else 0


def lockout_response(request, original_response=None, credentials=None):
    """429 with Retry-After: JSON for the API, a page for people."""
    seconds = cooloff_seconds()
    message = LOCKED_MESSAGE.format(minutes=max(1, math.ceil(seconds / 60)))
    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": message, "retry_after_seconds": seconds}, status=429)
    else:
        response = render(request, "registration/locked_out.html", {"message": message}, status=429)
    if seconds:
        response["Retry-After"] = str(seconds)
    return response
