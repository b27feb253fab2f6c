from rest_framework import serializers

from config.api_fields import ScopedPrimaryKeyRelatedField
from inventory.selectors import client_list
from orders.models import Order, OrderEvent, OrderLine, SalesChannel


class SalesChannelSerializer(serializers.ModelSerializer):
    client = ScopedPrimaryKeyRelatedField(scope=client_list)
    webhook_secret = serializers.CharField(write_only=True, required=False, allow_blank=True, max_length=255)
    credentials = serializers.JSONField(write_only=True, required=False)

    class Meta:
        model = SalesChannel
        fields = ["id", "client", "kind", "name", "store_url", "credentials", "webhook_secret", "is_active",
                  "created_at"]
        read_only_fields = ["created_at"]

    def validate_credentials(self, value):
        if not isinstance(value, dict):
            raise serializers.ValidationError("Credentials must be a JSON object.")
        return value


class OrderLineSerializer(serializers.ModelSerializer):
    class Meta:
        model = OrderLine
        fields = ["id", "sku", "name", "product", "quantity", "unit_price", "is_insert"]


class OrderEventSerializer(serializers.ModelSerializer):
    who = serializers.CharField(read_only=True)

    class Meta:
        model = OrderEvent
        fields = ["from_status", "to_status", "note", "who", "created_at"]


class OrderSerializer(serializers.ModelSerializer):
    warehouse = serializers.SlugRelatedField(slug_field="code", read_only=True)
    channel_kind = serializers.CharField(source="channel.kind", read_only=True)
    lines = OrderLineSerializer(many=True, read_only=True)
    events = OrderEventSerializer(many=True, read_only=True)
    forced_warehouse = serializers.SlugRelatedField(slug_field="code", read_only=True)
    allowed_warehouses = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)

    class Meta:
        model = Order
        fields = [
            "id", "client", "channel", "channel_kind", "external_id", "order_number", "status", "hold_reason",
            "warehouse", "parent", "customer_name", "customer_email", "customer_phone", "ship_name",
            "ship_company", "ship_address1", "ship_address2", "ship_city", "ship_state", "ship_postal_code",
            "ship_country", "requested_service_level", "requested_shipping_method", "currency", "total_price",
            "placed_at", "received_at", "lines", "events",
            # rules and holds (issue 9)
            "tags", "customer_note", "payment_status", "billing_country", "priority", "hold_until_date", "forced_warehouse",
            "allowed_warehouses", "carrier_code", "service_code", "box_type_code",
        ]
        read_only_fields = fields


class OrderActionSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")
