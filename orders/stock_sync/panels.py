"""The stock sync panel of the channel page: settings, state, failures and listings."""

from __future__ import annotations

from orders.models import ChannelStockSync, SalesChannel
from orders.stock_sync.forms import HoldBackForm, StockSyncForm
from orders.stock_sync.selectors import channel_listing_list, stock_sync_status


def stock_sync_context(request, channel: SalesChannel) -> dict:
    """Context for templates/orders/stock_sync/_channel_stock_sync.html on the channel page."""
    status = stock_sync_status(channel)
    if status is None:
        return {"stock_sync": None}
    query = request.GET.get("sku", "").strip()
    return {
        "stock_sync": status,
        "stock_sync_form": StockSyncForm(instance=status.state or ChannelStockSync(channel=channel)),
        "hold_back_form": HoldBackForm(),
        "listings": channel_listing_list(channel=channel, query=query)[:50],
        "listing_query": query,
    }
