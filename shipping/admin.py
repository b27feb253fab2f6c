from django.contrib import admin

from shipping.models import PickList, PickListLine, PickListOrder, ShortPickRule, Wave


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class PickListOrderInline(ReadOnlyInline):
    model = PickListOrder
    fields = ["tote", "order", "is_open", "outcome", "note"]
    readonly_fields = fields


class PickListLineInline(ReadOnlyInline):
    model = PickListLine
    fields = ["sequence", "location", "product", "quantity", "picked_quantity", "short_quantity"]
    readonly_fields = fields


@admin.register(PickList)
class PickListAdmin(admin.ModelAdmin):
    """Read-only: pick lists change only through shipping.picking (the pages, the API, the tasks)."""

    list_display = ["number", "warehouse", "kind", "status", "picker", "created_at", "completed_at"]
    list_filter = ["warehouse", "kind", "status"]
    search_fields = ["number", "list_orders__order__order_number"]
    inlines = [PickListOrderInline, PickListLineInline]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Wave)
class WaveAdmin(PickListAdmin):
    list_display = ["number", "warehouse", "service_level", "cutoff_at", "split", "cart_size", "created_at"]
    list_filter = ["warehouse", "split"]
    search_fields = ["number"]
    inlines = []


@admin.register(ShortPickRule)
class ShortPickRuleAdmin(admin.ModelAdmin):
    """What happens to a client's order that cannot be completed after a short pick."""

    list_display = ["client", "action"]
    list_filter = ["action"]
