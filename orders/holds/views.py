"""The holds page: every open hold with counts by reason, released from here; fixing a held address."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from core.choices import Role
from core.decorators import role_required
from orders.choices import CLIENT_RELEASABLE_KINDS, HoldKind
from orders.holds.checks import address_problems
from orders.holds.filters import HoldFilter
from orders.holds.forms import AddressForm, ReleaseForm
from orders.holds.selectors import hold_get, hold_list, hold_open_counts
from orders.holds.services import hold_release
from orders.models import Hold
from orders.services import ADDRESS_FIELDS, order_address_update

HOLD_ROLES = (Role.MANAGER, Role.CLIENT)


def _hold_or_404(request, pk: int) -> Hold:
    try:
        return hold_get(user=request.user, pk=pk)
    except Hold.DoesNotExist as exc:
        raise Http404("No such hold.") from exc


@login_required
@role_required(*HOLD_ROLES)
def hold_list_view(request):
    """Open holds, oldest first (or released ones, newest first), filtered as /api/v1/holds/ is."""
    data = request.GET.copy()
    if not data.get("state") and "open" not in data:
        data["state"] = "open"
    filterset = HoldFilter(data, queryset=hold_list(user=request.user), request=request)
    holds = filterset.qs  # values not understood are left out, and the page says which
    chosen = filterset.form.cleaned_data
    state = chosen.get("state") or ("released" if chosen.get("open") is False else "open")
    kinds = chosen.get("kind") or []
    holds = holds.order_by("-created_at", "-pk") if state == "released" else holds.order_by("created_at", "pk")
    page = Paginator(holds, 50).get_page(request.GET.get("page"))
    return render(request, "orders/holds/hold_list.html", {
        "filterset": filterset, "form": filterset.form, "page": page, "counts": hold_open_counts(user=request.user),
        "state": state, "kind": kinds[0] if len(kinds) == 1 else "", "release_form": ReleaseForm(),
        "client_kinds": CLIENT_RELEASABLE_KINDS,
    })


@require_POST
@login_required
@role_required(*HOLD_ROLES)
def hold_release_view(request, pk: int):
    hold = _hold_or_404(request, pk)
    form = ReleaseForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    hold_release(hold=hold, user=request.user, note=note)
    messages.success(request, f"{hold.get_kind_display()} hold on order {hold.order.order_number} released.")
    back = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        return redirect(back)
    return redirect("holds:list")


@login_required
@role_required(Role.MANAGER)
def hold_address_view(request, pk: int):
    hold = _hold_or_404(request, pk)
    order = hold.order
    if hold.kind != HoldKind.ADDRESS or not hold.is_open:
        messages.error(request, "This hold is not an open address hold.")
        return redirect("holds:list")
    problems: list[str] = []
    if request.method == "POST":
        form = AddressForm(request.POST)
        if form.is_valid():
            fields = {name: form.cleaned_data[name] for name in ADDRESS_FIELDS}
            order = order_address_update(order=order, user=request.user, **fields)
            problems = address_problems(order)
            if not problems or form.cleaned_data["release_anyway"]:
                hold_release(hold=hold, user=request.user,
                             note="address corrected" if not problems else "released with the address as it is")
                messages.success(request, f"Address of order {order.order_number} corrected and hold released.")
                return redirect("orders:detail", pk=order.pk)
            messages.error(request, "The address was saved but still looks wrong; fix it or tick “release anyway”.")
    else:
        form = AddressForm(initial={name: getattr(order, name) for name in ADDRESS_FIELDS})
        problems = address_problems(order)
    return render(request, "orders/holds/address_form.html",
                  {"hold": hold, "order": order, "form": form, "problems": problems})
