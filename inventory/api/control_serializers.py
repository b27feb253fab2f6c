"""Serializers of stock control: figures, ASNs, cycle counts, transfers. Writes go through services."""

from rest_framework import serializers

from core.api_fields import ScopedPrimaryKeyRelatedField
from inventory.choices import StockStatus
from inventory.models import (
    CycleCount,
    CycleCountLine,
    InboundLine,
    InboundShipment,
    ReceiptDifference,
    Transfer,
    TransferLine,
)
from inventory.selectors import client_list, product_list
from warehouses.selectors import location_list, warehouse_list


class StockFigureSerializer(serializers.Serializer):
    product = serializers.IntegerField(source="product_id")
    sku = serializers.CharField()
    product_name = serializers.CharField()
    client = serializers.IntegerField(source="client_id")
    client_name = serializers.CharField()
    warehouse = serializers.CharField(source="warehouse_code")
    warehouse_id = serializers.IntegerField()
    on_hand = serializers.IntegerField()
    allocated = serializers.IntegerField()
    available = serializers.IntegerField()
    inbound = serializers.IntegerField()
    sold_30_days = serializers.IntegerField(source="sold_30")
    velocity_per_day = serializers.FloatField()
    days_of_cover = serializers.FloatField(allow_null=True)
    reorder_point = serializers.IntegerField()
    reorder_quantity = serializers.IntegerField()
    reorder_point_is_set = serializers.BooleanField(source="has_setting")
    suggested_order = serializers.IntegerField()
    status = serializers.ChoiceField(choices=StockStatus.choices)
    stock_value = serializers.DecimalField(max_digits=16, decimal_places=2)


class InboundLineSerializer(serializers.ModelSerializer):
    sku = serializers.CharField(source="product.sku", read_only=True)
    outstanding = serializers.IntegerField(read_only=True)

    class Meta:
        model = InboundLine
        fields = ["id", "product", "sku", "expected_quantity", "received_quantity", "damaged_quantity", "outstanding"]


class ReceiptDifferenceSerializer(serializers.ModelSerializer):
    class Meta:
        model = ReceiptDifference
        fields = ["id", "kind", "code", "quantity", "note", "created_at"]


class InboundShipmentSerializer(serializers.ModelSerializer):
    lines = InboundLineSerializer(many=True, read_only=True)
    differences = ReceiptDifferenceSerializer(many=True, read_only=True)
    warehouse_code = serializers.CharField(source="warehouse.code", read_only=True)

    class Meta:
        model = InboundShipment
        fields = ["id", "client", "warehouse", "warehouse_code", "reference", "carrier", "expected_date", "status",
                  "notes", "created_at", "closed_at", "lines", "differences"]


class InboundLineInputSerializer(serializers.Serializer):
    sku = serializers.CharField(max_length=64)
    quantity = serializers.IntegerField(min_value=1, max_value=10_000_000)


class InboundCreateSerializer(serializers.Serializer):
    client = ScopedPrimaryKeyRelatedField(scope=client_list)
    warehouse = ScopedPrimaryKeyRelatedField(scope=warehouse_list)
    reference = serializers.CharField(max_length=64)
    expected_date = serializers.DateField(required=False, allow_null=True, default=None)
    carrier = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    lines = InboundLineInputSerializer(many=True, required=False)
    csv = serializers.CharField(required=False, allow_blank=False,
                                help_text="Instead of lines: CSV text with the header sku,quantity.")

    def validate(self, attrs):
        if bool(attrs.get("lines")) == bool(attrs.get("csv")):
            raise serializers.ValidationError({"lines": ["Send either lines or csv."]})
        return attrs


class ReceiveScanSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=64, help_text="SKU or barcode as scanned.")
    quantity = serializers.IntegerField(min_value=1, max_value=100_000, default=1)
    damaged = serializers.BooleanField(default=False)
    location = ScopedPrimaryKeyRelatedField(scope=location_list, required=False, allow_null=True, default=None,
                                            help_text="Where to put the units; default: the putaway suggestion.")


class CycleCountLineSerializer(serializers.ModelSerializer):
    sku = serializers.CharField(source="product.sku", read_only=True)
    location_code = serializers.CharField(source="location.code", read_only=True)
    variance = serializers.IntegerField(read_only=True, allow_null=True)

    class Meta:
        model = CycleCountLine
        fields = ["id", "location", "location_code", "product", "sku", "lot_number", "expected_quantity",
                  "counted_quantity", "variance", "status", "counted_at"]


class CycleCountSerializer(serializers.ModelSerializer):
    lines = CycleCountLineSerializer(many=True, read_only=True)
    warehouse_code = serializers.CharField(source="warehouse.code", read_only=True)

    class Meta:
        model = CycleCount
        fields = ["id", "warehouse", "warehouse_code", "status", "basis", "approval_threshold", "created_at",
                  "closed_at", "lines"]


class CycleCountCreateSerializer(serializers.Serializer):
    warehouse = ScopedPrimaryKeyRelatedField(scope=warehouse_list)
    abc_class = serializers.ChoiceField(choices=["A", "B", "C"], required=False, allow_blank=True, default="")
    location_ids = serializers.ListField(child=serializers.IntegerField(), required=False, default=list)
    approval_threshold = serializers.IntegerField(min_value=0, default=5)


class CountRecordSerializer(serializers.Serializer):
    line = serializers.IntegerField()
    counted_quantity = serializers.IntegerField(min_value=0, max_value=10_000_000)


class CountApproveSerializer(serializers.Serializer):
    reject = serializers.ListField(child=serializers.IntegerField(), required=False, default=list,
                                   help_text="Line ids to count again instead of approving.")


class TransferLineSerializer(serializers.ModelSerializer):
    sku = serializers.CharField(source="product.sku", read_only=True)

    class Meta:
        model = TransferLine
        fields = ["id", "product", "sku", "from_location", "to_location", "lot_number", "quantity"]


class TransferSerializer(serializers.ModelSerializer):
    lines = TransferLineSerializer(many=True, read_only=True)

    class Meta:
        model = Transfer
        fields = ["id", "from_warehouse", "to_warehouse", "status", "note", "created_at", "dispatched_at",
                  "received_at", "lines"]


class TransferLineInputSerializer(serializers.Serializer):
    product = ScopedPrimaryKeyRelatedField(scope=product_list)
    from_location = ScopedPrimaryKeyRelatedField(scope=location_list)
    to_location = ScopedPrimaryKeyRelatedField(scope=location_list, required=False, allow_null=True, default=None)
    lot_number = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
    quantity = serializers.IntegerField(min_value=1, max_value=10_000_000)


class TransferCreateSerializer(serializers.Serializer):
    from_warehouse = ScopedPrimaryKeyRelatedField(scope=warehouse_list)
    to_warehouse = ScopedPrimaryKeyRelatedField(scope=warehouse_list)
    note = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")
    lines = TransferLineInputSerializer(many=True, allow_empty=False)
