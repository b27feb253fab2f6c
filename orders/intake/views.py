"""Intake pages: channels and their webhook health, failed deliveries, CSV upload, SKU mapping."""

from __future__ import annotations

import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from core.choices import Role
from core.decorators import role_required
from core.work import work_enqueue
from inventory.selectors import client_list, product_list
from orders.choices import DeliveryState
from orders.filters import SalesChannelFilter
from orders.intake import selectors
from orders.intake.csv_import import CSV_COLUMNS, REQUIRED_COLUMNS, csv_orders_import, csv_template
from orders.intake.deliveries import webhook_delivery_retry
from orders.intake.forms import CsvUploadForm, LineMapForm
from orders.intake.panels import INTAKE_ROLES
from orders.intake.tasks import channel_sync_task
from orders.models import Order, OrderLine, SalesChannel
from orders.selectors import channel_list, order_get
from orders.services import order_line_map_product

logger = logging.getLogger(__name__)


def webhook_url(request, channel: SalesChannel) -> str:
    if channel.kind not in selectors.WEBHOOK_KINDS:
        return ""
    return request.build_absolute_uri(reverse(f"webhooks:{channel.kind}", args=[channel.pk]))


@login_required
@role_required(*INTAKE_ROLES)
def channel_list_view(request):
    filterset = SalesChannelFilter(request.GET or None, queryset=selectors.channel_list_with_health(user=request.user),
                                   request=request)
    channels = list(filterset.qs)  # values not understood are left out, and the page says which
    rows = [(channel, selectors.channel_warnings(channel)) for channel in channels]
    return render(request, "orders/intake/channel_list.html", {"rows": rows, "filterset": filterset})


@login_required
@role_required(*INTAKE_ROLES)
def channel_detail_view(request, pk: int):
    channel = selectors.channel_list_with_health(user=request.user).filter(pk=pk).first()
    if channel is None:
        raise Http404("No such channel.")
    recent = channel.deliveries.select_related("order").order_by("-received_at", "-pk")[:20]
    return render(request, "orders/intake/channel_detail.html", {
        "channel": channel,
        "webhook_url": webhook_url(request, channel),
        "warnings": selectors.channel_warnings(channel),
        "counts": selectors.channel_delivery_counts(channel),
        "sync": getattr(channel, "sync_state", None),
        "recent": recent,
        "can_sync": channel.kind in selectors.WEBHOOK_KINDS and bool(channel.store_url),
    })


@require_POST
@login_required
@role_required(Role.MANAGER)
def channel_sync_view(request, pk: int):
    channel = channel_list(user=request.user).filter(pk=pk).first()
    if channel is None:
        raise Http404("No such channel.")
    # Durable work: queued now, run by a worker (or the next sweep while the broker is away); never waits here.
    work_enqueue(channel_sync_task, channel.pk)
    messages.success(request, f"A sync of {channel.name} was queued; refresh in a moment.")
    return redirect("intake:channel", pk=pk)


@login_required
@role_required(Role.MANAGER)
def failed_delivery_list_view(request):
    deliveries = selectors.failed_delivery_list(user=request.user)
    page = Paginator(deliveries, 50).get_page(request.GET.get("page"))
    return render(request, "orders/intake/failed_deliveries.html", {"page": page})


@require_POST
@login_required
@role_required(Role.MANAGER)
def delivery_retry_view(request, pk: int):
    delivery = selectors.failed_delivery_list(user=request.user).filter(pk=pk).first()
    if delivery is None:
        raise Http404("No such failed delivery.")
    delivery = webhook_delivery_retry(delivery=delivery, user=request.user)
    if delivery.state == DeliveryState.FAILED or (delivery.state == DeliveryState.PENDING and delivery.last_error):
        messages.error(request, f"Delivery #{delivery.pk} failed again: {delivery.last_error}")
    else:
        what = f" (order {delivery.order.order_number})" if delivery.order_id else ""
        messages.success(request, f"Delivery #{delivery.pk} is now {delivery.get_state_display().lower()}{what}.")
    return redirect("intake:failed_deliveries")


@login_required
@role_required(*INTAKE_ROLES)
def csv_upload_view(request):
    clients = client_list(user=request.user).filter(is_active=True).order_by("name")
    form = CsvUploadForm(request.POST or None, request.FILES or None, clients=clients)
    result = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        result = csv_orders_import(client=form.cleaned_data["client"], data=upload.read(), user=request.user)
        if result.ok:
            messages.success(request, f"Imported {len(result.orders)} orders ({result.lines} lines).")
            channel_id = result.orders[0].channel_id
            return redirect(f"{reverse('orders:list')}?channel={channel_id}")
        messages.error(request, f"Nothing was imported: {len(result.errors)} problem(s) in the file. "
                                "Fix them and upload the file again.")
    return render(request, "orders/intake/csv_upload.html", {
        "form": form, "result": result, "columns": CSV_COLUMNS, "required": REQUIRED_COLUMNS,
    })


@login_required
@role_required(*INTAKE_ROLES)
def csv_template_view(request):
    response = HttpResponse(csv_template(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="dockhand-orders-template.csv"'
    return response


@require_POST
@login_required
@role_required(*INTAKE_ROLES)
def order_line_map_view(request, pk: int, line_pk: int):
    try:
        order = order_get(user=request.user, pk=pk)
    except Order.DoesNotExist as exc:
        raise Http404("No such order.") from exc
    line = OrderLine.objects.filter(order=order, pk=line_pk).first()
    if line is None:
        raise Http404("No such line.")
    form = LineMapForm(request.POST, products=product_list(user=request.user).filter(client_id=order.client_id))
    if not form.is_valid():
        messages.error(request, "Choose one of the client's products.")
        return redirect("orders:detail", pk=pk)
    order_line_map_product(line=line, product=form.cleaned_data["product"], user=request.user)
    messages.success(request, f"{line.sku or 'The line'} mapped to {form.cleaned_data['product'].sku}. "
                              "Release the order when every line is known.")
    return redirect("orders:detail", pk=pk)
