import django_filters
from rest_framework import viewsets

from core.permissions import ALL_ROLES
from warehouses.api.serializers import LocationSerializer, WarehouseSerializer
from warehouses.choices import LocationKind
from warehouses.models import Location, Warehouse
from warehouses.selectors import location_list, warehouse_list


class WarehouseFilter(django_filters.FilterSet):
    class Meta:
        model = Warehouse
        fields = {"code": ["exact"], "country": ["exact"], "state": ["exact"], "is_active": ["exact"]}


class LocationFilter(django_filters.FilterSet):
    warehouse_code = django_filters.CharFilter(field_name="warehouse__code")
    kind = django_filters.ChoiceFilter(choices=LocationKind.choices)

    class Meta:
        model = Location
        fields = {"warehouse": ["exact"], "code": ["exact", "startswith"], "zone": ["exact"], "is_active": ["exact"]}


class WarehouseViewSet(viewsets.ModelViewSet):
    serializer_class = WarehouseSerializer
    filterset_class = WarehouseFilter
    search_fields = ["code", "name", "city"]
    ordering_fields = ["code", "name"]
    read_roles = ALL_ROLES

    def get_queryset(self):
        return warehouse_list(user=self.request.user).order_by("code")


class LocationViewSet(viewsets.ModelViewSet):
    serializer_class = LocationSerializer
    filterset_class = LocationFilter
    search_fields = ["code"]
    ordering_fields = ["code", "walk_sequence"]

    def get_queryset(self):
        return location_list(user=self.request.user).order_by("warehouse__code", "walk_sequence", "code")
