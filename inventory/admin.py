from django.contrib import admin

from inventory.models import Client, Product, StockLevel, StockMovement


@admin.register(Client)
class ClientAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "contact_email", "is_active"]
    list_filter = ["is_active", "allow_split_shipments"]
    search_fields = ["code", "name"]
    filter_horizontal = ["allowed_warehouses"]


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ["sku", "name", "client", "barcode", "weight_g", "unit_value", "currency", "is_active"]
    list_filter = ["client", "is_active", "is_lot_tracked"]
    search_fields = ["sku", "name", "barcode"]
    list_select_related = ["client"]


class _LedgerAdmin(admin.ModelAdmin):
    """Read-only: stock changes only through the stock service, so that every change is in the ledger."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(StockLevel)
class StockLevelAdmin(_LedgerAdmin):
    list_display = ["product", "location", "lot_number", "expiry_date", "on_hand", "allocated"]
    list_filter = ["location__warehouse", "location__kind"]
    search_fields = ["product__sku", "location__code", "lot_number"]
    list_select_related = ["product", "location", "location__warehouse"]


@admin.register(StockMovement)
class StockMovementAdmin(_LedgerAdmin):
    list_display = ["created_at", "kind", "product", "quantity", "from_location", "to_location", "reference", "user"]
    list_filter = ["kind", "created_at"]
    search_fields = ["product__sku", "reference", "reason"]
    list_select_related = ["product", "from_location", "to_location", "user"]
    date_hierarchy = "created_at"
