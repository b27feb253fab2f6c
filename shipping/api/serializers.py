from rest_framework import serializers

from core.api_fields import DocumentURLField
from orders.choices import ServiceLevel
from shipping.choices import PickListKind, WaveSplit
from shipping.models import PickList, PickListAllocation, PickListLine, PickListOrder


class PickListOrderSerializer(serializers.ModelSerializer):
    order_number = serializers.CharField(source="order.order_number", read_only=True)
    order_status = serializers.CharField(source="order.status", read_only=True)

    class Meta:
        model = PickListOrder
        fields = ["order", "order_number", "order_status", "tote", "is_open", "outcome", "note"]
        read_only_fields = fields


class PickListLinkSerializer(serializers.ModelSerializer):
    tote = serializers.IntegerField(source="list_order.tote", read_only=True)
    order = serializers.IntegerField(source="list_order.order_id", read_only=True)
    lot_number = serializers.CharField(source="stock_level.lot_number", read_only=True)

    class Meta:
        model = PickListAllocation
        fields = ["order", "tote", "lot_number", "quantity", "picked_quantity", "short_quantity", "sorted_quantity"]
        read_only_fields = fields


class PickListLineSerializer(serializers.ModelSerializer):
    location = serializers.CharField(source="location.code", read_only=True)
    sku = serializers.CharField(source="product.sku", read_only=True)
    name = serializers.CharField(source="product.name", read_only=True)
    barcode = serializers.CharField(source="product.barcode", read_only=True)
    links = PickListLinkSerializer(many=True, read_only=True)

    class Meta:
        model = PickListLine
        fields = ["id", "sequence", "location", "sku", "name", "barcode", "quantity", "picked_quantity",
                  "short_quantity", "links"]
        read_only_fields = fields


class PickListSerializer(serializers.ModelSerializer):
    warehouse = serializers.SlugRelatedField(slug_field="code", read_only=True)
    wave = serializers.SlugRelatedField(slug_field="number", read_only=True)
    picker = serializers.SlugRelatedField(slug_field="username", read_only=True)
    packing_location = serializers.SlugRelatedField(slug_field="code", read_only=True)
    order_count = serializers.IntegerField(read_only=True)
    stop_count = serializers.IntegerField(read_only=True)
    unit_count = serializers.IntegerField(read_only=True)
    picked_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = PickList
        fields = ["id", "number", "warehouse", "kind", "status", "wave", "picker", "packing_location",
                  "order_count", "stop_count", "unit_count", "picked_count", "created_at", "started_at",
                  "picked_at", "completed_at"]
        read_only_fields = fields


class PickListDetailSerializer(PickListSerializer):
    lines = PickListLineSerializer(many=True, read_only=True)
    orders = PickListOrderSerializer(source="list_orders", many=True, read_only=True)
    pdf_url = DocumentURLField("shipping:pdf")
    wave_pdf_url = DocumentURLField("shipping:wave_pdf", pk_attr="wave_id")

    class Meta(PickListSerializer.Meta):
        fields = [*PickListSerializer.Meta.fields, "pdf_url", "wave_pdf_url", "orders", "lines"]
        read_only_fields = fields


class ReleaseSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=PickListKind.choices)
    order = serializers.IntegerField(required=False, help_text="single: the order id")
    warehouse = serializers.CharField(required=False, help_text="batch and wave: the warehouse code")
    orders = serializers.ListField(child=serializers.IntegerField(), required=False, max_length=99,
                                   help_text="batch: exactly these order ids (default: the oldest small orders)")
    cart_size = serializers.IntegerField(required=False, min_value=1, max_value=99)
    max_units = serializers.IntegerField(required=False, min_value=1, max_value=999)
    service_level = serializers.ChoiceField(choices=ServiceLevel.choices, required=False, allow_blank=True)
    cutoff_at = serializers.DateTimeField(required=False, allow_null=True)
    split = serializers.ChoiceField(choices=WaveSplit.choices, required=False)

    def validate(self, data):
        if data["kind"] == PickListKind.SINGLE and "order" not in data:
            raise serializers.ValidationError({"order": ["A single release needs the order id."]})
        if data["kind"] != PickListKind.SINGLE and not data.get("warehouse"):
            raise serializers.ValidationError({"warehouse": ["Batch and wave releases need the warehouse code."]})
        return data


class ReleaseResultSerializer(serializers.Serializer):
    wave = serializers.CharField(allow_null=True)
    pick_lists = PickListSerializer(many=True)


class ConfirmLineSerializer(serializers.Serializer):
    line = serializers.IntegerField()
    location = serializers.CharField(max_length=128, help_text="The scanned location code.")
    item = serializers.CharField(max_length=128, help_text="The scanned item barcode or SKU.")
    quantity = serializers.IntegerField(min_value=1, max_value=100_000, default=1)


class ShortSerializer(serializers.Serializer):
    line = serializers.IntegerField()
    found = serializers.IntegerField(min_value=0, max_value=100_000, default=0,
                                     help_text="Units found at the stop and not yet confirmed.")


class SortSerializer(serializers.Serializer):
    item = serializers.CharField(max_length=128, help_text="The scanned item barcode or SKU.")


class ActionResultSerializer(serializers.Serializer):
    message = serializers.CharField()
    details = serializers.ListField(child=serializers.DictField(), required=False)
    pick_list = PickListDetailSerializer()
