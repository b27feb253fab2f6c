"""FilterSets of warehouses and locations (the API's lists), and the warehouses a page's filter may offer."""

from __future__ import annotations

import django_filters

from core.filters import FilterSet
from warehouses.choices import LocationKind
from warehouses.models import Location, Warehouse
from warehouses.selectors import warehouse_list


def warehouses_of(request):
    """The warehouses the requesting user may see: the choices of a warehouse filter."""
    return warehouse_list(user=request.user) if request is not None else Warehouse.objects.none()


class WarehouseFilter(FilterSet):
    class Meta:
        model = Warehouse
        fields = {"code": ["exact"], "country": ["exact"], "state": ["exact"], "is_active": ["exact"]}


class LocationFilter(FilterSet):
    warehouse_code = django_filters.CharFilter(field_name="warehouse__code")
    kind = django_filters.ChoiceFilter(choices=LocationKind.choices)

    class Meta:
        model = Location
        fields = {"warehouse": ["exact"], "code": ["exact", "startswith"], "zone": ["exact"], "is_active": ["exact"]}
