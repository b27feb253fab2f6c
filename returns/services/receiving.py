"""Receiving and inspection at the returns desk: every stock change through inventory.services; exchanges."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from inventory.choices import MovementKind
from inventory.control.receiving import location_other_stock, mixed_bin_message, putaway_suggest
from inventory.models import Product, StockLevel
from inventory.services import stock_receive, stock_remove
from orders.intake.creation import order_create
from orders.models import Order
from returns.choices import RECEIVABLE_STATUSES, Disposition, Resolution, ReturnStatus
from returns.exceptions import InvalidReturnTransition, MixedBin, ReceivingError
from returns.locks import return_lines_lock, return_lock
from returns.models import ReturnAuthorization, ReturnLine, ReturnUnit
from returns.services.status import _user_or_none, return_event_add, return_transition
from returns.signals import return_inspected
from warehouses.choices import LocationKind
from warehouses.models import Location, Warehouse

RESTOCK_LOCATION_KINDS = frozenset({LocationKind.PICK, LocationKind.RESERVE})


@transaction.atomic
def return_receive_start(*, rma: ReturnAuthorization, user=None) -> ReturnAuthorization:
    """Scan a return's parcel in at the returns desk (status received). Scanning it again changes nothing.

    Raises ReceivingError when the return is not expected back (requested, rejected, finished).
    """
    locked = return_lock(rma.pk)
    if locked.status == ReturnStatus.RECEIVED:
        return locked
    if locked.status not in RECEIVABLE_STATUSES:
        raise ReceivingError(
            f"Return {locked.number} is {locked.get_status_display().lower()}; it cannot be received."
        )
    return return_transition(rma=locked.pk, to_status=ReturnStatus.RECEIVED, user=user, note="Parcel received")


def _find_product(*, rma: ReturnAuthorization, code: str) -> Product:
    code = code.strip()
    if not code:
        raise ReceivingError(_("Scan an item's barcode (or type its SKU)."), field="barcode")
    products = Product.objects.filter(client_id=rma.client_id).filter(Q(barcode=code) | Q(sku__iexact=code))
    product = products.order_by("pk").first()
    if product is None:
        raise ReceivingError(_("“%(code)s” is not a product of %(client)s. Set it aside for a manager.") % {
            "code": code, "client": rma.client.name},
                             field="barcode")
    return product


def returns_area_location(*, warehouse: Warehouse) -> Location:
    """The warehouse's returns area. Raises ReceivingError when it has none."""
    location = (
        Location.objects.filter(warehouse=warehouse, kind=LocationKind.RETURNS, is_active=True).order_by("code").first()
    )
    if location is None:
        raise ReceivingError(f"{warehouse.code} has no active returns area location.", field="location")
    return location


def return_putaway_suggest(*, rma: ReturnAuthorization, product: Product) -> Location | None:
    """Suggest the bin a returned unit of a product is restocked to: the product's existing bins first, then an
    empty bin in its client's usual zone (inventory's putaway suggestion). None without a usable bin."""
    if rma.warehouse_id is None:
        return None
    return putaway_suggest(product=product, warehouse=rma.warehouse)


