import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponsePermanentRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext
from django.views import defaults
from django.views.decorators.http import require_GET, require_POST

from core.health import readiness_problems
from core.services import user_language_set

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


@require_POST
@login_required
def language_set_view(request):
    """Save the language chosen in the user menu and go back to the page it was chosen on."""
    try:
        user_language_set(user=request.user, language=request.POST.get("language", ""))
    except ValueError:
        messages.error(request, gettext("That language is not offered."))
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()},
                                           require_https=request.is_secure()):
        back = reverse("home")
    return redirect(back)
