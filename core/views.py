from django.http import HttpResponsePermanentRedirect, JsonResponse
from django.templatetags.static import static
from django.views.decorators.http import require_GET

from core.health import readiness_problems


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
