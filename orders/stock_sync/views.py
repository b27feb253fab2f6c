"""Stock sync pages: the settings, a listing's hold-back and a reconciliation, from the channel page."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from core.choices import Role
from core.decorators import role_required
from core.exceptions import DomainError
from core.work import work_enqueue
from orders.models import ChannelListing, ChannelStockSync, SalesChannel
from orders.selectors import channel_list
from orders.stock_sync.forms import HoldBackForm, StockSyncForm
from orders.stock_sync.services import channel_listing_hold_back_set, channel_stock_sync_update
from orders.task_names import STOCK_RECONCILE_TASK


def _channel(request, pk: int) -> SalesChannel:
    channel = channel_list(user=request.user).filter(pk=pk).first()
    if channel is None:
        raise Http404("No such channel.")
    return channel


@require_POST
@login_required
@role_required(Role.MANAGER)
def stock_sync_settings_view(request, pk: int):
    channel = _channel(request, pk)
    form = StockSyncForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Stock sync not saved: " + "; ".join(
            f"{form.fields[name].label or name}: {' '.join(errors)}" for name, errors in form.errors.items()))
        return redirect("intake:channel", pk=pk)
    try:
        state = channel_stock_sync_update(channel=channel, user=request.user, **form.cleaned_data)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("intake:channel", pk=pk)
    messages.success(request, "Stock sync is on; the storefront's catalogue is read and corrected in a moment."
                     if state.is_enabled else "Stock sync is off.")
    return redirect("intake:channel", pk=pk)


@require_POST
@login_required
@role_required(Role.MANAGER)
def stock_sync_hold_back_view(request, pk: int):
    channel = _channel(request, pk)
    form = HoldBackForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Give a storefront SKU and a number of units (0 or more).")
        return redirect("intake:channel", pk=pk)
    listings = list(ChannelListing.objects.filter(channel=channel, external_sku=form.cleaned_data["sku"]))
    if not listings:
        messages.error(request, f"{form.cleaned_data['sku']} is not a listing of this channel's storefront.")
        return redirect("intake:channel", pk=pk)
    for listing in listings:
        channel_listing_hold_back_set(listing=listing, hold_back=form.cleaned_data["hold_back"], user=request.user)
    messages.success(request, f"Hold-back of {form.cleaned_data['sku']} saved; its figure is pushed shortly.")
    return redirect("intake:channel", pk=pk)


@require_POST
@login_required
@role_required(Role.MANAGER)
def stock_sync_reconcile_view(request, pk: int):
    channel = _channel(request, pk)
    if not getattr(ChannelStockSync.objects.filter(channel=channel).first(), "is_enabled", False):
        messages.error(request, "Turn stock sync on first.")
        return redirect("intake:channel", pk=pk)
    work_enqueue(STOCK_RECONCILE_TASK, channel.pk)
    messages.success(request, f"A stock reconciliation of {channel.name} was queued; refresh in a moment.")
    return redirect("intake:channel", pk=pk)
