from rest_framework import serializers

from core.api_fields import ScopedPrimaryKeyRelatedField
from inventory.selectors import client_list
from orders.choices import ServiceLevel
from orders.intake.addresses import country_code, postal_code, subdivision_code
from orders.models import Order, OrderEvent, OrderLine, SalesChannel
from orders.selectors import channel_list


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
            # what rules read and set
            "tags", "customer_note", "payment_status", "billing_country", "priority", "hold_until_date", "forced_warehouse",
            "allowed_warehouses", "carrier_code", "service_code", "box_type_code",
        ]
        read_only_fields = fields


class OrderActionSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")


class OrderLineInputSerializer(serializers.Serializer):
    sku = serializers.CharField(max_length=64)
    quantity = serializers.IntegerField(min_value=1, max_value=100_000)
    name = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")
    unit_price = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0, required=False,
                                          default="0.00")


class OrderCreateSerializer(serializers.Serializer):
    """An order sent by a merchant's system. Send an `Idempotency-Key` header to make retries safe."""

    channel = ScopedPrimaryKeyRelatedField(scope=channel_list, required=False,
                                           help_text="Defaults to the client's API channel (client users).")
    order_number = serializers.CharField(max_length=64)
    external_id = serializers.CharField(max_length=100, required=False, allow_blank=True, default="",
                                        help_text="Your id of the order; unique per channel.")
    customer_name = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    customer_email = serializers.EmailField(required=False, allow_blank=True, default="")
    customer_phone = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    ship_name = serializers.CharField(max_length=200)
    ship_company = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    ship_address1 = serializers.CharField(max_length=255)
    ship_address2 = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")
    ship_city = serializers.CharField(max_length=100)
    ship_state = serializers.CharField(max_length=50, required=False, allow_blank=True, default="")
    ship_postal_code = serializers.CharField(max_length=20)
    ship_country = serializers.CharField(max_length=60, help_text="ISO 3166-1 alpha-2 code (or country name).")
    requested_service_level = serializers.ChoiceField(choices=ServiceLevel.choices, default=ServiceLevel.STANDARD)
    requested_shipping_method = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    currency = serializers.RegexField(r"^[A-Z]{3}$", required=False, default="USD")
    total_price = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0, required=False,
                                           default="0.00")
    placed_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    lines = OrderLineInputSerializer(many=True, allow_empty=False, max_length=500)
    # facts for rules and holds (orders.rules, orders.holds)
    tags = serializers.ListField(child=serializers.CharField(max_length=40), required=False, max_length=50,
                                 default=list, help_text="Labels that rules can test, e.g. wholesale.")
    customer_note = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")
    billing_country = serializers.CharField(max_length=60, required=False, allow_blank=True, default="",
                                            help_text="ISO 3166-1 alpha-2 code; fraud review compares it.")

    def validate_tags(self, value):
        return list(dict.fromkeys(t.strip().lower() for t in value if t.strip()))

    def validate_billing_country(self, value):
        if not value.strip():
            return ""
        code = country_code(value)
        if not code:
            raise serializers.ValidationError("Use an ISO 3166-1 alpha-2 code, e.g. US.")
        return code

    def validate(self, attrs):
        country = country_code(attrs["ship_country"])
        if not country:
            raise serializers.ValidationError({"ship_country": ["Use an ISO 3166-1 alpha-2 code, e.g. US."]})
        attrs["ship_country"] = country
        attrs["ship_state"] = subdivision_code(attrs["ship_state"], country)
        attrs["ship_postal_code"] = postal_code(attrs["ship_postal_code"], country)
        return attrs
