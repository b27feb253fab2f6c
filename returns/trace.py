"""Which step of the outbound floor handled an order: pick list and picker, pack station and packer,
box type and carrier. Managers use it to trace a wrong-item, missing-item or damaged return (or survey
answer) to the step that made the mistake. Reads shipping through its models only, never writes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from shipping.models import Package, PickListOrder


@dataclass
class FulfilmentTrace:
    pick_lists: list[str] = field(default_factory=list)
    pickers: list[str] = field(default_factory=list)
    pack_stations: list[str] = field(default_factory=list)
    packers: list[str] = field(default_factory=list)
    box_types: list[str] = field(default_factory=list)
    carriers: list[str] = field(default_factory=list)

    def as_row(self) -> dict[str, str]:
        return {name: ", ".join(values) for name, values in self.__dict__.items()}


def _add(values: list[str], value) -> None:
    value = str(value or "").strip()
    if value and value not in values:
        values.append(value)


def order_traces(order_ids) -> dict[int, FulfilmentTrace]:
    """The fulfilment trace of each order, by order id (empty traces for orders never picked or packed)."""
    ids = sorted(set(order_ids))
    traces = {order_id: FulfilmentTrace() for order_id in ids}
    if not ids:
        return traces
    _trace_packing(ids, traces)
    _trace_picking(ids, traces)
    return traces


def _trace_packing(ids: list[int], traces: dict[int, FulfilmentTrace]) -> None:
    packages = (
        Package.objects.filter(shipment__order_id__in=ids)
        .select_related("shipment", "shipment__packed_by", "box_type", "carrier")
        .order_by("shipment__order_id", "shipment_id", "number")
    )
    for package in packages:
        trace = traces[package.shipment.order_id]
        _add(trace.pack_stations, package.shipment.station)
        if package.shipment.packed_by_id:
            _add(trace.packers, package.shipment.packed_by.get_username())
        if package.box_type_id:
            _add(trace.box_types, package.box_type.code)
        if package.carrier_id:
            _add(trace.carriers, package.carrier.name)


def _trace_picking(ids: list[int], traces: dict[int, FulfilmentTrace]) -> None:
    entries = (
        PickListOrder.objects.filter(order_id__in=ids).exclude(outcome=PickListOrder.Outcome.DROPPED)
        .select_related("pick_list", "pick_list__picker")
        .order_by("order_id", "pick_list__created_at", "pk")
    )
    for entry in entries:
        trace = traces[entry.order_id]
        _add(trace.pick_lists, entry.pick_list.number)
        if entry.pick_list.picker_id:
            _add(trace.pickers, entry.pick_list.picker.get_username())
