"""Reads of pick lists and waves, scoped to the warehouses a staff member works in.

Pick lists mix orders of many clients, so client users see none of them.
"""

from __future__ import annotations

from django.db.models import Count, Min, OuterRef, Prefetch, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce

from core.access import restrict, user_access
from orders.choices import OrderStatus
from orders.models import Order, OrderLine
from shipping.choices import MISPICK_RESULTS, OPEN_SHIPMENT_STATUSES
from shipping.models import (
    BoxType,
    GatewayAccount,
    Manifest,
    Package,
    PackageItem,
    PackScan,
    PackStation,
    PickList,
    PickListAllocation,
    PickListLine,
    PickListOrder,
    Printer,
    PrintJob,
    RateQuote,
    Shipment,
    ShipmentNotification,
    TrackingSequence,
    Wave,
)
from shipping.tracking_numbers import serials_left, tracking_warning_threshold


def _staff_scope(qs, user):
    access = user_access(user)
    if access.is_client_user or not access.is_staff_member:
        return qs.none()
    return restrict(qs, user, client=None, warehouse="warehouse")


def pick_list_list(*, user) -> QuerySet[PickList]:
    """Pick lists the user may see, with counts for list pages (open first, newest first)."""
    # Subqueries, not joins: counting orders and summing lines over one join would multiply the sums.
    orders = (PickListOrder.objects.filter(pick_list=OuterRef("pk")).order_by().values("pick_list")
              .annotate(n=Count("pk")).values("n"))
    lines = (PickListLine.objects.filter(pick_list=OuterRef("pk"), quantity__gt=0).order_by().values("pick_list")
             .annotate(n=Count("pk"), units=Sum("quantity"), picked=Sum("picked_quantity")))
    qs = PickList.objects.select_related("warehouse", "picker", "wave", "packing_location").annotate(
        order_count=Coalesce(Subquery(orders), 0),
        # A one-order list is named by its order on the list page, as on paper.
        first_order_number=Subquery(PickListOrder.objects.filter(pick_list=OuterRef("pk")).order_by("pk")
                                    .values("order__order_number")[:1]),
        stop_count=Coalesce(Subquery(lines.values("n")), 0),
        unit_count=Coalesce(Subquery(lines.values("units")), 0),
        picked_count=Coalesce(Subquery(lines.values("picked")), 0),
    )
    return _staff_scope(qs, user)


def pick_list_list_with_lines(*, user) -> QuerySet[PickList]:
    """Pick lists with their stops, links and orders prefetched (detail pages, print, API detail)."""
    links = PickListAllocation.objects.select_related("list_order__order", "stock_level").order_by(
        "list_order__tote", "pk")
    lines = (PickListLine.objects.select_related("location", "product")
             .prefetch_related(Prefetch("links", queryset=links)).order_by("sequence", "pk"))
    list_orders = PickListOrder.objects.select_related("order", "order__client").order_by("tote")
    return pick_list_list(user=user).prefetch_related(
        Prefetch("lines", queryset=lines), Prefetch("list_orders", queryset=list_orders)
    )


def pick_list_get(*, user, pk: int) -> PickList:
    """Return one pick list the user may see, with lines. Raises PickList.DoesNotExist otherwise."""
    return pick_list_list_with_lines(user=user).get(pk=pk)


def pick_list_get_by_number(*, user, number: str) -> PickList:
    """Return the pick list whose barcode was scanned. Raises PickList.DoesNotExist."""
    return pick_list_list(user=user).get(number__iexact=number.strip())


def wave_list(*, user) -> QuerySet[Wave]:
    qs = Wave.objects.select_related("warehouse").annotate(list_count=Count("pick_lists"))
    return _staff_scope(qs, user)


def wave_get(*, user, pk: int) -> Wave:
    """Return one wave the user may see. Raises Wave.DoesNotExist otherwise."""
    return wave_list(user=user).get(pk=pk)


