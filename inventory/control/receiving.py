"""Inbound stock from merchants: advance shipping notices, receiving by scan, differences, putaway.

Every received unit enters through inventory.services.stock_receive (a RECEIPT ledger row at the bin it
is put away to, which also announces the arrival so that backorders are released). Damaged units and
unknown codes are recorded as differences and never enter stock.
"""

from __future__ import annotations

import csv
import io
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import partial

from django.db import transaction
from django.db.models import Count, F, Q, Sum
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext

from core.exceptions import DomainError
from core.transitions import status_transition, transition_check
from inventory.choices import INBOUND_TRANSITIONS, DifferenceKind, InboundStatus, MovementKind
from inventory.exceptions import InsufficientStock, MixedBin
from inventory.figures.refresh import stock_summary_mark_pairs
from inventory.locks import row_lock
from inventory.models import (
    Client,
    InboundLine,
    InboundShipment,
    Product,
    ReceiptDifference,
    StockLevel,
    StockMovement,
)
from inventory.services import stock_adjust, stock_receive
from inventory.signals import receipt_closed, receipt_reversed
from inventory.tasks import inbound_report_send
from warehouses.choices import LocationKind
from warehouses.models import Location, Warehouse

MAX_CSV_BYTES = 2 * 1024 * 1024
PUTAWAY_KINDS = (LocationKind.PICK, LocationKind.RESERVE)


@dataclass(frozen=True)
class ScanResult:
    message: str
    line: InboundLine | None = None
    difference: ReceiptDifference | None = None
    location: Location | None = None


def _user(user):
    return user if getattr(user, "is_authenticated", False) else None


def inbound_lines_from_csv(data: bytes | str) -> list[dict]:
    """Parse an ASN CSV with columns `sku` and `quantity` into lines. Raises DomainError naming the bad rows."""
    if isinstance(data, bytes):
        if len(data) > MAX_CSV_BYTES:
            raise DomainError("The CSV file is larger than 2 MB.", field="file")
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise DomainError("The CSV file is not UTF-8 text.", field="file") from exc
    reader = csv.DictReader(io.StringIO(data))
    headers = {h.strip().lower() for h in (reader.fieldnames or [])}
    if not {"sku", "quantity"} <= headers:
        raise DomainError("The CSV needs a header row with the columns sku and quantity.", field="file")
    lines, errors = [], []
    for row in reader:
        number = reader.line_num  # the file's line, blank lines included
        row = {(k or "").strip().lower(): (v or "").strip() for k, v in row.items()}
        if not any(row.values()):
            continue
        try:
            quantity = int(row["quantity"])
        except ValueError:
            errors.append(f"row {number}: quantity '{row['quantity']}' is not a whole number")
            continue
        lines.append({"sku": row["sku"], "quantity": quantity, "row": number})
    if errors:
        raise DomainError("; ".join(errors[:10]), field="file")
    return lines


@transaction.atomic
def inbound_create(*, client: Client, warehouse: Warehouse, reference: str, lines: list[dict], user=None,
                   expected_date=None, carrier: str = "", notes: str = "") -> InboundShipment:
    """Record an advance shipping notice with its expected SKUs and quantities.

    `lines` are dicts with `sku` (or `product`) and `quantity`; repeated SKUs are added up.
    Raises DomainError for a repeated reference, no lines, unknown SKUs or non-positive quantities.
    """
    reference = (reference or "").strip()
    if not reference:
        raise DomainError("Give the ASN a reference.", field="reference")
    if InboundShipment.objects.filter(client=client, reference=reference).exists():
        raise DomainError(f"{client.name} already has an inbound shipment {reference}.", field="reference")
    if not lines:
        raise DomainError("An inbound shipment needs at least one line.", field="lines")
    skus = {str(line.get("sku", "")).strip() for line in lines if not line.get("product")}
    products = {p.sku: p for p in Product.objects.filter(client=client, sku__in=skus)}
    wanted: OrderedDict[int, tuple[Product, int]] = OrderedDict()
    errors = []
    for i, line in enumerate(lines, start=1):
        where = f"row {line['row']}" if "row" in line else f"line {i}"
        product = line.get("product") or products.get(str(line.get("sku", "")).strip())
        if product is None or product.client_id != client.pk:
            errors.append(f"{where}: {client.name} has no SKU '{line.get('sku', '')}'")
            continue
        quantity = line.get("quantity")
        if not isinstance(quantity, int) or quantity <= 0:
            errors.append(f"{where}: quantity must be a positive whole number")
            continue
        previous = wanted.get(product.pk, (product, 0))[1]
        wanted[product.pk] = (product, previous + quantity)
    if errors:
        raise DomainError("; ".join(errors[:10]), field="lines")
    shipment = InboundShipment.objects.create(client=client, warehouse=warehouse, reference=reference,
                                              expected_date=expected_date, carrier=carrier, notes=notes,
                                              created_by=_user(user))
    InboundLine.objects.bulk_create(
        InboundLine(shipment=shipment, product=product, expected_quantity=quantity)
        for product, quantity in wanted.values()
    )
    stock_summary_mark_pairs((product_id, warehouse.pk) for product_id in wanted)
    return shipment


