from django.contrib import admin

from billing.models import BillableEvent, Invoice, PriceList, ServiceRate, ShippingMarkup, StorageRate


class StorageRateInline(admin.TabularInline):
    model = StorageRate
    extra = 0


class ShippingMarkupInline(admin.TabularInline):
    model = ShippingMarkup
    extra = 0


class ServiceRateInline(admin.TabularInline):
    model = ServiceRate
    extra = 0


@admin.register(PriceList)
class PriceListAdmin(admin.ModelAdmin):
    list_display = ["client", "effective_from", "order_fee", "monthly_minimum"]
    list_filter = ["client"]
    inlines = [StorageRateInline, ShippingMarkupInline, ServiceRateInline]


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(BillableEvent)
class BillableEventAdmin(ReadOnlyAdmin):
    """Read-only: events are written by the work itself, and corrected by reversing events."""

    list_display = ["event_date", "client", "kind", "sign", "source", "source_id", "units", "cost", "note"]
    list_filter = ["kind", "client"]
    list_select_related = ["client"]


@admin.register(Invoice)
class InvoiceAdmin(ReadOnlyAdmin):
    """Read-only: invoices are drafted and finalised by billing.services (the pages and the API)."""

    list_display = ["number", "client", "period_start", "period_end", "status", "total"]
    list_filter = ["status", "client"]
    list_select_related = ["client"]