def orders_ready_to_pick(*, warehouse_id: int) -> QuerySet[Order]:
    """Allocated orders of a warehouse that are on no open pick list, oldest first, with their unit count
    and the walk position of their first stop (to put neighbours on the same cart)."""
    on_open_list = PickListOrder.objects.filter(is_open=True).values("order_id")
    units = (OrderLine.objects.filter(order=OuterRef("pk")).order_by().values("order")
             .annotate(n=Sum("quantity")).values("n"))
    return (
        Order.objects.filter(warehouse_id=warehouse_id, status=OrderStatus.ALLOCATED)
        .exclude(pk__in=on_open_list)
        .annotate(units=Subquery(units),
                  first_stop=Min("lines__allocations__stock_level__location__walk_sequence"))
        .filter(units__gt=0, first_stop__isnull=False)
        .order_by("received_at", "pk")
    )


def scanner_state(pick_list: PickList) -> dict:
    """What the scanner page shows: the current stop and step, its totes, progress and the next stops."""
    lines = list(pick_list.lines.select_related("location", "product").prefetch_related(
        Prefetch("links", queryset=PickListAllocation.objects.select_related("list_order__order")
                 .order_by("list_order__tote", "pk"))).order_by("sequence", "pk"))
    active = [line for line in lines if line.quantity > 0]
    todo = [line for line in active if not line.is_done]
    current = todo[0] if todo else None
    totes = []
    if current is not None and pick_list.uses_totes:
        for link in current.links.all():
            if link.remaining > 0 and link.list_order.is_open:
                totes.append({"tote": link.list_order.tote, "order": link.list_order.order.order_number,
                              "remaining": link.remaining, "picked": link.picked_quantity})
    stop_number = len(active) - len(todo) + 1 if current else len(active)
    return {
        "current": current,
        "step": None if current is None else ("item" if current.location_confirmed_at else "location"),
        "totes": totes,
        "stop_number": stop_number,
        "stop_count": len(active),
        "units_picked": sum(line.picked_quantity for line in active),
        "units_total": sum(line.quantity - line.short_quantity for line in active),
        "upcoming": todo[1:4],
        "done": current is None,
    }


def sort_state(pick_list: PickList) -> list[dict]:
    """Per order on a batch or wave list: tote, sorted and picked units, outcome."""
    rows = []
    entries = pick_list.list_orders.select_related("order").prefetch_related("links").order_by("tote")
    for entry in entries:
        links = list(entry.links.all())
        rows.append({"entry": entry, "sorted": sum(lk.sorted_quantity for lk in links),
                     "picked": sum(lk.picked_quantity for lk in links)})
    return rows


def pick_exceptions(*, user, limit: int = 15) -> QuerySet[PickListOrder]:
    """Orders that left a pick list after a short pick (backordered or held), newest first, for managers."""
    lists = pick_list_list(user=user).values("pk")
    return (PickListOrder.objects.filter(pick_list__in=lists, outcome__in=[PickListOrder.Outcome.BACKORDERED,
                                                                         PickListOrder.Outcome.ON_HOLD])
            .select_related("order", "pick_list").order_by("-closed_at", "-pk")[:limit])


def mispick_list(*, user) -> QuerySet:
    """Caught mis-picks (pack scans refused as wrong, extra or unknown) the user may see: staff by warehouse."""
    access = user_access(user)
    if access.is_client_user or not access.is_staff_member:
        return PackScan.objects.none()
    qs = PackScan.objects.filter(result__in=MISPICK_RESULTS).select_related("shipment")
    return restrict(qs, user, client=None, warehouse="shipment__warehouse")

# --- packing and shipping ----------------------------------------------------------------------------------

def shipment_list(*, user) -> QuerySet:
    """Shipments the user may see: a client user its client's, staff those of their warehouses."""
    qs = Shipment.objects.select_related("order", "order__client", "warehouse", "service", "service__carrier")
    return restrict(qs, user, client="order__client", warehouse="warehouse")


def shipment_list_with_details(*, user) -> QuerySet:
    packages = Package.objects.select_related("box_type", "carrier", "label_printed_by").prefetch_related(
        Prefetch("items", queryset=PackageItem.objects.select_related("product")))
    return shipment_list(user=user).prefetch_related(
        Prefetch("packages", queryset=packages),
        Prefetch("rate_quotes", queryset=RateQuote.objects.select_related("service", "service__carrier")),
    )


