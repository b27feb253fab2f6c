from rest_framework import serializers

from core.api_fields import ScopedPrimaryKeyRelatedField
from warehouses.models import Location, Warehouse
from warehouses.selectors import warehouse_list


class WarehouseSerializer(serializers.ModelSerializer):
    class Meta:
        model = Warehouse
        fields = [
            "id", "code", "name", "address_line1", "address_line2", "city", "state", "postal_code", "country",
            "latitude", "longitude", "timezone", "is_active",
        ]


class LocationSerializer(serializers.ModelSerializer):
    warehouse = ScopedPrimaryKeyRelatedField(scope=warehouse_list)
    warehouse_code = serializers.CharField(source="warehouse.code", read_only=True)

    class Meta:
        model = Location
        fields = ["id", "warehouse", "warehouse_code", "code", "kind", "zone", "aisle", "bay", "level",
                  "walk_sequence", "is_active"]
        validators = []  # uniqueness is checked below with a friendlier message

    def validate(self, attrs):
        warehouse = attrs.get("warehouse", getattr(self.instance, "warehouse", None))
        code = attrs.get("code", getattr(self.instance, "code", None))
        clash = Location.objects.filter(warehouse=warehouse, code=code)
        if self.instance:
            clash = clash.exclude(pk=self.instance.pk)
        if clash.exists():
            raise serializers.ValidationError({"code": ["This warehouse already has a location with this code."]})
        return attrs
