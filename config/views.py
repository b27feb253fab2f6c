from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

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
def healthz(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
