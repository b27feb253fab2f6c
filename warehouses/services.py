"""Writes to the floor's description: zone layouts for pick paths."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction

from warehouses.models import Location, Warehouse, ZoneLayout


@transaction.atomic
def zone_layout_set(*, warehouse: Warehouse, zone: str, walk_position: int, first_aisle_m: Decimal | None,
                    aisle_pitch_m: Decimal) -> ZoneLayout:
    """Set where a zone's aisles lie on the floor (warehouses.walk reads it for pick routes).

    Raises ValueError for a zone that has no aisle locations in the warehouse.
    """
    if not Location.objects.filter(warehouse=warehouse, zone=zone, aisle__gt=0).exists():
        raise ValueError(f"Zone {zone} has no aisle locations at {warehouse.code}.")
    layout, _ = ZoneLayout.objects.update_or_create(
        warehouse=warehouse, zone=zone,
        defaults={"walk_position": walk_position, "first_aisle_m": first_aisle_m, "aisle_pitch_m": aisle_pitch_m})
    return layout