def _put_away(*, rma: ReturnAuthorization, product: Product, quantity: int, disposition: str,
              location: Location | None, note: str, user, allow_mixing: bool,
              suggest_location: bool) -> tuple[Location, object, object]:
    """Book the units into stock through the ledger according to the disposition; returns (where, in, out)."""
    reference = rma.number
    if disposition == Disposition.RESTOCK:
        if location is None and suggest_location:
            location = return_putaway_suggest(rma=rma, product=product)
            if location is None:
                raise ReceivingError(_("No free pick or reserve bin in %(warehouse)s to suggest: choose the "
                                       "location to restock to.") % {"warehouse": rma.warehouse.code},
                                     field="location")
        if location is None:
            raise ReceivingError(_("Choose the location to restock to."), field="location")
        if location.warehouse_id != rma.warehouse_id or location.kind not in RESTOCK_LOCATION_KINDS:
            raise ReceivingError(_("Restock to a pick or reserve location of %(warehouse)s.") % {
                "warehouse": rma.warehouse.code}, field="location")
        if not allow_mixing and (others := location_other_stock(location=location, product=product)):
            raise MixedBin(mixed_bin_message(location=location, product=product, others=others), field="location")
        movement = stock_receive(product=product, location=location, quantity=quantity, reference=reference,
                                 user=user, kind=MovementKind.RETURN, reason=f"Return {reference}: restocked")
        return location, movement, None
    area = location if location is not None and location.kind == LocationKind.RETURNS else None
    if area is not None and area.warehouse_id != rma.warehouse_id:
        raise ReceivingError(_("Use a returns area of %(warehouse)s.") % {"warehouse": rma.warehouse.code},
                             field="location")
    area = area or returns_area_location(warehouse=rma.warehouse)
    label = {Disposition.REFURBISH: "to refurbish", Disposition.QUARANTINE: "quarantined",
             Disposition.DISPOSE: "received for disposal"}[disposition]
    movement = stock_receive(product=product, location=area, quantity=quantity, reference=reference, user=user,
                             kind=MovementKind.RETURN, reason=f"Return {reference}: {label}")
    if disposition != Disposition.DISPOSE:
        return area, movement, None
    level = StockLevel.objects.get(product=product, location=area, lot_number="")
    out = stock_remove(stock_level_id=level.pk, quantity=quantity, kind=MovementKind.DISPOSE, reference=reference,
                       reason=f"Return {reference}: disposed — {note}", user=user)
    return area, movement, out


@transaction.atomic
def return_unit_receive(
    *,
    rma: ReturnAuthorization,
    barcode: str,
    disposition: str,
    location: Location | None = None,
    quantity: int = 1,
    condition_note: str = "",
    user=None,
    allow_mixing: bool = False,
    suggest_location: bool = False,
) -> list[ReturnUnit]:
    """Scan returned units of one product, inspect them and put them where the disposition says.

    Restock puts them on a pick or reserve location (ledger in; available stock rises, so backorders are
    released); refurbish and quarantine put them in the returns area; dispose books them in and straight out
    with the reason. Units beyond what the return expects are recorded as unexpected. Scanning the first unit
    receives the parcel if that was not done yet.

    Raises ReceivingError for an unknown barcode, a missing location or disposal reason, or a return that is
    not being received. Restocking with no location and suggest_location puts the units in the putaway
    suggestion (return_putaway_suggest). MixedBin when restocking to a bin that holds another product's stock, unless
    allow_mixing says the person confirmed it.
    """
    if disposition not in Disposition.values:
        raise ReceivingError(_("Choose a disposition."), field="disposition")
    if quantity < 1 or quantity > 999:
        raise ReceivingError(_("Quantity must be between 1 and 999."), field="quantity")
    if disposition == Disposition.DISPOSE and not condition_note.strip():
        raise ReceivingError(_("Say why the item is disposed of."), field="condition_note")
    locked = return_lock(rma.pk)
    if locked.status in (ReturnStatus.AUTHORISED, ReturnStatus.IN_TRANSIT):
        locked = return_receive_start(rma=locked, user=user)
    if locked.status != ReturnStatus.RECEIVED:
        raise ReceivingError(_("Return %(rma)s is %(status)s; scan its parcel in first.") % {
            "rma": locked.number, "status": locked.get_status_display().lower()})
    if locked.warehouse_id is None:
        raise ReceivingError("The return has no warehouse; a manager must set one.")
    product = _find_product(rma=locked, code=barcode)
    lines = [line for line in return_lines_lock(locked.pk) if line.product_id == product.pk]
    # Split the scan over the lines that still expect this product, the rest is unexpected.
    parts: list[tuple[ReturnLine | None, int]] = []
    left = quantity
    for line in lines:
        take = min(left, line.outstanding)
        if take > 0:
            parts.append((line, take))
            left -= take
    if left:
        parts.append((None, left))
    units = []
    for line, qty in parts:
        where, movement_in, movement_out = _put_away(
            rma=locked, product=product, quantity=qty, disposition=disposition, location=location,
            note=condition_note.strip(), user=user, allow_mixing=allow_mixing,
            suggest_location=suggest_location,
        )
        if line is not None:
            ReturnLine.objects.filter(pk=line.pk).update(received_quantity=F("received_quantity") + qty,
                                                         updated_at=timezone.now())
        units.append(ReturnUnit.objects.create(
            rma=locked, line=line, product=product, barcode=barcode.strip()[:64], quantity=qty,
            disposition=disposition, location=where, condition_note=condition_note.strip()[:500],
            in_movement=movement_in, out_movement=movement_out, inspected_by=_user_or_none(user),
        ))
        what = "" if line is not None else " (not expected)"
        return_event_add(
            rma=locked, user=user,
            note=f"{qty} × {product.sku}{what}: {Disposition(disposition).label.split(' (')[0].lower()} "
                 f"at {where.code}" + (f" — {condition_note.strip()}" if condition_note.strip() else ""),
        )
    return units


