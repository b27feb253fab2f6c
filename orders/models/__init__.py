"""The orders app's models, one module per area; Django loads the app's models from this package."""

from orders.models.holds import Hold
from orders.models.orders import (
    Allocation,
    ChannelSync,
    Order,
    OrderEvent,
    OrderLine,
    SalesChannel,
    StorefrontOrder,
    WebhookDelivery,
)
from orders.models.rules import Rule, RuleRun, RuleRunError
from orders.models.sku_mappings import SkuMapping
from orders.models.stock_sync import ChannelListing, ChannelStockSync, StockSyncPending

__all__ = [
    "Allocation",
    "ChannelListing",
    "ChannelStockSync",
    "ChannelSync",
    "Hold",
    "Order",
    "OrderEvent",
    "OrderLine",
    "Rule",
    "RuleRun",
    "RuleRunError",
    "SalesChannel",
    "SkuMapping",
    "StockSyncPending",
    "StorefrontOrder",
    "WebhookDelivery",
]
