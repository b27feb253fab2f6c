"""Reads of warehouses and locations, limited to the warehouses a staff member works in."""

from __future__ import annotations

from django.db.models import QuerySet

from warehouses.models import Location, Warehouse


def _assigned_warehouse_ids(user) -> set[int] | None:
    # The assignment lives on the user's profile (inventory layer); read it through the reverse relation
    # so this lower layer needs no import from above. None means every warehouse.
    if not getattr(user, "is_authenticated", False):
        return set()
    ids = set(Warehouse.objects.filter(staff__user=user).values_list("pk", flat=True))
    return ids or None


def warehouse_list(*, user) -> QuerySet[Warehouse]:
    ids = _assigned_warehouse_ids(user)
    qs = Warehouse.objects.all()
    return qs if ids is None else qs.filter(pk__in=ids)


def location_list(*, user) -> QuerySet[Location]:
    ids = _assigned_warehouse_ids(user)
    qs = Location.objects.select_related("warehouse")
    return qs if ids is None else qs.filter(warehouse_id__in=ids)


def zone_layout_rows(*, warehouse: Warehouse) -> list[dict]:
    """Each zone with aisle locations at the warehouse: its aisles, its layout (or None) and where the pick
    routes place its aisles (metres from the packing area), in walking order."""
    from warehouses.models import ZoneLayout
    from warehouses.walk import geometry_from_layout

    aisles = sorted(set(Location.objects.filter(warehouse=warehouse, aisle__gt=0).values_list("zone", "aisle")))
    layouts = {z.zone: z for z in ZoneLayout.objects.filter(warehouse=warehouse)}
    geometry = geometry_from_layout(aisles, 0, layouts)
    rows: dict[str, dict] = {}
    for zone, aisle in geometry.aisle_order:
        row = rows.setdefault(zone, {"zone": zone, "layout": layouts.get(zone), "aisles": [], "x": []})
        row["aisles"].append(aisle)
        row["x"].append(geometry.x_of(zone, aisle))
    return list(rows.values())
