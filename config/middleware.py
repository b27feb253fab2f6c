from django.contrib import messages
from django.http import HttpResponseRedirect

from inventory.exceptions import DomainError


class DomainErrorMiddleware:
    """On pages, a refused business rule becomes a message on the page the user came from, never a 500."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, DomainError) or request.path.startswith("/api/"):
            return None
        messages.error(request, exception.message)
        back = request.headers.get("referer") or request.path
        if not back.startswith(("/", request.build_absolute_uri("/"))):
            back = "/"
        return HttpResponseRedirect(back)
