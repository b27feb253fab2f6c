"""Stock sync to the storefronts: per-channel settings and state, the listings Dockhand pushes to, and the
queue of products whose figures changed."""

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q

from core.models import TimeStamped
from inventory.models import Product
from orders.models.orders import SalesChannel


class ChannelStockSync(TimeStamped):
    """How (and whether) one Shopify or WooCommerce channel receives Dockhand's available stock."""

    channel = models.OneToOneField(SalesChannel, on_delete=models.CASCADE, related_name="stock_sync")
    is_enabled = models.BooleanField(default=False, help_text="Push available stock to the storefront.")
    buffer = models.PositiveIntegerField(
        default=0, help_text="Units held back from every SKU's figure (a margin against overselling).")
    location_id = models.CharField(
        max_length=40, blank=True,
        help_text="Shopify: the location whose 'available' Dockhand sets (empty: the shop's first active one).")
    push_started_at = models.DateTimeField(
        null=True, blank=True, help_text="A push or reconciliation is running since then (one at a time).")
    last_push_at = models.DateTimeField(null=True, blank=True)
    last_push_items = models.PositiveIntegerField(default=0, help_text="Listings set by the last push.")
    last_push_calls = models.PositiveIntegerField(default=0, help_text="API calls made by the last push.")
    last_error = models.TextField(blank=True, help_text="The last push's or reconciliation's failure, if any.")
    last_error_at = models.DateTimeField(null=True, blank=True)
    last_error_is_permanent = models.BooleanField(default=False)
    last_reconciled_at = models.DateTimeField(null=True, blank=True)
    last_reconcile_checked = models.PositiveIntegerField(default=0)
    last_reconcile_corrected = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"Stock sync of {self.channel_id}"


class ChannelListing(TimeStamped):
    """One storefront listing (Shopify inventory item, WooCommerce product or variation) that shows one of
    the client's products, with the storefront's ids learnt from its catalogue."""

    channel = models.ForeignKey(SalesChannel, on_delete=models.CASCADE, related_name="listings")
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="channel_listings")
    external_sku = models.CharField(max_length=64, help_text="The SKU as the storefront shows it.")
    external_id = models.CharField(
        max_length=40, help_text="Shopify: the inventory item id. WooCommerce: the product or variation id.")
    parent_id = models.CharField(
        max_length=40, blank=True, help_text="WooCommerce: the parent product of a variation. Shopify: the variant.")
    hold_back = models.PositiveIntegerField(
        null=True, blank=True, validators=[MinValueValidator(0)],
        help_text="Units held back for this SKU when more than the channel's buffer; empty: the channel's buffer.")
    storefront_quantity = models.IntegerField(null=True, blank=True, help_text="What the storefront last showed.")
    last_pushed_quantity = models.IntegerField(null=True, blank=True)
    last_pushed_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["channel", "external_sku", "id"]
        constraints = [
            models.UniqueConstraint(fields=["channel", "external_id"], name="channel_listing_unique_external_id"),
            models.CheckConstraint(condition=~Q(external_id=""), name="channel_listing_external_id_not_empty"),
        ]
        indexes = [models.Index(fields=["channel", "product"], name="channel_listing_product_idx")]

    def __str__(self) -> str:
        return f"{self.external_sku} on {self.channel_id}"


class StockSyncPending(models.Model):
    """A product whose available stock changed and must be pushed to a channel (append-only; the push drains
    the rows it has seen, so a change during a push is pushed by the next one)."""

    channel = models.ForeignKey(SalesChannel, on_delete=models.CASCADE, related_name="+", db_index=False)
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="+", db_index=False)
    created_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["channel", "id"], name="stock_sync_pending_channel_idx")]

    def __str__(self) -> str:
        return f"Product {self.product_id} for channel {self.channel_id}"
