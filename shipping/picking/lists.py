"""The pick list itself: picking settings, its status step (pick_list_transition), where picked units go."""

from __future__ import annotations

import datetime

from django.conf import settings

from core.transitions import status_transition, transition_check
from shipping.choices import PICK_LIST_TRANSITIONS, PickListStatus
from shipping.exceptions import InvalidPickListTransition, PickingError
from shipping.locks import pick_list_lock
from shipping.models import PickList
from warehouses.choices import LocationKind
from warehouses.models import Location, Warehouse


def picking_setting(name: str):
    defaults = {"cart_size": 8, "batch_max_units": 6, "auto_release": True}
    return getattr(settings, "DOCKHAND_PICKING", {}).get(name, defaults[name])


def _who(user) -> str:
    return user.get_username() if getattr(user, "is_authenticated", False) else "system"


def _user_or_none(user):
    return user if getattr(user, "is_authenticated", False) else None


# The time each step is stamped on the list (a cancelled list is finished too).
PICK_LIST_STAMPS = {PickListStatus.PICKING: "started_at", PickListStatus.COMPLETED: "completed_at",
                    PickListStatus.CANCELLED: "completed_at"}


def _pick_list_subject(pick_list: PickList) -> str:
    return f"Pick list {pick_list.number}"


def _check_move(pick_list: PickList, to_status: str) -> None:
    """Refuse a move PICK_LIST_TRANSITIONS does not allow before any side effect (the move checks again)."""
    transition_check(instance=pick_list, to_status=to_status, transitions=PICK_LIST_TRANSITIONS,
                     subject=_pick_list_subject, error=InvalidPickListTransition)


def pick_list_transition(*, pick_list: PickList | int, to_status: str, user=None, note: str = "",
                         fields: dict | None = None, at: datetime.datetime | None = None,
                         locked: bool = False) -> PickList:
    """Move a pick list to another status, recording who and when (core.transitions.status_transition).

    The step the picking services share; they do the work around it. With `locked` the caller holds the
    list's row lock and passes that instance. Returns the locked, saved list.
    Raises InvalidPickListTransition (a PickingError) when PICK_LIST_TRANSITIONS does not allow the move.
    """
    return status_transition(instance=pick_list, lock=None if locked else pick_list_lock, to_status=to_status,
                             transitions=PICK_LIST_TRANSITIONS, user=user, note=note, subject=_pick_list_subject,
                             stamps=PICK_LIST_STAMPS, fields=fields, error=InvalidPickListTransition, at=at)


def packing_location_for(warehouse: Warehouse) -> Location:
    """Return the packing area picked units go to. Raises PickingError when the warehouse has none."""
    location = (Location.objects.filter(warehouse=warehouse, kind=LocationKind.PACKING, is_active=True)
                .order_by("walk_sequence", "code").first())
    if location is None:
        raise PickingError(f"{warehouse.code} has no active packing-area location to pick to.")
    return location
