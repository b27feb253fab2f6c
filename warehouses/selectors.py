"""Reads of warehouses and locations, limited to the warehouses a staff member works in."""

from __future__ import annotations

from django.db.models import QuerySet

from core.access import restrict
from warehouses.models import Location, Warehouse


def warehouse_list(*, user) -> QuerySet[Warehouse]:
    """Warehouses the user may see: staff assigned to some see those, everyone else every one."""
    return restrict(Warehouse.objects.all(), user, client=None, warehouse="pk")


def location_list(*, user) -> QuerySet[Location]:
    """Locations of the warehouses the user may see."""
    return restrict(Location.objects.select_related("warehouse"), user, client=None, warehouse="warehouse")
