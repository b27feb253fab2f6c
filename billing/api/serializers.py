from rest_framework import serializers

from billing.models import (
    BillableEvent,
    Invoice,
    InvoiceLine,
    PriceList,
    ServiceRate,
    ShippingMarkup,
    StorageRate,
)
from core.api_fields import DocumentURLField
from inventory.models import Client


class StorageRateSerializer(serializers.ModelSerializer):
    class Meta:
        model = StorageRate
        fields = ["id", "location_kind", "unit", "period", "price"]


class ShippingMarkupSerializer(serializers.ModelSerializer):
    class Meta:
        model = ShippingMarkup
        fields = ["id", "carrier", "service", "markup_pct", "markup_fixed"]


class ServiceRateSerializer(serializers.ModelSerializer):
    class Meta:
        model = ServiceRate
        fields = ["id", "code", "name", "price"]


PRICE_FIELDS = [f.name for f in PriceList._meta.concrete_fields
                if f.name not in {"id", "client", "effective_from", "created_by", "created_at", "updated_at"}]


class RateRemoveSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["storage", "markup", "service"],
                                   help_text="storage: a storage rate; markup: a carrier markup; service: a service price.")
    rate_id = serializers.IntegerField(min_value=1, help_text="The rate's id, as the price list lists it.")


class PriceListSerializer(serializers.ModelSerializer):
    currency = serializers.CharField(read_only=True)
    storage_rates = StorageRateSerializer(many=True, read_only=True)
    shipping_markups = ShippingMarkupSerializer(many=True, read_only=True)
    service_rates = ServiceRateSerializer(many=True, read_only=True)

    class Meta:
        model = PriceList
        fields = ["id", "client", "effective_from", "currency", *PRICE_FIELDS, "storage_rates", "shipping_markups",
                  "service_rates", "created_at"]
        read_only_fields = ["created_at"]
        validators = []  # the service checks the one-list-per-day rule, with a message that says so


class BillableEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = BillableEvent
        fields = ["id", "client", "kind", "sign", "event_date", "occurred_at", "warehouse", "source", "source_id",
                  "reverses", "order_id", "units", "skus", "boxes", "cartons", "minutes", "restocked", "disposed",
                  "quantity", "cost", "carrier", "service", "service_code", "note", "created_at"]


class InvoiceLineSerializer(serializers.ModelSerializer):
    events = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = InvoiceLine
        fields = ["position", "category", "description", "quantity", "unit_price", "amount", "late", "price_list",
                  "events"]


class InvoiceSerializer(serializers.ModelSerializer):
    pdf_url = DocumentURLField("billing:invoice_pdf")
    csv_url = DocumentURLField("billing:invoice_csv")

    class Meta:
        model = Invoice
        fields = ["id", "number", "client", "period_start", "period_end", "status", "currency", "subtotal", "total",
                  "built_at", "finalised_at", "pdf_url", "csv_url"]


class InvoiceDetailSerializer(InvoiceSerializer):
    lines = InvoiceLineSerializer(many=True, read_only=True)

    class Meta(InvoiceSerializer.Meta):
        fields = [*InvoiceSerializer.Meta.fields, "lines"]


class InvoiceDraftSerializer(serializers.Serializer):
    client = serializers.PrimaryKeyRelatedField(queryset=Client.objects.all())
    period_start = serializers.DateField(required=False, help_text="Empty: last month.")
    period_end = serializers.DateField(required=False, help_text="Empty: the end of period_start's month.")
