import logging

from django.http import HttpResponsePermanentRedirect, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.views import defaults
from django.views.decorators.http import require_GET

from core.health import readiness_problems

logger = logging.getLogger(__name__)


@require_GET
def favicon(request):
    # Resolved per request: the hashed name exists only after collectstatic.
    return HttpResponsePermanentRedirect(static("img/favicon.svg"))


@require_GET
def livez(request):
    """Liveness: the process answers. No database, no broker: a restart would not fix those."""
    return JsonResponse({"status": "ok"})


@require_GET
def readyz(request):
    """Readiness: the database answers, the broker answers PING within a second, the work backlog is healthy."""
    checks = readiness_problems()
    ready = not any(checks.values())
    body = {"status": "ok" if ready else "unavailable",
            "checks": {name: problems or "ok" for name, problems in checks.items()}}
    return JsonResponse(body, status=200 if ready else 503)


def bad_request(request, exception, template_name="400.html"):
    """The 400 page in the site's layout with the navigation (Django's own renders it without the request,
    hence without the user's menu); Django's plain page if even that fails, so a bad request never turns into
    a 500."""
    try:
        return render(request, template_name, status=400)
    except Exception:
        logger.warning("The 400 page could not render with the request; Django's plain one instead", exc_info=True)
        return defaults.bad_request(request, exception)
