"""The site's URLs plus views that fail on purpose, for the error page tests."""

from django.core.exceptions import SuspiciousOperation
from django.urls import path

from config.urls import handler400
from config.urls import urlpatterns as site_urlpatterns


def _bad(request):
    raise SuspiciousOperation("a malformed request")


def _crash(request):
    raise RuntimeError("a bug")


urlpatterns = [*site_urlpatterns, path("test-errors/bad/", _bad), path("test-errors/crash/", _crash)]
__all__ = ["handler400", "urlpatterns"]
