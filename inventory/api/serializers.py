from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from rest_framework import serializers

from core.access import primary_role
from core.api_fields import ScopedPrimaryKeyRelatedField
from core.choices import Role
from core.models import UserProfile
from inventory.choices import StockStatus
from inventory.models import Client, Product, StockLevel, StockMovement
from inventory.selectors import client_list, product_list
from warehouses.models import Warehouse
from warehouses.selectors import location_list

User = get_user_model()


class ClientSerializer(serializers.ModelSerializer):
    allowed_warehouses = serializers.PrimaryKeyRelatedField(
        queryset=Warehouse.objects.all(), many=True, required=False,
        help_text="Warehouses that may ship this client's orders; empty means every active warehouse.",
    )

    class Meta:
        model = Client
        fields = ["id", "code", "name", "contact_email", "is_active", "allow_split_shipments", "allowed_warehouses",
                  "preferred_warehouse", "created_at"]
        read_only_fields = ["created_at"]

    def validate(self, attrs):
        allowed = attrs.get("allowed_warehouses",
                            list(self.instance.allowed_warehouses.all()) if self.instance else [])
        preferred = attrs.get("preferred_warehouse", getattr(self.instance, "preferred_warehouse", None))
        if preferred and allowed and preferred not in allowed:
            raise serializers.ValidationError(
                {"preferred_warehouse": ["The preferred warehouse must be one of the allowed warehouses."]})
        return attrs


class ProductSerializer(serializers.ModelSerializer):
    client = ScopedPrimaryKeyRelatedField(scope=client_list)

    class Meta:
        model = Product
        fields = [
            "id", "client", "sku", "name", "barcode", "weight_g", "length_mm", "width_mm", "height_mm",
            "unit_value", "currency", "hs_code", "country_of_origin", "customs_value", "is_lot_tracked", "is_active",
        ]
        validators = []

    def validate(self, attrs):
        client = attrs.get("client", getattr(self.instance, "client", None))
        sku = attrs.get("sku", getattr(self.instance, "sku", None))
        clash = Product.objects.filter(client=client, sku=sku)
        if self.instance:
            clash = clash.exclude(pk=self.instance.pk)
        if clash.exists():
            raise serializers.ValidationError({"sku": ["This client already has a product with this SKU."]})
        return attrs


class StockLevelSerializer(serializers.ModelSerializer):
    sku = serializers.CharField(source="product.sku", read_only=True)
    product_name = serializers.CharField(source="product.name", read_only=True)
    client = serializers.IntegerField(source="product.client_id", read_only=True)
    location_code = serializers.CharField(source="location.code", read_only=True)
    warehouse = serializers.CharField(source="location.warehouse.code", read_only=True)
    available = serializers.IntegerField(read_only=True)

    class Meta:
        model = StockLevel
        fields = [
            "id", "product", "sku", "product_name", "client", "location", "location_code", "warehouse",
            "lot_number", "expiry_date", "on_hand", "allocated", "available", "updated_at",
        ]


class StockAdjustmentSerializer(serializers.Serializer):
    product = ScopedPrimaryKeyRelatedField(scope=product_list)
    location = ScopedPrimaryKeyRelatedField(scope=location_list)
    quantity = serializers.IntegerField(min_value=-1_000_000, max_value=1_000_000,
                                        help_text="Signed: positive adds units, negative removes them.")
    reason = serializers.CharField(max_length=255)
    lot_number = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
    expiry_date = serializers.DateField(required=False, allow_null=True, default=None)

    def validate_quantity(self, value):
        if value == 0:
            raise serializers.ValidationError("Quantity must not be zero.")
        return value


class StockMovementSerializer(serializers.ModelSerializer):
    sku = serializers.CharField(source="product.sku", read_only=True)
    from_location_code = serializers.CharField(source="from_location.code", read_only=True, default=None)
    to_location_code = serializers.CharField(source="to_location.code", read_only=True, default=None)
    user = serializers.CharField(source="user.username", read_only=True, default=None)

    class Meta:
        model = StockMovement
        fields = [
            "id", "product", "sku", "kind", "quantity", "from_location", "from_location_code", "to_location",
            "to_location_code", "lot_number", "reference", "reason", "user", "created_at",
        ]


class UserSerializer(serializers.ModelSerializer):
    password = serializers.CharField(write_only=True, required=False, style={"input_type": "password"})
    role = serializers.ChoiceField(choices=Role.choices)
    client = serializers.PrimaryKeyRelatedField(queryset=Client.objects.all(), required=False, allow_null=True)
    warehouses = serializers.PrimaryKeyRelatedField(queryset=Warehouse.objects.all(), many=True, required=False)

    class Meta:
        model = User
        fields = ["id", "username", "password", "email", "first_name", "last_name", "is_active", "role", "client",
                  "warehouses"]

    def to_representation(self, instance):
        try:
            profile = instance.profile
        except UserProfile.DoesNotExist:
            profile = None
        return {
            "id": instance.pk,
            "username": instance.username,
            "email": instance.email,
            "first_name": instance.first_name,
            "last_name": instance.last_name,
            "is_active": instance.is_active,
            "role": primary_role(instance),
            "client": profile.client_id if profile else None,
            "warehouses": sorted(warehouse.pk for warehouse in profile.warehouses.all()) if profile else [],
        }

    def validate(self, attrs):
        role = attrs.get("role")
        client = attrs.get("client")
        if role == Role.CLIENT and not client:
            raise serializers.ValidationError({"client": ["A client user must belong to a client."]})
        if role and role != Role.CLIENT and client:
            raise serializers.ValidationError({"client": ["Only client users belong to a client."]})
        if self.instance is None and not attrs.get("password"):
            raise serializers.ValidationError({"password": ["A new user needs a password."]})
        if attrs.get("password"):
            try:
                validate_password(attrs["password"], self.instance)
            except Exception as exc:  # django ValidationError -> field error
                raise serializers.ValidationError({"password": list(getattr(exc, "messages", [str(exc)]))}) from exc
        return attrs


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
