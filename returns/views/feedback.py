"""Learning from returns: the analytics page and the feedback cases from the follow-up surveys."""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from core.choices import Role
from core.decorators import role_required
from inventory.selectors import client_list
from returns import analytics
from returns.choices import CaseStatus
from returns.filters import CaseFilter
from returns.forms import AnalyticsFilterForm, CaseResolveForm
from returns.models import FeedbackCase
from returns.selectors import case_list
from returns.surveys import case_resolve
from warehouses.selectors import warehouse_list


@login_required
@role_required(Role.MANAGER, Role.CLIENT)
def analytics_view(request):
    """Return rates by SKU and client, reasons over time, and the trace of mistakes to pick and pack."""
    today = timezone.localdate()
    clients = client_list(user=request.user)
    warehouses = warehouse_list(user=request.user)
    form = AnalyticsFilterForm(request.GET or None, clients=clients, warehouses=warehouses)
    date_from, date_to, period, client, warehouse = today - datetime.timedelta(days=180), today, "month", None, None
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        date_from = data["date_from"] or date_from
        date_to = data["date_to"] or date_to
        period = data["period"] or period
        client, warehouse = data["client"], data["warehouse"]
    if date_from > date_to:
        date_from, date_to = date_to, date_from
    scope = analytics.Scope(date_from=date_from, date_to=date_to, period=period,
                            client_id=client.pk if client else None, warehouse_id=warehouse.pk if warehouse else None)
    return render(request, "returns/analytics.html", {
        "form": form, "scope": scope,
        "by_sku": analytics.return_rate_by_sku(user=request.user, scope=scope),
        "by_client": analytics.return_rate_by_client(user=request.user, scope=scope),
        "reasons": analytics.reasons_over_time(user=request.user, scope=scope),
        "traces": analytics.mistake_traces(user=request.user, scope=scope),
    })


@login_required
@role_required(Role.MANAGER, Role.CLIENT)
def case_list_view(request):
    """“Something was wrong” survey answers for managers to follow up."""
    data = request.GET.copy()
    data.setdefault("status", CaseStatus.OPEN)
    filterset = CaseFilter(data, queryset=case_list(user=request.user).order_by("-created_at", "-pk"), request=request)
    page = Paginator(filterset.qs, 50).get_page(request.GET.get("page"))  # values not understood are left out
    return render(request, "returns/case_list.html", {
        "page": page, "status": filterset.form.cleaned_data.get("status", ""), "form": CaseResolveForm(),
        "statuses": CaseStatus.choices, "filterset": filterset})


@require_POST
@login_required
@role_required(Role.MANAGER)
def case_resolve_view(request, pk: int):
    try:
        case = case_list(user=request.user).get(pk=pk)
    except FeedbackCase.DoesNotExist as exc:
        raise Http404("No such case.") from exc
    form = CaseResolveForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Say what was done about it.")
    else:
        case_resolve(case=case, note=form.cleaned_data["note"], user=request.user)
        messages.success(request, f"Case of order {case.order.order_number} resolved.")
    return redirect("returns:cases")
