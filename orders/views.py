from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from core.choices import Role
from core.decorators import role_required
from orders.choices import OrderStatus
from orders.filters import OrderFilter
from orders.forms import ReasonForm
from orders.holds.services import order_hold, order_holds_release
from orders.intake.panels import order_intake_context
from orders.models import Order
from orders.routing import can_reroute, order_reroute
from orders.selectors import backorder_list, order_get, order_list, order_parts, order_reservations
from orders.services import order_cancel
from warehouses.selectors import warehouse_list

ORDER_ROLES = (Role.MANAGER, Role.CLIENT, Role.PICKER, Role.PACKER)


@login_required
@role_required(*ORDER_ROLES)
def order_list_view(request):
    filterset = OrderFilter(request.GET or None, queryset=order_list(user=request.user).order_by("-received_at", "-pk"),
                            request=request)
    orders = filterset.qs  # values not understood are left out, and the page says which
    page = Paginator(orders, 50).get_page(request.GET.get("page"))
    context = {
        "filterset": filterset,
        "form": filterset.form,
        "page": page,
        "status_choices": OrderStatus.choices,
        "selected_statuses": request.GET.getlist("status"),
        "warehouses": warehouse_list(user=request.user).order_by("code"),
    }
    return render(request, "orders/order_list.html", context)


def _get_order_or_404(request, pk: int) -> Order:
    try:
        return order_get(user=request.user, pk=pk)
    except Order.DoesNotExist as exc:
        raise Http404("No such order.") from exc


@login_required
@role_required(*ORDER_ROLES)
def order_detail_view(request, pk: int):
    order = _get_order_or_404(request, pk)
    holds = list(order.holds.select_related("created_by", "released_by", "rule").order_by("-created_at", "-pk"))
    return render(request, "orders/order_detail.html", {
        "order": order, "reason_form": ReasonForm(),
        "reservations": order_reservations(order=order), "parts": order_parts(order=order),
        "can_reroute": can_reroute(order), "holds": holds,
        **order_intake_context(request, order),
    })


@require_POST
@login_required
@role_required(Role.MANAGER, Role.CLIENT)
def order_cancel_view(request, pk: int):
    order = _get_order_or_404(request, pk)
    order_cancel(order=order, user=request.user, reason=request.POST.get("reason", "").strip())
    messages.success(request, f"Order {order.order_number} cancelled.")
    return redirect("orders:detail", pk=pk)


@require_POST
@login_required
@role_required(Role.MANAGER, Role.CLIENT)
def order_hold_view(request, pk: int):
    order = _get_order_or_404(request, pk)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Give a reason for the hold.")
        return redirect("orders:detail", pk=pk)
    order_hold(order=order, user=request.user, reason=form.cleaned_data["reason"])
    messages.success(request, f"Order {order.order_number} is on hold.")
    return redirect("orders:detail", pk=pk)


@require_POST
@login_required
@role_required(Role.MANAGER, Role.CLIENT)
def order_release_view(request, pk: int):
    order = _get_order_or_404(request, pk)
    order_holds_release(order=order, user=request.user)
    if order.status == "on_hold":
        messages.success(request, f"Your holds on order {order.order_number} are released; other holds remain.")
    else:
        messages.success(request, f"Order {order.order_number} released from hold.")
    return redirect("orders:detail", pk=pk)


@require_POST
@login_required
@role_required(Role.MANAGER)
def order_reroute_view(request, pk: int):
    order = _get_order_or_404(request, pk)
    result = order_reroute(order=order, user=request.user, note=request.POST.get("reason", "").strip())
    messages.success(request, f"Order {order.order_number} re-routed: {result.note or result.outcome}")
    return redirect("orders:detail", pk=pk)


@login_required
@role_required(Role.MANAGER, Role.CLIENT)
def backorder_list_view(request):
    rows = backorder_list(user=request.user)
    return render(request, "orders/backorders.html", {
        "rows": rows, "order_count": len({w.order.pk for row in rows for w in row.orders}),
    })
