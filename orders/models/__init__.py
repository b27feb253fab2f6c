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

__all__ = [
    "Allocation",
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
    "StorefrontOrder",
    "WebhookDelivery",
]