def putaway_suggest(*, product: Product, warehouse: Warehouse) -> Location | None:
    """Suggest where received units of a product go in a warehouse.

    First a pick or reserve location already holding the SKU (pick faces first, then most units);
    else an empty location in the zone where the same client's goods mostly sit (else any zone),
    in walking order. None when the warehouse has no usable location.
    """
    holding = (
        Location.objects.filter(warehouse=warehouse, is_active=True, kind__in=PUTAWAY_KINDS,
                                stock_levels__product=product, stock_levels__on_hand__gt=0)
        .order_by("kind", "-stock_levels__on_hand", "walk_sequence", "pk").first()
    )
    if holding is not None:
        return holding
    occupied = Location.objects.filter(warehouse=warehouse, stock_levels__on_hand__gt=0).values("pk")
    empty = (Location.objects.filter(warehouse=warehouse, is_active=True, kind__in=PUTAWAY_KINDS)
             .exclude(pk__in=occupied))
    zone_row = (
        Location.objects.filter(warehouse=warehouse, kind__in=PUTAWAY_KINDS,
                                stock_levels__product__client_id=product.client_id, stock_levels__on_hand__gt=0)
        .values("zone").annotate(n=Count("pk")).order_by("-n", "zone").first()
    )
    if zone_row is not None:
        in_zone = empty.filter(zone=zone_row["zone"]).order_by("walk_sequence", "pk").first()
        if in_zone is not None:
            return in_zone
    return empty.order_by("kind", "walk_sequence", "pk").first()


def location_other_stock(*, location: Location, product: Product) -> list[StockLevel]:
    """List the stock of other products on hand in a location (the same client's or another's): putting the
    product there mixes the bin, which a person should confirm."""
    return list(StockLevel.objects.filter(location=location, on_hand__gt=0).exclude(product=product)
                .select_related("product__client").order_by("product__client__name", "product__sku", "pk"))


def mixed_bin_message(*, location: Location, product: Product, others: list[StockLevel]) -> str:
    """Say what a bin already holds, naming another client's stock as such (in the active language)."""
    held = ", ".join(
        level.product.sku if level.product.client_id == product.client_id
        else _("%(sku)s of another client (%(client)s)") % {"sku": level.product.sku,
                                                            "client": level.product.client.name}
        for level in others[:3])
    if len(others) > 3:
        held = _("%(held)s and %(count)s more") % {"held": held, "count": len(others) - 3}
    return _("%(location)s holds %(held)s, not %(sku)s. Confirm to put it there anyway, or choose another bin.") % {
        "location": location.code, "held": held, "sku": product.sku}


def _find_product(client: Client, code: str) -> Product | None:
    return (Product.objects.filter(client=client, is_active=True).filter(Q(sku=code) | Q(barcode=code))
            .order_by("pk").first())


