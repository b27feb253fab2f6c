"""Serving private documents: who may ask (a session or an API token), and the response they get.

Every view that hands out a stored document (a pick list, a label, a packing slip...) is a `document_view`:
it authenticates with the API's own authentication classes (REST_FRAMEWORK's DEFAULT_AUTHENTICATION_CLASSES:
a token, the session, or whatever they are changed to), so the links in API responses work for API clients
and the same links work in the browser. The view itself then looks the document's owner up through the app's
selectors, which scope it to the user: anything not theirs is a 404.
"""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.http import FileResponse, Http404, HttpResponse, HttpResponseNotAllowed, JsonResponse
from django.utils.http import content_disposition_header
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.request import Request
from rest_framework.settings import api_settings

from core.access import user_access

PRIVATE_CACHE_CONTROL = "private, no-cache"  # only the user's own browser keeps it, and asks again before reuse


def _authenticators() -> list:
    return [auth() for auth in api_settings.DEFAULT_AUTHENTICATION_CLASSES]


def _unauthorized(authenticators, drf_request, detail: str) -> HttpResponse:
    response = JsonResponse({"detail": detail}, status=401)
    challenge = authenticators[0].authenticate_header(drf_request) if authenticators else None
    if challenge:
        response["WWW-Authenticate"] = challenge
    return response


def _wants_html(request) -> bool:
    return "text/html" in request.headers.get("Accept", "") and "Authorization" not in request.headers


def document_view(*roles: str):
    """A GET view that serves a private document to a user holding one of the roles (404 to anyone else).

    Not signed in: a browser (asking for HTML) goes to the login page; an API client gets 401. Wrong credentials
    (a bad or revoked token) are 401.
    """

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.method not in ("GET", "HEAD"):
                return HttpResponseNotAllowed(["GET", "HEAD"])
            authenticators = _authenticators()
            drf_request = Request(request, authenticators=authenticators)
            try:
                request.user = drf_request.user
            except AuthenticationFailed as exc:
                return _unauthorized(authenticators, drf_request, str(exc.detail))
            if not request.user.is_authenticated:
                if _wants_html(request):
                    return redirect_to_login(request.get_full_path())
                return _unauthorized(authenticators, drf_request, "Authentication credentials were not provided.")
            if not user_access(request.user).has_any(*roles):
                raise Http404("No such document.")
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def _private(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = PRIVATE_CACHE_CONTROL
    response["X-Content-Type-Options"] = "nosniff"
    return response


def private_file_response(handle, *, filename: str, content_type: str, as_attachment: bool = False) -> FileResponse:
    """Stream an open stored file, for this user's eyes only."""
    return _private(FileResponse(handle, content_type=content_type, filename=filename, as_attachment=as_attachment))


def private_bytes_response(data: bytes | str, *, filename: str, content_type: str,
                           as_attachment: bool = False) -> HttpResponse:
    """A document made for this request only (a preview, a batch of labels, ZPL text), for this user's eyes only."""
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(as_attachment, filename)
    return _private(response)
