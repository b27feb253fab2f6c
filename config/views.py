from django.contrib.auth.decorators import login_required
from django.http import HttpResponsePermanentRedirect, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.views.decorators.http import require_GET

from config.health import readiness_problems
from inventory.access import primary_role
from inventory.choices import Role
from inventory.selectors import stock_level_list
from orders.choices import OrderStatus
from orders.selectors import order_list


@login_required
def home(request):
    """A home page per role: what this person should do next."""
    role = primary_role(request.user)
    orders = order_list(user=request.user)
    counts = {row["status"]: row["n"] for row in _status_counts(orders)}
    context = {
        "role": role,
        "status_counts": [(status, label, counts.get(status, 0)) for status, label in OrderStatus.choices],
        "recent_orders": orders.order_by("-received_at")[:10],
    }
    if role in (Role.MANAGER, Role.CLIENT):
        context["low_stock"] = (
            stock_level_list(user=request.user).filter(on_hand__gt=0).order_by("available_units")[:8]
        )
    return render(request, "home.html", context)


def _status_counts(orders):
    from django.db.models import Count

    return orders.order_by().values("status").annotate(n=Count("pk"))


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
