from django.contrib import admin

from warehouses.models import Location, Warehouse


@admin.register(Warehouse)
class WarehouseAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "city", "state", "country", "is_active"]
    list_filter = ["is_active", "country", "state"]
    search_fields = ["code", "name", "city", "postal_code"]


@admin.register(Location)
class LocationAdmin(admin.ModelAdmin):
    list_display = ["code", "warehouse", "kind", "zone", "aisle", "bay", "level", "walk_sequence", "is_active"]
    list_filter = ["warehouse", "kind", "zone", "is_active"]
    search_fields = ["code", "zone"]
    list_select_related = ["warehouse"]
