from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.api_fields import DocumentURLField, ScopedPrimaryKeyRelatedField
from inventory.selectors import client_list
from shipping.models import BoxType, Package, RateQuote, Shipment
from warehouses.selectors import warehouse_list


class BoxTypeSerializer(serializers.ModelSerializer):
    warehouse = ScopedPrimaryKeyRelatedField(scope=warehouse_list)
    client = ScopedPrimaryKeyRelatedField(scope=client_list, required=False, allow_null=True)

    class Meta:
        model = BoxType
        fields = ["id", "warehouse", "client", "code", "name", "inner_length_mm", "inner_width_mm",
                  "inner_height_mm", "wall_mm", "tare_weight_g", "max_weight_g", "cost", "stock_count", "is_active"]

    def validate(self, attrs):
        def value(name):
            return attrs.get(name, getattr(self.instance, name, None))

        if value("stock_count") is not None and value("stock_count") < 0:
            raise serializers.ValidationError({"stock_count": "Must not be negative."})
        if value("max_weight_g") is not None and value("tare_weight_g") is not None \
                and value("max_weight_g") <= value("tare_weight_g"):
            raise serializers.ValidationError({"max_weight_g": "Must be more than the empty box weighs."})
        return attrs


class RateQuoteSerializer(serializers.ModelSerializer):
    service = serializers.CharField(source="service.name")
    carrier = serializers.CharField(source="service.carrier.code")
    transit_days = serializers.IntegerField(source="service.transit_days")

    class Meta:
        model = RateQuote
        fields = ["carrier", "service", "transit_days", "boxes", "packages", "zone", "billable_weight_lb",
                  "shipping_cost", "box_cost", "total", "eligible", "chosen", "note"]


class PackageSerializer(serializers.ModelSerializer):
    box = serializers.CharField(source="box_type.code", allow_null=True)
    carrier = serializers.CharField(source="carrier.code", allow_null=True)
    tracking_url = serializers.CharField(source="tracking_link")
    label_pdf_url = DocumentURLField("packing:label_pdf", available=lambda package: bool(package.tracking_number))
    label_zpl_url = DocumentURLField("packing:label_zpl", available=lambda package: bool(package.tracking_number))
    items = serializers.SerializerMethodField()

    class Meta:
        model = Package
        fields = ["number", "box", "length_mm", "width_mm", "height_mm", "weight_g", "billable_weight_lb", "price",
                  "carrier", "tracking_number", "tracking_url", "label_pdf_url", "label_zpl_url", "items",
                  "handed_over_at"]

    @extend_schema_field(serializers.ListField(child=serializers.DictField()))
    def get_items(self, package):
        return [{"sku": i.product.sku, "quantity": i.quantity} for i in package.items.all()]


class ShipmentSerializer(serializers.ModelSerializer):
    order_number = serializers.CharField(source="order.order_number")
    warehouse = serializers.CharField(source="warehouse.code")
    carrier = serializers.CharField(source="service.carrier.code", allow_null=True, default=None)
    service = serializers.CharField(source="service.name", allow_null=True, default=None)
    total_cost = serializers.DecimalField(max_digits=10, decimal_places=2)
    packages = PackageSerializer(many=True)
    rates = RateQuoteSerializer(source="rate_quotes", many=True)
    packing_slip_url = DocumentURLField("packing:packing_slip")

    class Meta:
        model = Shipment
        fields = ["id", "order", "order_number", "warehouse", "status", "carrier", "service", "shipping_cost",
                  "box_cost", "total_cost", "rate_reason", "packed_at", "labelled_at", "shipped_at", "packages",
                  "packing_slip_url", "rates", "created_at"]
        read_only_fields = fields


class RateRequestSerializer(serializers.Serializer):
    deliver_by = serializers.DateField(required=False, allow_null=True, help_text="Delivery deadline (optional).")


class QuotedPackageSerializer(serializers.Serializer):
    box = serializers.CharField()
    items = serializers.ListField(child=serializers.DictField())
    estimated_weight_g = serializers.IntegerField()


class QuoteOptionSerializer(serializers.Serializer):
    carrier = serializers.CharField()
    service = serializers.CharField()
    transit_days = serializers.IntegerField()
    boxes = serializers.CharField()
    zone = serializers.IntegerField(allow_null=True)
    billable_weight_lb = serializers.IntegerField()
    shipping_cost = serializers.DecimalField(max_digits=10, decimal_places=2, allow_null=True)
    box_cost = serializers.DecimalField(max_digits=10, decimal_places=2)
    total = serializers.DecimalField(max_digits=10, decimal_places=2, allow_null=True)
    eligible = serializers.BooleanField()
    chosen = serializers.BooleanField()
    note = serializers.CharField()


class QuoteSerializer(serializers.Serializer):
    order = serializers.IntegerField()
    reason = serializers.CharField()
    distance_miles = serializers.FloatField()
    chosen = QuoteOptionSerializer(allow_null=True)
    packages = QuotedPackageSerializer(many=True)
    options = QuoteOptionSerializer(many=True)