@transaction.atomic
def inbound_receive_scan(*, shipment: InboundShipment, code: str, quantity: int = 1, damaged: bool = False,
                         location: Location | None = None, allow_mixing: bool = False, user=None) -> ScanResult:
    """Receive scanned units of an ASN: good units into stock at the putaway location, damaged ones aside.

    A known SKU not on the ASN gets a line with nothing expected (reported as unexpected at close); an
    unknown code is recorded as an unexpected difference and not taken into stock.
    A location chosen by the person that holds another product's or client's stock needs allow_mixing.
    Raises DomainError when the shipment is closed, the quantity is not positive or no location fits;
    MixedBin when the chosen bin would mix stock without allow_mixing.
    """
    code = (code or "").strip()
    if not code:
        raise DomainError(_("Scan or type a SKU or barcode."), field="code")
    if quantity <= 0:
        raise DomainError(_("Quantity must be at least 1."), field="quantity")
    locked = row_lock(InboundShipment, shipment.pk)
    if not locked.can_receive:
        raise DomainError(_("ASN %(reference)s is %(status)s; it cannot receive more.") % {
            "reference": locked.reference, "status": locked.get_status_display().lower()}, field="code")
    product = _find_product(locked.client, code)
    if locked.status == InboundStatus.EXPECTED:
        inbound_transition(shipment=locked, to_status=InboundStatus.RECEIVING, locked=True, user=user,
                           note=gettext_noop("First unit scanned in"))
    if product is None:
        difference = ReceiptDifference.objects.create(
            shipment=locked, kind=DifferenceKind.UNEXPECTED, code=code, quantity=quantity, user=_user(user),
            note=f"Code not known for {locked.client.name}; set aside, not in stock.")
        return ScanResult(message=_("Unknown code %(code)s: %(quantity)s set aside and reported to the client.") % {
            "code": code, "quantity": quantity}, difference=difference)
    line, _created = InboundLine.objects.get_or_create(shipment=locked, product=product,
                                                defaults={"expected_quantity": 0})
    stock_summary_mark_pairs([(product.pk, locked.warehouse_id)])  # what is still expected changes
    if damaged:
        InboundLine.objects.filter(pk=line.pk).update(damaged_quantity=F("damaged_quantity") + quantity)
        line.refresh_from_db()
        return ScanResult(message=ngettext("%(quantity)s × %(sku)s recorded as damaged (not in stock).",
                                           "%(quantity)s × %(sku)s recorded as damaged (not in stock).",
                                           quantity) % {"quantity": quantity, "sku": product.sku}, line=line)
    if location is None:
        location = putaway_suggest(product=product, warehouse=locked.warehouse)
    if location is None:
        raise DomainError(_("%(warehouse)s has no pick or reserve location to put %(sku)s away.") % {
            "warehouse": locked.warehouse.code, "sku": product.sku}, field="location")
    if location.warehouse_id != locked.warehouse_id:
        raise DomainError(_("Location %(location)s is not in %(warehouse)s.") % {
            "location": location.code, "warehouse": locked.warehouse.code}, field="location")
    if not allow_mixing and (others := location_other_stock(location=location, product=product)):
        raise MixedBin(mixed_bin_message(location=location, product=product, others=others), field="location")
    stock_receive(product=product, location=location, quantity=quantity, reference=locked.ledger_reference,
                  reason=f"ASN {locked.reference}", user=user)
    InboundLine.objects.filter(pk=line.pk).update(received_quantity=F("received_quantity") + quantity)
    line.refresh_from_db()
    values = {"quantity": quantity, "sku": product.sku, "location": location.code}
    if line.expected_quantity:
        message = ngettext("%(quantity)s × %(sku)s received into %(location)s.",
                           "%(quantity)s × %(sku)s received into %(location)s.", quantity) % values
    else:
        message = ngettext("%(quantity)s × %(sku)s received into %(location)s (not on the ASN).",
                           "%(quantity)s × %(sku)s received into %(location)s (not on the ASN).", quantity) % values
    return ScanResult(message=message, line=line, location=location)


def inbound_differences(shipment: InboundShipment) -> list[dict]:
    """The differences of an ASN as they stand (recorded unknown codes plus over/short/damaged/unexpected)."""
    rows = [{"kind": d.kind, "label": d.get_kind_display(), "code": d.code, "quantity": d.quantity,
             "note": d.note} for d in shipment.differences.filter(line__isnull=True)]
    for line in shipment.lines.select_related("product"):
        for kind, quantity in _line_differences(line):
            rows.append({"kind": kind, "label": DifferenceKind(kind).label, "code": line.product.sku,
                         "quantity": quantity, "note": ""})
    return rows


def _line_differences(line: InboundLine) -> list[tuple[str, int]]:
    found = []
    if line.expected_quantity == 0 and line.received_quantity:
        found.append((DifferenceKind.UNEXPECTED, line.received_quantity))
    elif line.received_quantity > line.expected_quantity:
        found.append((DifferenceKind.OVER, line.received_quantity - line.expected_quantity))
    if line.expected_quantity > line.received_quantity + line.damaged_quantity:
        found.append((DifferenceKind.SHORT, line.expected_quantity - line.received_quantity - line.damaged_quantity))
    if line.damaged_quantity:
        found.append((DifferenceKind.DAMAGED, line.damaged_quantity))
    return found


