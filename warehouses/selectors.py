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