def shipment_get(*, user, pk: int):
    """Return one shipment the user may see. Raises Shipment.DoesNotExist otherwise."""
    return shipment_list_with_details(user=user).get(pk=pk)


def manifest_list(*, user) -> QuerySet:
    """Manifests of the warehouses a staff member works in (client users see none: a manifest lists many
    clients' packages)."""
    return _staff_scope(Manifest.objects.select_related("carrier", "warehouse"), user)


def orders_ready_to_pack(*, user) -> QuerySet[Order]:
    """Picked orders in the user's warehouses that no pack station has open yet, oldest first."""
    qs = Order.objects.filter(status=OrderStatus.PICKED).select_related("client", "warehouse")
    qs = _staff_scope(qs, user).exclude(shipments__status__in=OPEN_SHIPMENT_STATUSES)
    return qs.order_by("received_at", "pk")


def box_type_list(*, user) -> QuerySet:
    """Box types: staff see their warehouses' boxes, a client user only its own packaging."""
    qs = BoxType.objects.select_related("warehouse", "client")
    return restrict(qs, user, client="client", warehouse="warehouse")


def mispick_summary(*, user, since) -> dict:
    """Caught mis-picks (refused pack-station scans) since a moment: total, by kind, by packer, by product."""
    qs = restrict(PackScan.objects.filter(result__in=MISPICK_RESULTS, created_at__gte=since), user,
                  client="shipment__order__client", warehouse="shipment__warehouse")
    return {
        "total": qs.count(),
        "by_kind": list(qs.order_by().values("result").annotate(n=Count("pk")).order_by("-n")),
        "by_packer": list(qs.order_by().values("user__username").annotate(n=Count("pk")).order_by("-n")[:20]),
        "by_product": list(qs.filter(product__isnull=False).order_by().values("product__sku", "product__name")
                           .annotate(n=Count("pk")).order_by("-n")[:20]),
        "recent": list(qs.select_related("shipment__order", "user", "product").order_by("-created_at")[:30]),
    }


def notification_list(*, user) -> QuerySet:
    """Customer emails and storefront updates of shipped orders, scoped like their orders."""
    qs = ShipmentNotification.objects.select_related("shipment__order", "channel", "channel__client")
    return restrict(qs, user, client="channel__client", warehouse=None)


def tracking_range_problems() -> list[str]:
    """Sentences for the active carriers whose tracking numbers run low: fewer than a tenth of one account's
    range left before the numbers would run out (shipping.tracking_numbers)."""
    problems = []
    for sequence in (TrackingSequence.objects.filter(carrier__is_active=True).select_related("carrier")
                     .order_by("carrier__code")):
        carrier = sequence.carrier
        left = serials_left(carrier.code, next_serial=sequence.next_value, account=carrier.account_number,
                            spare_accounts=carrier.spare_accounts)
        if left is None or left >= tracking_warning_threshold(carrier.code):
            continue
        state = "are used up" if left == 0 else f"run low: {left:,} left"
        problems.append(f"{carrier.name} tracking numbers {state}; add a spare shipper number / mailer id to the "
                        "carrier so labels can go on without repeating a number")
    return problems


def gateway_account_list(*, user) -> QuerySet:
    """Label gateway accounts: a client user sees only its own; staff see every one."""
    qs = GatewayAccount.objects.select_related("client", "warehouse").prefetch_related("carriers")
    return restrict(qs, user, client="client", warehouse=None)


# --- printing ----------------------------------------------------------------------------------------------

def pack_station_list(*, user) -> QuerySet[PackStation]:
    """Pack stations of the staff member's warehouses (client users see none)."""
    return _staff_scope(PackStation.objects.select_related("warehouse"), user)


def printer_list(*, user) -> QuerySet[Printer]:
    """Printers of the stations of the staff member's warehouses."""
    return Printer.objects.select_related("station__warehouse").filter(station__in=pack_station_list(user=user))


def print_job_list(*, user) -> QuerySet[PrintJob]:
    """Print jobs sent to the printers the staff member's warehouses have."""
    return PrintJob.objects.select_related("printer__station", "package", "shipment__order", "pick_list").filter(
        printer__in=printer_list(user=user))
