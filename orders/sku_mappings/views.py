"""Pages of SKU mappings: a client's mappings with add and delete, and mapping an unknown SKU from the
order page."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from core.access import user_access
from core.choices import Role
from core.decorators import role_required
from core.exceptions import DomainError
from inventory.selectors import client_list, product_list
from orders.models import Order, SkuMapping
from orders.selectors import channel_list, order_get
from orders.services import order_line_map_product
from orders.sku_mappings.filters import SkuMappingFilter
from orders.sku_mappings.forms import ClientPickForm, OrderSkuMapForm, SkuMappingForm, order_sku_map_form
from orders.sku_mappings.selectors import sku_mapping_get, sku_mapping_list
from orders.sku_mappings.services import sku_mapping_create, sku_mapping_delete

MAPPING_ROLES = (Role.MANAGER, Role.CLIENT)


def _client_of_page(request):
    """The client whose mappings the page shows: a client user's own, or the one a manager picked."""
    clients = client_list(user=request.user).order_by("name")
    access = user_access(request.user)
    if access.is_client_user:
        return clients.first(), None
    pick = ClientPickForm(request.GET or None, clients=clients)
    client = pick.cleaned_data["client"] if pick.is_bound and pick.is_valid() else None
    return client, pick


def _mapping_form(request, client, data=None) -> SkuMappingForm:
    return SkuMappingForm(
        data,
        products=product_list(user=request.user).filter(client=client, is_active=True).order_by("sku"),
        channels=channel_list(user=request.user).filter(client=client).order_by("name"),
    )


def _add_domain_error(form, exc: DomainError) -> None:
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)


@login_required
@role_required(*MAPPING_ROLES)
def sku_mapping_list_view(request):
    client, pick = _client_of_page(request)
    form = None
    status = 200
    if client is not None:
        if request.method == "POST":
            form = _mapping_form(request, client, request.POST)
            if form.is_valid():
                try:
                    mapping = sku_mapping_create(client=client, user=request.user, **form.cleaned_data)
                except DomainError as exc:
                    _add_domain_error(form, exc)
                else:
                    messages.success(request, f"{mapping.external_sku} now means {mapping.product.sku} "
                                              "on every future order; waiting orders were updated.")
                    return redirect(f"{reverse('sku_mappings:list')}?client={client.pk}")
            status = 400
        else:
            form = _mapping_form(request, client)
    filterset = SkuMappingFilter(request.GET or None, queryset=sku_mapping_list(user=request.user), request=request)
    filterset.form.auto_id = "filter_%s"  # the add form below has an external_sku field too
    page = Paginator(filterset.qs, 50).get_page(request.GET.get("page"))  # values not understood are left out
    return render(request, "orders/sku_mappings/mapping_list.html", {
        "client": client, "pick": pick, "form": form, "page": page, "filterset": filterset,
    }, status=status)


@require_POST
@login_required
@role_required(*MAPPING_ROLES)
def sku_mapping_delete_view(request, pk: int):
    try:
        mapping = sku_mapping_get(user=request.user, pk=pk)
    except SkuMapping.DoesNotExist as exc:
        raise Http404("No such SKU mapping.") from exc
    sku_mapping_delete(mapping=mapping, user=request.user)
    messages.success(request, f"Mapping of {mapping.external_sku} deleted; orders already mapped keep their product.")
    return redirect(f"{reverse('sku_mappings:list')}?client={mapping.client_id}")


@require_POST
@login_required
@role_required(Role.MANAGER)
def order_sku_map_view(request, pk: int):
    """The order page's "Map <SKU>": a mapping for the client or the order's channel (future orders too, and
    every order waiting for it), or this order's lines only."""
    try:
        order = order_get(user=request.user, pk=pk)
    except Order.DoesNotExist as exc:
        raise Http404("No such order.") from exc
    form = order_sku_map_form(request, order, request.POST)
    if not form.is_valid():
        messages.error(request, "Choose one of the client's products. " + " ".join(
            str(e) for errors in form.errors.values() for e in errors))
        return redirect("orders:detail", pk=pk)
    sku, product, scope = (form.cleaned_data[name] for name in ("external_sku", "product", "scope"))
    if scope == OrderSkuMapForm.ORDER:
        return _order_lines_map(request, order, sku=sku, product=product)
    channel = order.channel if scope == OrderSkuMapForm.CHANNEL else None
    try:
        mapping = sku_mapping_create(client=order.client, user=request.user, external_sku=sku, product=product,
                                     channel=channel)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("orders:detail", pk=pk)
    order.refresh_from_db()
    state = ("released from hold" if order.status != "on_hold"
             else "still on hold: " + order.hold_reason)
    messages.success(request, f"{mapping.external_sku} mapped to {mapping.product.sku} for "
                              f"{mapping.channel.name if mapping.channel else 'all channels'}. "
                              f"Order {order.order_number} is {state}")
    return redirect("orders:detail", pk=pk)


def _order_lines_map(request, order: Order, *, sku: str, product):
    """"Only this order": the lines of that SKU get the product, as the intake line form does; no mapping."""
    lines = [line for line in order.lines.all() if line.product_id is None and line.sku == sku]
    if not lines:
        messages.error(request, f"Order {order.order_number} has no line of {sku} left to map.")
        return redirect("orders:detail", pk=order.pk)
    try:
        for line in lines:
            order_line_map_product(line=line, product=product, user=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("orders:detail", pk=order.pk)
    messages.success(request, f"{sku} mapped to {product.sku} on order {order.order_number} only. "
                              "Release the order when every line is known.")
    return redirect("orders:detail", pk=order.pk)
