import re
import uuid

from django.conf import settings
from django.contrib import messages
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.utils import translation
from django.utils.log import log_response

from core.exceptions import DomainError
from core.log_context import log_context

# What an incoming X-Request-ID may look like (a proxy's or a client's id); anything else is replaced, so that
# a header cannot write into the logs.
REQUEST_ID_PATTERN = re.compile(r"^[A-Za-z0-9._:@/+=-]{1,128}$")


class RequestIdMiddleware:
    """Give every request an id (the proxy's X-Request-ID, else a new one), log under it and send it back."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if REQUEST_ID_PATTERN.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id
        with log_context(request_id=request_id):
            _tag_error_reports(request_id)
            response = self.get_response(request)
            if response.status_code >= 400:
                # Django logs 4xx/5xx after the middleware, outside this context; log it here, once, with the id.
                log_response("%s: %s", response.reason_phrase, request.path, response=response, request=request)
        response["X-Request-ID"] = request_id
        return response


def _tag_error_reports(request_id: str) -> None:
    try:
        import sentry_sdk  # noqa: PLC0415 - error reporting is optional: absent, requests carry on
    except ImportError:  # error reporting is optional
        return
    sentry_sdk.get_isolation_scope().set_tag("request_id", request_id)




class DomainErrorMiddleware:
    """On pages, a refused business rule becomes a message on the page the user came from, never a 500."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, DomainError) or request.path.startswith("/api/"):
            return None
        back = request.headers.get("referer") or ""
        if not back.startswith(("/", request.build_absolute_uri("/"))):
            back = ""
        if request.method in ("GET", "HEAD") and (not back or back in (request.path,
                                                                       request.build_absolute_uri())):
            # The page itself cannot be shown: going back to it would loop, so say why here.
            return render(request, "error_domain.html", {"message": exception.message}, status=exception.status_code)
        messages.error(request, exception.message)
        return HttpResponseRedirect(back or "/")


class UserLanguageMiddleware:
    """Serve each signed-in user's pages in the language of their profile; everyone else gets the default."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        language = user_language(request.user)
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        translation.deactivate()
        return response


def user_language(user) -> str:
    """The language a user chose, else the site's default."""
    profile = getattr(user, "profile", None) if getattr(user, "is_authenticated", False) else None
    return (getattr(profile, "language", "") if profile is not None else "") or settings.LANGUAGE_CODE