@transaction.atomic
def return_inspection_finish(*, rma: ReturnAuthorization, user=None, note: str = "") -> ReturnAuthorization:
    """Finish receiving: record expected units that did not come back as missing, create the exchange
    order for exchanged units, and mark the return inspected (ready for the refund).

    Raises InvalidReturnTransition unless the return is received.
    """
    locked = return_lock(rma.pk)
    if locked.status != ReturnStatus.RECEIVED:
        raise InvalidReturnTransition(f"Return {locked.number} is {locked.get_status_display().lower()}, "
                                      "not being received.")
    lines = return_lines_lock(locked.pk)
    notes = []
    for line in lines:
        missing = line.outstanding
        if missing != line.missing_quantity:
            ReturnLine.objects.filter(pk=line.pk).update(missing_quantity=missing, updated_at=timezone.now())
        if missing:
            notes.append(f"{missing} × {line.product.sku} expected but not in the parcel")
    unexpected = locked.units.filter(line__isnull=True).select_related("product")
    notes += [f"{u.quantity} × {u.product.sku} not expected" for u in unexpected]
    if note.strip():
        notes.append(note.strip())
    exchange_order = _exchange_order_create(rma=locked, lines=lines, user=user)
    if exchange_order is not None:
        notes.append(f"Exchange order {exchange_order.order_number} created")
    inspected = return_transition(
        rma=locked.pk, to_status=ReturnStatus.INSPECTED, user=user,
        note="; ".join(notes) or "Everything expected came back",
        extra_fields={"exchange_order": exchange_order} if exchange_order is not None else None,
    )
    return_inspected.send(sender=ReturnAuthorization, rma_id=inspected.pk)
    return inspected


def _exchange_order_create(*, rma: ReturnAuthorization, lines: list[ReturnLine], user) -> Order | None:
    wanted: dict[str, int] = {}
    for line in lines:
        if line.resolution != Resolution.EXCHANGE or line.exchange_product_id is None:
            continue
        units = line.received_quantity if line.expects_units else line.quantity
        if units:
            sku = line.exchange_product.sku
            wanted[sku] = wanted.get(sku, 0) + units
    if not wanted or rma.exchange_order_id:
        return None
    original = rma.order
    fields = {name: getattr(original, name) for name in (
        "customer_name", "customer_email", "customer_phone", "ship_name", "ship_company", "ship_address1",
        "ship_address2", "ship_city", "ship_state", "ship_postal_code", "ship_country", "requested_service_level",
        "currency")}
    return order_create(
        channel=original.channel, order_number=f"{original.order_number}-EX-{rma.number[-4:]}",
        lines=[{"sku": sku, "quantity": qty, "unit_price": Decimal("0.00")} for sku, qty in sorted(wanted.items())],
        user=user, actor="returns", note=f"Exchange for return {rma.number} of order {original.order_number}",
        placed_at=timezone.now(), **fields,
    )
