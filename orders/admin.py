from django.contrib import admin

from orders.models import (
    Allocation,
    Order,
    OrderEvent,
    OrderLine,
    SalesChannel,
    SkuMapping,
    StorefrontOrder,
    WebhookDelivery,
)


@admin.register(SalesChannel)
class SalesChannelAdmin(admin.ModelAdmin):
    list_display = ["name", "client", "kind", "is_active"]
    list_filter = ["kind", "is_active", "client"]
    search_fields = ["name"]
    list_select_related = ["client"]


class OrderLineInline(admin.TabularInline):
    model = OrderLine
    extra = 0
    raw_id_fields = ["product"]


class OrderEventInline(admin.TabularInline):
    model = OrderEvent
    extra = 0
    readonly_fields = ["from_status", "to_status", "note", "user", "actor", "created_at"]
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    """Status is read-only here: it changes only through the order services (the timeline records who)."""

    list_display = ["order_number", "client", "channel", "status", "warehouse", "customer_name", "received_at"]
    list_filter = ["status", "client", "warehouse", "channel__kind"]
    search_fields = ["order_number", "external_id", "customer_name", "customer_email"]
    list_select_related = ["client", "channel", "warehouse"]
    readonly_fields = ["status", "warehouse", "parent", "received_at"]
    inlines = [OrderLineInline, OrderEventInline]
    date_hierarchy = "received_at"


@admin.register(Allocation)
class AllocationAdmin(admin.ModelAdmin):
    list_display = ["line", "stock_level", "quantity", "created_at"]
    list_select_related = ["line", "line__order", "stock_level", "stock_level__location"]
    search_fields = ["line__order__order_number", "line__sku"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    """Read-only: deliveries are the intake's record of what the stores sent; retry from the failed page."""

    list_display = ["pk", "channel", "topic", "state", "attempts", "external_id", "received_at"]
    list_filter = ["state", "source", "channel"]
    search_fields = ["external_id", "delivery_id", "event_id"]
    list_select_related = ["channel", "channel__client"]
    date_hierarchy = "received_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(StorefrontOrder)
class StorefrontOrderAdmin(admin.ModelAdmin):
    list_display = ["channel", "external_id", "order", "source_updated_at", "source_status", "found_by_sync"]
    list_filter = ["found_by_sync", "channel"]
    search_fields = ["external_id"]
    list_select_related = ["channel", "channel__client", "order"]
    raw_id_fields = ["order"]


@admin.register(SkuMapping)
class SkuMappingAdmin(admin.ModelAdmin):
    """Read-only: mappings are made on the mappings page or the API, which also free the waiting orders."""

    list_display = ["external_sku", "product", "client", "channel", "created_by", "created_at"]
    list_filter = ["client"]
    search_fields = ["external_sku", "product__sku"]
    list_select_related = ["client", "channel", "product", "created_by"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
