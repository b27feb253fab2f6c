from django.contrib import admin
from django.contrib.admin.widgets import AdminFileWidget
from django.db import models

from shipping.models import (
    BoxType,
    Carrier,
    CarrierService,
    ClientShippingProfile,
    Manifest,
    Package,
    PackScan,
    PickList,
    PickListLine,
    PickListOrder,
    Shipment,
    ShipmentNotification,
    ShortPickRule,
    Wave,
)


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
    exclude = ["pdf"]  # private: the pick list page links the access-checked PDF

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




@admin.register(BoxType)
class BoxTypeAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "warehouse", "client", "inner_length_mm", "inner_width_mm", "inner_height_mm",
                    "cost", "stock_count", "is_active"]
    list_filter = ["warehouse", "client", "is_active"]
    search_fields = ["code", "name"]
    list_select_related = ["warehouse", "client"]


class PrivateFileWidget(AdminFileWidget):
    """The admin's file input for a private file: it shows the current name, and its link leads nowhere
    (core.storage refuses public URLs; the template prints nothing for it)."""

    def is_initial(self, value) -> bool:
        return bool(value and getattr(value, "name", ""))


@admin.register(ClientShippingProfile)
class ClientShippingProfileAdmin(admin.ModelAdmin):
    list_display = ["client", "preferred_carrier", "preferred_tolerance"]
    filter_horizontal = ["allowed_carriers"]
    formfield_overrides = {models.FileField: {"widget": PrivateFileWidget}}


class CarrierServiceInline(admin.TabularInline):
    model = CarrierService
    extra = 0


@admin.register(Carrier)
class CarrierAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "adapter", "is_active"]
    inlines = [CarrierServiceInline]


class PackageInline(admin.TabularInline):
    model = Package
    extra = 0
    fields = ["number", "box_type", "weight_g", "billable_weight_lb", "price", "carrier", "tracking_number"]
    readonly_fields = fields
    can_delete = False


@admin.register(Shipment)
class ShipmentAdmin(admin.ModelAdmin):
    """The status is read-only: shipments move only through shipping.packing.services (shipment_transition)."""

    readonly_fields = ["status", "packed_at", "labelled_at", "shipped_at"]
    list_display = ["pk", "order", "warehouse", "status", "service", "shipping_cost", "shipped_at"]
    list_filter = ["status", "warehouse", "service__carrier"]
    search_fields = ["order__order_number", "packages__tracking_number"]
    list_select_related = ["order", "warehouse", "service", "service__carrier"]
    raw_id_fields = ["order"]
    inlines = [PackageInline]
    exclude = ["packing_slip_pdf"]  # generated, private: the pack page links the access-checked PDF


@admin.register(PackScan)
class PackScanAdmin(admin.ModelAdmin):
    """Caught mis-picks are the scans whose result is not 'accepted'."""

    list_display = ["created_at", "shipment", "barcode", "result", "user"]
    list_filter = ["result", "shipment__warehouse"]
    date_hierarchy = "created_at"
    list_select_related = ["shipment", "user"]

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Manifest)
class ManifestAdmin(admin.ModelAdmin):
    list_display = ["manifest_date", "carrier", "warehouse", "closed_by"]
    list_filter = ["carrier", "warehouse"]
    exclude = ["pdf"]  # generated, private: the manifests page links the access-checked PDF


@admin.register(ShipmentNotification)
class ShipmentNotificationAdmin(admin.ModelAdmin):
    list_display = ["shipment", "channel", "kind", "status", "attempts", "sent_at"]
    list_filter = ["kind", "status", "channel"]
