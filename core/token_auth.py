"""API tokens that expire: valid DOCKHAND_API_TOKEN_HOURS after they are issued, then refused and deleted.

Kept apart from the token view: DRF imports authentication classes while its own views module loads.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.utils import timezone
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token


def token_lifetime() -> datetime.timedelta:
    return datetime.timedelta(hours=settings.DOCKHAND_API_TOKEN_HOURS)


def token_expires_at(token: Token) -> datetime.datetime:
    return token.created + token_lifetime()


def token_issue(*, user) -> Token:
    """Return the user's API token, replacing one that has expired."""
    token, created = Token.objects.get_or_create(user=user)
    if not created and token_expires_at(token) <= timezone.now():
        token.delete()
        token = Token.objects.create(user=user)
    return token


class ExpiringTokenAuthentication(TokenAuthentication):
    """`Authorization: Token <key>`, refused once the token is older than DOCKHAND_API_TOKEN_HOURS."""

    def authenticate_credentials(self, key):
        user, token = super().authenticate_credentials(key)
        if token_expires_at(token) <= timezone.now():
            token.delete()
            raise exceptions.AuthenticationFailed("Token expired: ask for a new one with POST /api/v1/auth/token/.")
        return user, token
