"""The OpenAPI schema and its docs pages, public or behind a login (DOCKHAND_API_DOCS_REQUIRE_LOGIN).

Swagger UI is served in its split form (the page, then its start-up script as a separate file), and Redoc from
templates/drf_spectacular/redoc.html without inline script or web fonts, so both keep the site's
Content-Security-Policy.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView
from rest_framework import exceptions
from rest_framework.permissions import BasePermission


class ApiDocsAccess(BasePermission):
    """Anyone, unless DOCKHAND_API_DOCS_REQUIRE_LOGIN: then a logged-in user (session or token)."""

    def has_permission(self, request, view) -> bool:
        if not getattr(settings, "DOCKHAND_API_DOCS_REQUIRE_LOGIN", False):
            return True
        return bool(request.user and request.user.is_authenticated)


class _LoginPageForPeople:
    def handle_exception(self, exc):
        # A person opening the docs page gets the login page, not a JSON error.
        if isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed | exceptions.PermissionDenied) \
                and not self.request.user.is_authenticated:
            return redirect_to_login(self.request.get_full_path())
        return super().handle_exception(exc)


class SchemaView(SpectacularAPIView):
    permission_classes = [ApiDocsAccess]


class SwaggerView(_LoginPageForPeople, SpectacularSwaggerSplitView):
    permission_classes = [ApiDocsAccess]


class RedocView(_LoginPageForPeople, SpectacularRedocView):
    permission_classes = [ApiDocsAccess]
