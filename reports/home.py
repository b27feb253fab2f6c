"""What each role's home page starts with: the work waiting for that person, read through the apps' selectors.

A picker gets the next pick list, a packer the orders waiting at the pack station, a manager the exceptions
(holds, failed deliveries, a stuck backlog, stock running out), a client user its orders that need attention.
"""

from __future__ import annotations

from django.db.models import Q

from core.choices import Role
from inventory.selectors import stock_level_list
from orders.allocation import ALLOCATABLE_LOCATION_KINDS
from orders.choices import OrderStatus
from orders.holds.selectors import hold_open_counts
from orders.intake.selectors import failed_delivery_list
from orders.selectors import order_list
from reports.backlog import backlog_read
from shipping.choices import OPEN_SHIPMENT_STATUSES, PickListStatus
from shipping.selectors import orders_ready_to_pack, pick_exceptions, pick_list_list, shipment_list

SHOWN = 8  # rows of each box: enough to start from, the list pages hold the rest
ATTENTION_STATUSES = (OrderStatus.ON_HOLD, OrderStatus.BACKORDERED)


def _lowest_sellable_stock(user):
    """Sellable stock (pick faces and reserve) running lowest; packing, returns and transit rows are not for sale."""
    return (stock_level_list(user=user).filter(location__kind__in=ALLOCATABLE_LOCATION_KINDS, on_hand__gt=0)
            .order_by("available_units", "product__sku", "location__code")[:SHOWN])


def picker_home(user) -> dict:
    """The pick list to work next: one this picker has started, else the oldest ready one for anyone or them."""
    open_lists = pick_list_list(user=user).filter(
        Q(status=PickListStatus.PICKING, picker=user)
        | Q(status=PickListStatus.RELEASED) & (Q(picker__isnull=True) | Q(picker=user))
    ).order_by("status", "created_at", "pk")  # "picking" sorts before "released": a started list first
    lists = list(open_lists[:SHOWN + 1])
    return {"next_pick_list": lists[0] if lists else None, "more_pick_lists": lists[1:]}


def packer_home(user) -> dict:
    """Shipments this station has open, then picked orders waiting to be packed, oldest first."""
    return {
        "open_shipments": list(shipment_list(user=user).filter(status__in=OPEN_SHIPMENT_STATUSES)
                               .order_by("created_at", "pk")[:SHOWN]),
        "pack_queue": list(orders_ready_to_pack(user=user)[:SHOWN]),
        "pack_queue_count": orders_ready_to_pack(user=user).count(),
    }


def manager_home(user) -> dict:
    """The exceptions: open holds, failed deliveries, backlog problems, short picks, stock running out."""
    return {
        "holds": [(kind, label, n) for kind, label, n in hold_open_counts(user=user) if n],
        "failed_deliveries": failed_delivery_list(user=user).count(),
        "backlog_problems": backlog_read().problems,
        "pick_exceptions": list(pick_exceptions(user=user, limit=SHOWN)),
        "backorders": order_list(user=user).filter(status=OrderStatus.BACKORDERED).count(),
        "low_stock": _lowest_sellable_stock(user),
    }


def client_home(user) -> dict:
    """The client's orders on hold or waiting for stock, and its sellable stock running lowest."""
    attention = order_list(user=user).filter(status__in=ATTENTION_STATUSES)
    return {
        "attention_orders": list(attention.order_by("received_at", "pk")[:SHOWN]),
        "attention_count": attention.count(),
        "low_stock": _lowest_sellable_stock(user),
    }


HOMES = {Role.PICKER: picker_home, Role.PACKER: packer_home, Role.MANAGER: manager_home, Role.CLIENT: client_home}


def home_context(*, user, role: str | None) -> dict:
    """The context of a role's home page ({} for a user without a role)."""
    build = HOMES.get(role)
    return build(user) if build else {}
