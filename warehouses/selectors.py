"""Reads of warehouses and locations, limited to the warehouses a staff member works in."""

from __future__ import annotations

from django.db.models import QuerySet

from core.access import restrict
from warehouses.models import Location, Warehouse, ZoneLayout
from warehouses.walk import geometry_from_layout


def warehouse_list(*, user) -> QuerySet[Warehouse]:
    """Warehouses the user may see: staff assigned to some see those, everyone else every one."""
    return restrict(Warehouse.objects.all(), user, client=None, warehouse="pk")


def location_list(*, user) -> QuerySet[Location]:
    """Locations of the warehouses the user may see."""
    return restrict(Location.objects.select_related("warehouse"), user, client=None, warehouse="warehouse")


def zone_layout_rows(*, warehouse: Warehouse) -> list[dict]:
    """Each zone with aisle locations at the warehouse: its aisles, its layout (or None) and where the pick
    routes place its aisles (metres from the packing area), in walking order."""
    aisles = sorted(set(Location.objects.filter(warehouse=warehouse, aisle__gt=0).values_list("zone", "aisle")))
    layouts = {z.zone: z for z in ZoneLayout.objects.filter(warehouse=warehouse)}
    geometry = geometry_from_layout(aisles, 0, layouts)
    rows: dict[str, dict] = {}
    for zone, aisle in geometry.aisle_order:
        row = rows.setdefault(zone, {"zone": zone, "layout": layouts.get(zone), "aisles": [], "x": []})
        row["aisles"].append(aisle)
        row["x"].append(geometry.x_of(zone, aisle))
    return list(rows.values())
