from rest_framework import viewsets

from core.permissions import ALL_ROLES
from warehouses.api.serializers import LocationSerializer, WarehouseSerializer
from warehouses.filters import LocationFilter, WarehouseFilter
from warehouses.selectors import location_list, warehouse_list


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
