from rest_framework import serializers

from core.api_fields import DocumentURLField, ScopedPrimaryKeyRelatedField
from orders.selectors import order_list
from returns.choices import Disposition, Resolution, ReturnReason
from returns.models import (
    Refund,
    RefundLine,
    ReturnAuthorization,
    ReturnEvent,
    ReturnLine,
    ReturnPolicy,
    ReturnReasonRule,
    ReturnUnit,
)


class ReturnLineSerializer(serializers.ModelSerializer):
    sku = serializers.CharField(source="product.sku", read_only=True)
    exchange_sku = serializers.CharField(source="exchange_product.sku", read_only=True, default=None)

    class Meta:
        model = ReturnLine
        fields = ["id", "order_line", "sku", "quantity", "reason", "reason_note", "resolution", "exchange_sku",
                  "received_quantity", "missing_quantity"]
        read_only_fields = fields


class ReturnUnitSerializer(serializers.ModelSerializer):
    sku = serializers.CharField(source="product.sku", read_only=True)
    location = serializers.CharField(source="location.code", read_only=True)

    class Meta:
        model = ReturnUnit
        fields = ["id", "line", "sku", "quantity", "disposition", "location", "condition_note", "expected",
                  "created_at"]
        read_only_fields = fields


class ReturnEventSerializer(serializers.ModelSerializer):
    who = serializers.CharField(read_only=True)

    class Meta:
        model = ReturnEvent
        fields = ["from_status", "to_status", "note", "who", "created_at"]
        read_only_fields = fields


class RefundLineSerializer(serializers.ModelSerializer):
    class Meta:
        model = RefundLine
        fields = ["return_line", "quantity", "unit_price", "fee", "amount"]
        read_only_fields = fields


class RefundSerializer(serializers.ModelSerializer):
    lines = RefundLineSerializer(many=True, read_only=True)

    class Meta:
        model = Refund
        fields = ["currency", "subtotal", "restocking_fee", "label_fee", "amount", "status", "attempts",
                  "external_id", "sent_at", "created_at", "lines"]
        read_only_fields = fields


class ReturnSerializer(serializers.ModelSerializer):
    order_number = serializers.CharField(source="order.order_number", read_only=True)
    warehouse = serializers.SlugRelatedField(slug_field="code", read_only=True)
    lines = ReturnLineSerializer(many=True, read_only=True)
    units = ReturnUnitSerializer(many=True, read_only=True)
    events = ReturnEventSerializer(many=True, read_only=True)
    refund = RefundSerializer(read_only=True, default=None)
    label_pdf_url = DocumentURLField("returns:label_pdf", available=lambda rma: rma.can_print_label)

    class Meta:
        model = ReturnAuthorization
        fields = ["id", "number", "client", "order", "order_number", "warehouse", "status", "source", "customer_name",
                  "customer_email", "customer_note", "decision_note", "free_label", "label_carrier", "label_service",
                  "label_tracking_number", "label_cost", "label_pdf_url", "exchange_order", "created_at", "authorised_at",
                  "received_at", "inspected_at", "closed_at", "lines", "units", "events", "refund"]
        read_only_fields = fields


class ReturnLineInputSerializer(serializers.Serializer):
    order_line = serializers.IntegerField(min_value=1, max_value=2**63 - 1)
    quantity = serializers.IntegerField(min_value=1, max_value=100_000)
    reason = serializers.ChoiceField(choices=ReturnReason.choices)
    reason_note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    resolution = serializers.ChoiceField(choices=Resolution.choices, default=Resolution.REFUND)
    exchange_sku = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")


class ReturnCreateSerializer(serializers.Serializer):
    order = ScopedPrimaryKeyRelatedField(scope=order_list)
    lines = ReturnLineInputSerializer(many=True, allow_empty=False, max_length=500)
    customer_note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    authorise = serializers.BooleanField(default=True, help_text="Authorise at once (emails the return label).")
    ignore_window = serializers.BooleanField(default=False, help_text="Managers only: accept outside the window.")


class ReturnReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")


class ReturnReceiveSerializer(serializers.Serializer):
    barcode = serializers.CharField(max_length=64)
    quantity = serializers.IntegerField(min_value=1, max_value=999, default=1)
    disposition = serializers.ChoiceField(choices=Disposition.choices)
    location = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=2**63 - 1,
                                        help_text="Location id (required to restock).")
    condition_note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    allow_mixing = serializers.BooleanField(required=False, default=False,
                                            help_text="Restock even though the bin holds another product's stock.")


class ReturnReasonRuleSerializer(serializers.ModelSerializer):
    class Meta:
        model = ReturnReasonRule
        fields = ["reason", "free_label", "restocking_fee_percent"]


class ReturnPolicySerializer(serializers.ModelSerializer):
    reason_rules = ReturnReasonRuleSerializer(many=True, required=False)

    class Meta:
        model = ReturnPolicy
        fields = ["client", "window_days", "auto_authorise", "label_fee", "survey_enabled", "survey_delay_days",
                  "reason_rules", "updated_at"]
        read_only_fields = ["client", "updated_at"]
        extra_kwargs = {"window_days": {"max_value": 3650}}