@transaction.atomic
def inbound_close(*, shipment: InboundShipment, user=None, cartons: int | None = None,
                  labour_minutes: int | None = None) -> InboundShipment:
    """Close an ASN: record its over/short/damaged/unexpected differences and report them to the client.
    `cartons` and `labour_minutes`, when given, are what receiving took (billed to the client).

    Raises InvalidTransition (a DomainError) when it is already closed or cancelled, DomainError for a
    negative count.
    """
    locked = row_lock(InboundShipment, shipment.pk)
    transition_check(instance=locked, to_status=InboundStatus.CLOSED, transitions=INBOUND_TRANSITIONS)
    for field, value in (("cartons", cartons), ("labour_minutes", labour_minutes)):
        if value is not None:
            if value < 0:
                raise DomainError("Must not be negative.", field=field)
            setattr(locked, field, value)
    differences = []
    for line in locked.lines.select_related("product").order_by("pk"):
        for kind, quantity in _line_differences(line):
            differences.append(ReceiptDifference(shipment=locked, line=line, kind=kind, code=line.product.sku,
                                                 quantity=quantity, user=_user(user)))
    ReceiptDifference.objects.bulk_create(differences)
    inbound_transition(shipment=locked, to_status=InboundStatus.CLOSED, locked=True, user=user,
                       work=[(inbound_report_send, locked.pk)],
                       note=f"{len(differences)} difference(s) reported to the client" if differences else "As expected")
    InboundShipment.objects.filter(pk=locked.pk).update(cartons=locked.cartons, labour_minutes=locked.labour_minutes)
    _mark_lines_changed(locked)  # nothing more is expected from it
    receipt_closed.send(sender=InboundShipment, shipment_id=locked.pk)
    return locked


@transaction.atomic
def inbound_cancel(*, shipment: InboundShipment, user=None) -> InboundShipment:
    """Cancel an ASN before anything was received. Raises InvalidTransition once receiving has started."""
    locked = inbound_transition(shipment=shipment.pk, to_status=InboundStatus.CANCELLED, user=user)
    _mark_lines_changed(locked)
    return locked


@transaction.atomic
def inbound_reverse(*, shipment: InboundShipment, reason: str, user=None) -> InboundShipment:
    """Reverse a closed ASN booked in error: every unit it put away leaves its bin again (a RECEIPT_REVERSAL
    ledger row per bin), the ASN is `reversed`, and billing writes the charge that cancels its receipt.

    All or nothing: raises DomainError without a reason, InvalidTransition unless the ASN is closed, and
    InsufficientStock naming the bin when units it received were since picked, moved or reserved.
    """
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Say why the receipt is reversed."), field="reason")
    locked = row_lock(InboundShipment, shipment.pk)
    transition_check(instance=locked, to_status=InboundStatus.REVERSED, transitions=INBOUND_TRANSITIONS)
    received = (StockMovement.objects.filter(reference=locked.ledger_reference, kind=MovementKind.RECEIPT)
                .values("product_id", "to_location_id", "lot_number").annotate(units=Sum("quantity"))
                .order_by("to_location_id", "product_id", "lot_number"))
    products = Product.objects.in_bulk({row["product_id"] for row in received})
    locations = Location.objects.in_bulk({row["to_location_id"] for row in received})
    for row in received:
        product, location = products[row["product_id"]], locations[row["to_location_id"]]
        try:
            stock_adjust(product=product, location=location, quantity=-row["units"],
                         lot_number=row["lot_number"], kind=MovementKind.RECEIPT_REVERSAL,
                         reference=locked.ledger_reference, reason=f"ASN {locked.reference} reversed: {reason}",
                         user=user)
        except InsufficientStock as exc:
            raise InsufficientStock(_("ASN %(reference)s cannot be reversed: %(reason)s Move or count the units "
                                      "back first.") % {"reference": locked.reference, "reason": exc.message},
                                    field="reason") from exc
    inbound_transition(shipment=locked, to_status=InboundStatus.REVERSED, locked=True, user=user, note=reason)
    _mark_lines_changed(locked)
    receipt_reversed.send(sender=InboundShipment, shipment_id=locked.pk)
    return locked


# The time each step is stamped on the ASN.
INBOUND_STAMPS = {InboundStatus.CLOSED: "closed_at"}


def inbound_transition(*, shipment: InboundShipment | int, to_status: str, user=None, note: str = "",
                       work: Iterable = (), locked: bool = False) -> InboundShipment:
    """Move an ASN to another status, recording who and when (core.transitions.status_transition).

    The step the receiving services share; they do the work around it. With `locked` the caller holds the
    ASN's row lock and passes that instance. Returns the locked, saved ASN.
    Raises InvalidTransition when INBOUND_TRANSITIONS does not allow the move.
    """
    return status_transition(instance=shipment, lock=None if locked else partial(row_lock, InboundShipment),
                             to_status=to_status, transitions=INBOUND_TRANSITIONS, user=user, note=note,
                             stamps=INBOUND_STAMPS, work=work)


def _mark_lines_changed(shipment: InboundShipment) -> None:
    stock_summary_mark_pairs((product_id, shipment.warehouse_id)
                             for product_id in shipment.lines.values_list("product_id", flat=True))
