"""The pack station and ship confirmation: every write from a picked order to a shipped one.

shipment_start → pack_scan (each unit; wrong or extra items refused and recorded as caught mis-picks) →
shipment_pack (boxes and weights; the order is `packed`; rate shopping picks the service) →
shipment_label (tracking numbers; label PDFs and ZPL rendered in Celery) →
shipment_ship (handed over: stock leaves the ledger, the order is `shipped`, customer and storefront told).
"""

from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from core.transitions import status_transition, transition_check
from core.work import work_enqueue
from inventory.models import Product
from orders.choices import ChannelKind, OrderStatus
from orders.locks import order_lock
from orders.models import Order
from orders.services import order_allocations_ship, order_event_add, order_transition
from shipping.carriers import adapter_for, package_adapter
from shipping.carriers.base import NotServiceable, PackageSpec
from shipping.cartonization import (
    DEFAULT_DIM_DIVISOR,
    Box,
    CartonizationError,
    Item,
    PackedBox,
    candidate_packings,
    pack,
    recommend,
)
from shipping.choices import (
    MISPICK_RESULTS,
    SHIPMENT_TRANSITIONS,
    NotificationKind,
    NotificationStatus,
    ScanResult,
    ShipmentStatus,
)
from shipping.document_store import document_forget
from shipping.documents import PACKING_SLIP
from shipping.exceptions import (
    CarrierUnavailable,
    InvalidShipmentTransition,
    ItemRefused,
    LabelQueued,
    PackingError,
    RatingError,
)
from shipping.labels import LABEL_PDF
from shipping.locks import shipment_lock
from shipping.models import (
    BoxType,
    CarrierService,
    Manifest,
    Package,
    PackageItem,
    PackScan,
    RateQuote,
    Shipment,
    ShipmentNotification,
)
from shipping.printing import print_job_send, print_jobs_cancel, shipment_labels_print
from shipping.rating import Candidate, RateShopResult, candidates_from_packings, distance_miles, rate_shop
from shipping.signals import shipment_label_voided, shipment_labelled, shipment_shipped
from shipping.task_names import (
    MANIFEST_PDF_TASK,
    SHIPMENT_DOCUMENTS_TASK,
    SHIPMENT_LABEL_TASK,
    SHIPMENT_NOTIFY_TASK,
)


def _user_or_none(user):
    return user if getattr(user, "is_authenticated", False) else None


# --- reads the services share --------------------------------------------------------------------------

def box_from_model(box_type: BoxType) -> Box:
    outer = box_type.outer_dims_mm
    return Box(key=box_type.code, length=box_type.inner_length_mm, width=box_type.inner_width_mm,
               height=box_type.inner_height_mm, outer_length=outer[0], outer_width=outer[1], outer_height=outer[2],
               tare_g=box_type.tare_weight_g, max_weight_g=box_type.max_weight_g, cost=box_type.cost,
               preferred=box_type.client_id is not None)


def box_types_for_order(order: Order):
    """Active boxes of the order's warehouse with stock: the warehouse's own and this client's packaging."""
    return (BoxType.objects.filter(warehouse_id=order.warehouse_id, is_active=True, stock_count__gt=0)
            .filter(Q(client__isnull=True) | Q(client_id=order.client_id)).order_by("pk"))


def expected_units(order: Order) -> dict[int, int]:
    """Units per product the order ships."""
    counts: Counter[int] = Counter()
    for product_id, quantity in order.lines.filter(product__isnull=False).values_list("product_id", "quantity"):
        counts[product_id] += quantity
    return dict(counts)


def verified_units(shipment: Shipment) -> dict[int, int]:
    return dict(Counter(shipment.scans.filter(result=ScanResult.ACCEPTED).values_list("product_id", flat=True)))


def order_items(order: Order, units: dict[int, int] | None = None) -> list[Item]:
    units = units if units is not None else expected_units(order)
    products = Product.objects.in_bulk(list(units))
    items = []
    for product_id, quantity in sorted(units.items()):
        p = products[product_id]
        items += [Item(key=str(p.pk), length=max(p.length_mm, 1), width=max(p.width_mm, 1),
                       height=max(p.height_mm, 1), weight_g=p.weight_g)] * quantity
    return items


def usable_box_types(order: Order) -> list[BoxType]:
    """The boxes this order may go in: those in stock for it, or only the one a rule requires.

    Raises PackingError when there is none."""
    box_types = list(box_types_for_order(order))
    if order.box_type_code:  # a rule (orders.rules) chose the packaging
        box_types = [b for b in box_types if b.code.lower() == order.box_type_code.lower()]
        if not box_types:
            raise PackingError(f"A rule requires box type {order.box_type_code}, which this warehouse does not "
                               "have in stock for this client; add it or change the rule.")
    if not box_types:
        raise PackingError("This warehouse has no box types in stock; add boxes first.")
    return box_types


@dataclass
class PackPlan:
    """What the pack station shows: the boxes to use (with their items) and the rate compared for them."""

    packages: list[PackedBox]
    rates: RateShopResult | None
    warning: str = ""

    @property
    def chosen(self):
        return self.rates.chosen if self.rates else None


def pack_plan(*, order: Order, deliver_by: datetime.date | None = None, strict: bool = False) -> PackPlan:
    """Recommend boxes for an order, choosing box and service together when rates are available.

    Raises PackingError when an item fits no box (or the warehouse has no boxes); with strict=True also
    RatingError when no rate can be given (the pack station instead falls back to the lowest billable weight).
    """
    if order.warehouse_id is None:
        raise PackingError(f"Order {order.order_number} has no warehouse yet; it is rated once it is routed.")
    boxes = [box_from_model(b) for b in usable_box_types(order)]
    items = order_items(order)
    billings = sorted(set(CarrierService.objects.filter(is_active=True)
                          .values_list("dim_divisor", "dim_min_volume_in3")))
    if not items:
        raise PackingError(f"Order {order.order_number} has nothing to pack.")
    try:
        packings = candidate_packings(items, boxes, billings or [DEFAULT_DIM_DIVISOR])
    except CartonizationError as exc:
        raise PackingError(str(exc)) from exc
    try:
        rates = rate_shop(order=order, warehouse=order.warehouse, candidates=candidates_from_packings(packings),
                          deliver_by=deliver_by)
    except RatingError as exc:
        if strict:
            raise
        # No rates (no cards loaded, an unknown ZIP): the lowest billable weight still gives a good box.
        return PackPlan(packages=recommend(items, boxes).packages, rates=None, warning=exc.message)
    if rates.chosen is None:
        return PackPlan(packages=recommend(items, boxes).packages, rates=rates, warning=rates.reason)
    rates.reason = packaging_note(order, [p.box for p in rates.chosen.candidate.packing],
                                  [box_from_model(b) for b in box_types_for_order(order)]) + rates.reason
    return PackPlan(packages=rates.chosen.candidate.packing, rates=rates)


def packaging_note(order: Order, used: list[Box], in_stock: list[Box]) -> str:
    """Say why fewer boxes were compared than the warehouse has: a rule chose the packaging, or the client's
    own packaging holds the order (it is then the only packaging considered)."""
    if order.box_type_code:
        return f"A rule requires box {order.box_type_code}, so no other box was compared. "
    if used and all(b.preferred for b in used) and any(not b.preferred for b in in_stock):
        codes = ", ".join(sorted({b.key for b in used}))
        return (f"The client's own packaging ({codes}) holds this order and is always used when it does, so the "
                "warehouse's boxes were not compared. ")
    return ""


# --- the pack station ----------------------------------------------------------------------------------

# The time each step is stamped on the shipment.
SHIPMENT_STAMPS = {ShipmentStatus.PACKED: "packed_at", ShipmentStatus.LABELLED: "labelled_at",
                   ShipmentStatus.SHIPPED: "shipped_at"}


def _shipment_subject(shipment: Shipment) -> str:
    return f"Shipment of order {shipment.order.order_number}"


def _check_transition(shipment: Shipment, to_status: str) -> None:
    """Refuse a move SHIPMENT_TRANSITIONS does not allow before any side effect (the move checks again)."""
    transition_check(instance=shipment, to_status=to_status, transitions=SHIPMENT_TRANSITIONS,
                     subject=_shipment_subject, error=InvalidShipmentTransition)


def shipment_transition(*, shipment: Shipment | int, to_status: str, user=None, note: str = "",
                        fields: dict | None = None, at: datetime.datetime | None = None,
                        locked: bool = False) -> Shipment:
    """Move a shipment to another status, recording who and when (core.transitions.status_transition).

    The step the pack-station services share; they do the work around it. With `locked` the caller holds
    the shipment's row lock and passes that instance. Returns the locked, saved shipment.
    Raises InvalidShipmentTransition when SHIPMENT_TRANSITIONS does not allow the move.
    """
    return status_transition(instance=shipment, lock=None if locked else shipment_lock, to_status=to_status,
                             transitions=SHIPMENT_TRANSITIONS, user=user, note=note, subject=_shipment_subject,
                             stamps=SHIPMENT_STAMPS, fields=fields, error=InvalidShipmentTransition, at=at)


@transaction.atomic
def shipment_start(*, order: Order, user=None, station: str = "") -> Shipment:
    """Open the pack-station shipment of a picked order, or return the one already open.

    Raises PackingError when the order is not picked or has no warehouse.
    """
    locked = order_lock(order.pk)
    existing = Shipment.objects.filter(order=locked, status__in=[ShipmentStatus.PACKING, ShipmentStatus.PACKED,
                                                                 ShipmentStatus.LABELLED]).first()
    if existing is not None:
        return existing
    if locked.status != OrderStatus.PICKED:
        raise PackingError(f"Order {locked.order_number} is {locked.get_status_display().lower()}; "
                           "only picked orders can be packed.")
    if locked.warehouse_id is None:
        raise PackingError(f"Order {locked.order_number} has no warehouse.")
    try:
        with transaction.atomic():
            return Shipment.objects.create(order=locked, warehouse_id=locked.warehouse_id, station=station[:40])
    except IntegrityError:  # another station opened it a moment ago
        return Shipment.objects.get(order=locked, status=ShipmentStatus.PACKING)


def pack_scan(*, shipment: Shipment, barcode: str, user=None) -> PackScan:
    """Count one scanned unit into the shipment.

    A product not on the order, one unit too many or an unknown barcode is recorded (a caught mis-pick) and
    then refused with ItemRefused. Raises InvalidShipmentTransition when packing is already confirmed.
    """
    code = (barcode or "").strip()
    if not code:
        raise PackingError("Scan or type a barcode.", field="barcode")
    with transaction.atomic():
        locked = shipment_lock(shipment.pk)
        if locked.status != ShipmentStatus.PACKING:
            raise InvalidShipmentTransition(f"Packing of order {locked.order.order_number} is already confirmed.")
        expected = expected_units(locked.order)
        on_order = Product.objects.filter(pk__in=list(expected))
        product = (on_order.filter(barcode=code).first() or on_order.filter(sku__iexact=code).first())
        if product is None:
            stranger = Product.objects.filter(client_id=locked.order.client_id).filter(
                Q(barcode=code) | Q(sku__iexact=code)).first()
            if stranger is not None:
                result = ScanResult.WRONG_ITEM
                message = f"WRONG ITEM: {stranger.sku} ({stranger.name}) is not on order {locked.order.order_number}. " \
                          "Put it aside for restocking."
            else:
                result = ScanResult.UNKNOWN_BARCODE
                message = f"UNKNOWN BARCODE {code}: no product of {locked.order.client.name} has it."
            product = stranger
        else:
            done = locked.scans.filter(result=ScanResult.ACCEPTED, product=product).count()
            if done >= expected[product.pk]:
                result = ScanResult.EXTRA_ITEM
                message = (f"ONE TOO MANY: the order has {expected[product.pk]} × {product.sku} and all are "
                           "verified. Take this one out.")
            else:
                result = ScanResult.ACCEPTED
                message = f"{product.sku}: {done + 1} of {expected[product.pk]}"
        scan = PackScan.objects.create(shipment=locked, barcode=code[:64], product=product, result=result,
                                       message=message[:255], user=_user_or_none(user))
    if result != ScanResult.ACCEPTED:
        raise ItemRefused(message)
    return scan


@dataclass(frozen=True)
class PackageInput:
    box_type: BoxType | None  # None only for shipment_plan: the best box for the items is chosen
    weight_g: int
    items: dict[int, int]  # product id -> units


def _packages_check(order: Order, packages: list[PackageInput], *, weighed: bool) -> list[PackageSpec]:
    """Check that the packages hold exactly the order's units, each box may be used for it and holds its items
    (and, once weighed, that each weight is within its box's limit); return each package's spec.

    Raises PackingError naming the package."""
    if not packages:
        raise PackingError("Add at least one package.", field="packages")
    expected = expected_units(order)
    packed_units: Counter[int] = Counter()
    for package in packages:
        packed_units.update(package.items)
    if dict(+packed_units) != expected:
        raise PackingError("The packages' contents do not match the order's units.", field="packages")
    specs = []
    for number, package in enumerate(packages, start=1):
        box = package.box_type
        if box.warehouse_id != order.warehouse_id or (box.client_id and box.client_id != order.client_id):
            raise PackingError(f"Box {box.code} cannot be used for this order.", field="box")
        if weighed and package.weight_g <= 0:
            raise PackingError(f"Package {number}: enter the weight from the scale.", field="weight")
        if package.weight_g > box.max_weight_g:
            raise PackingError(f"Package {number}: {package.weight_g} g is over box {box.code}'s limit of "
                               f"{box.max_weight_g} g.", field="weight")
        items = order_items(order, {pid: q for pid, q in package.items.items() if q})
        if pack(box_from_model(box), items) is None:
            raise PackingError(f"Package {number}: those items do not fit in box {box.code}.", field="box")
        outer = box.outer_dims_mm
        specs.append(PackageSpec(outer[0], outer[1], outer[2], package.weight_g))
    return specs


def _missing_units(shipment: Shipment) -> dict[int, int]:
    expected = expected_units(shipment.order)
    verified = verified_units(shipment)
    return {pid: qty - verified.get(pid, 0) for pid, qty in expected.items() if verified.get(pid, 0) < qty}


def planned_inputs(shipment: Shipment) -> list[PackageInput]:
    """The packages given before weighing (shipment_plan), as inputs without weights."""
    rows = shipment.planned_packages or []
    boxes = BoxType.objects.in_bulk([row["box_type"] for row in rows])
    return [PackageInput(box_type=boxes[row["box_type"]], weight_g=0,
                         items={int(pid): int(qty) for pid, qty in row["items"].items()}) for row in rows
            if row["box_type"] in boxes]


@transaction.atomic
def shipment_plan(*, shipment: Shipment, packages: list[PackageInput] | None = None, user=None) -> Shipment:
    """Record the boxes and the items of each package before the scale weighs them (shipment_weigh packs).

    Without packages the recommended plan (pack_plan) is recorded; a package given without a box
    (box_type None) goes in the best single box for its items. Raises PackingError when the packages do not
    hold the order's units, a box cannot be used or does not hold its items; InvalidShipmentTransition once
    packing is confirmed."""
    locked = shipment_lock(shipment.pk)
    if locked.status != ShipmentStatus.PACKING:
        raise InvalidShipmentTransition(f"Packing of order {locked.order.order_number} is already confirmed.",
                                        field="status")
    order = locked.order
    if packages is None:
        by_code = {b.code: b for b in usable_box_types(order)}
        packages = [PackageInput(box_type=by_code[p.box.key], weight_g=0,
                                 items=dict(Counter(int(i.key) for i in p.items)))
                    for p in pack_plan(order=order).packages]
    chosen = []
    for number, package in enumerate(packages, start=1):
        box = package.box_type
        if box is None:
            box = _best_single_box(order, package.items, number)
        chosen.append(PackageInput(box_type=box, weight_g=0, items=package.items))
    _packages_check(order, chosen, weighed=False)
    locked.planned_packages = [{"box_type": p.box_type.pk,
                                "items": {str(pid): qty for pid, qty in sorted(p.items.items()) if qty}}
                               for p in chosen]
    locked.save(update_fields=["planned_packages", "updated_at"])
    return locked


def _best_single_box(order: Order, units: dict[int, int], number: int) -> BoxType:
    box_types = usable_box_types(order)
    on_order = expected_units(order)
    items = order_items(order, {pid: q for pid, q in units.items() if q and pid in on_order})
    if not items:
        raise PackingError(f"Package {number}: give the items it holds.", field="packages")
    try:
        packing = recommend(items, [box_from_model(b) for b in box_types]).packages
    except CartonizationError as exc:
        raise PackingError(f"Package {number}: {exc}", field="packages") from exc
    if len(packing) != 1:
        raise PackingError(f"Package {number}: its items need {len(packing)} boxes; split them into packages.",
                           field="packages")
    return next(b for b in box_types if b.code == packing[0].box.key)


def shipment_weigh(*, shipment: Shipment, weights_g: dict[int, int], user=None,
                   deliver_by: datetime.date | None = None) -> Shipment:
    """Take the scale's weight of each planned package (by package number) and confirm the packing with
    shipment_pack: the order becomes `packed` and rate shopping picks the service.

    Raises PackingError without a plan, when a package's weight is missing or unknown, or for any reason
    shipment_pack refuses (units not all verified, overweight)."""
    packages = planned_inputs(Shipment.objects.get(pk=shipment.pk))
    if not packages:
        raise PackingError("Give the packages (boxes and items) before weighing them.", field="packages")
    numbers = set(range(1, len(packages) + 1))
    if set(weights_g) != numbers:
        raise PackingError(f"Weigh every package: numbers {', '.join(map(str, sorted(numbers)))}.",
                           field="packages")
    weighed = [PackageInput(box_type=p.box_type, weight_g=weights_g[n], items=p.items)
               for n, p in enumerate(packages, start=1)]
    return shipment_pack(shipment=shipment, packages=weighed, user=user, deliver_by=deliver_by)


@transaction.atomic
def shipment_pack(*, shipment: Shipment, packages: list[PackageInput], user=None,
                  deliver_by: datetime.date | None = None) -> Shipment:
    """Confirm the boxes, weights and contents; the order becomes `packed` and rate shopping picks the service.

    Raises PackingError when units are unverified, contents do not match the order, an item does not fit its
    box, a box is overweight or out of stock; InvalidTransition when the order cannot be packed.
    """
    order = order_lock(shipment.order_id)
    locked = shipment_lock(shipment.pk)
    _check_transition(locked, ShipmentStatus.PACKED)
    missing = _missing_units(locked)
    if missing:
        skus = dict(Product.objects.filter(pk__in=list(missing)).values_list("pk", "sku"))
        raise PackingError("Not every unit is verified yet: " + ", ".join(
            f"{qty} × {skus[pid]}" for pid, qty in missing.items()) + ".")
    specs = _packages_check(order, packages, weighed=True)
    # Box stock: one row update each; the CheckConstraint refuses going below zero.
    for box_id, count in Counter(p.box_type.pk for p in packages).items():
        try:
            with transaction.atomic():
                BoxType.objects.filter(pk=box_id).update(stock_count=F("stock_count") - count)
        except IntegrityError as exc:
            code = BoxType.objects.get(pk=box_id).code
            raise PackingError(f"No {code} boxes left in stock; choose another box.", field="box") from exc
    for number, (package, spec) in enumerate(zip(packages, specs, strict=True), start=1):
        row = Package.objects.create(shipment=locked, number=number, box_type=package.box_type,
                                     length_mm=spec.length_mm, width_mm=spec.width_mm, height_mm=spec.height_mm,
                                     weight_g=package.weight_g)
        PackageItem.objects.bulk_create(PackageItem(package=row, product_id=pid, quantity=qty)
                                        for pid, qty in sorted(package.items.items()) if qty)
    candidate = Candidate(boxes=[p.box_type.code for p in packages], specs=specs,
                          box_cost=sum((p.box_type.cost for p in packages), Decimal("0")))
    locked.box_cost = candidate.box_cost
    try:
        result = rate_shop(order=order, warehouse=order.warehouse, candidates=[candidate], deliver_by=deliver_by)
    except RatingError as exc:
        result = None
        locked.rate_reason = f"Not rated: {exc.message} Choose a service before printing the label."
    if result is not None:
        result.reason = packaging_note(order, [box_from_model(p.box_type) for p in packages],
                                       [box_from_model(b) for b in box_types_for_order(order)]) + result.reason
        _store_rates(locked, result)
    boxes = ", ".join(candidate.boxes)
    note = f"Packed in {len(packages)} package(s): {boxes}."
    rated = {"service": locked.service, "shipping_cost": locked.shipping_cost, "rate_reason": locked.rate_reason}
    shipment_transition(shipment=locked, to_status=ShipmentStatus.PACKED, locked=True, user=user, note=note,
                        fields={"packed_by": _user_or_none(user), "box_cost": locked.box_cost, **rated})
    order_transition(order=order, to_status=OrderStatus.PACKED, user=user, note=note)
    return locked


def _store_rates(shipment: Shipment, result: RateShopResult) -> None:
    shipment.rate_quotes.all().delete()
    RateQuote.objects.bulk_create(
        RateQuote(shipment=shipment, service=o.service, boxes=(o.candidate.label if o.candidate else "")[:255],
                  packages=len(o.candidate.specs) if o.candidate else 0, billable_weight_lb=o.billable_weight_lb,
                  zone=o.quote.zone if o.quote else 0, shipping_cost=o.shipping_cost, box_cost=o.box_cost,
                  total=o.total, eligible=o.eligible, note=o.note[:255], chosen=o is result.chosen)
        for o in result.options
    )
    chosen = result.chosen
    shipment.service = chosen.service if chosen else None
    shipment.shipping_cost = chosen.shipping_cost if chosen else Decimal("0")
    shipment.rate_reason = result.reason
    if chosen:
        for package, weight, price in zip(shipment.packages.order_by("number"), chosen.quote.billable_weights_lb,
                                          chosen.quote.package_prices, strict=True):
            package.billable_weight_lb, package.price = weight, price
            package.save(update_fields=["billable_weight_lb", "price", "updated_at"])


def shipment_label(*, shipment: Shipment, user=None, service: CarrierService | None = None) -> Shipment:
    """Buy the label: tracking numbers from the carrier for every package, label PDFs and ZPL rendered
    after commit. A service given here overrides rate shopping's choice (re-priced).

    Through a label gateway the purchase happens once even when retried: each package's gateway shipment is
    stored and committed before anything is bought. When the gateway does not answer (timeout, 5xx) the
    purchase is queued as durable work that retries with backoff, and LabelQueued says so.
    Raises PackingError without a service, CarrierError (with the carrier's message) when the carrier refuses.
    """
    try:
        return _shipment_label(shipment_id=shipment.pk, user=user, service=service)
    except LabelQueued:
        raise
    except CarrierUnavailable as exc:
        note = f"{exc.message} The label is bought automatically once the carrier answers."
        with transaction.atomic():
            Shipment.objects.filter(pk=shipment.pk).update(label_error=note, updated_at=timezone.now())
            work_enqueue(SHIPMENT_LABEL_TASK, shipment.pk)
        current = Shipment.objects.get(pk=shipment.pk)
        if current.status == ShipmentStatus.LABELLED:  # without a broker the retry has just run, and worked
            return current
        raise LabelQueued(note) from exc


def shipment_label_retry(*, shipment_id: int) -> Shipment | None:
    """Buy the label of a packed shipment whose purchase was queued (the carrier did not answer).

    Does nothing for a shipment that is gone or no longer packed (bought meanwhile, cancelled); safe to run
    twice. Raises CarrierUnavailable (retried with backoff) or CarrierError (final).
    """
    shipment = Shipment.objects.filter(pk=shipment_id).first()
    if shipment is None or shipment.status != ShipmentStatus.PACKED or shipment.service_id is None:
        return None
    return _shipment_label(shipment_id=shipment_id, user=None, service=None, actor="label gateway retry")


def shipment_label_failed(shipment_id: int, message: str) -> bool:
    """Record on the shipment why its queued label purchase failed for good (the page shows it)."""
    return bool(Shipment.objects.filter(pk=shipment_id).update(label_error=message[:2000], updated_at=timezone.now()))


def _shipment_label(*, shipment_id: int, user, service: CarrierService | None, actor: str = "") -> Shipment:
    # Step 1, committed on its own: the service and its price, and each package's gateway shipment, so that a
    # purchase retried after a lost answer finds what it bought instead of buying again.
    with transaction.atomic():
        locked = shipment_lock(shipment_id)
        _check_transition(locked, ShipmentStatus.LABELLED)
        service = service or locked.service
        if service is None:
            raise PackingError("Choose a carrier service first.", field="service")
        order = locked.order
        packages = list(locked.packages.order_by("number"))
        adapter = adapter_for(service.carrier, order=order, warehouse=locked.warehouse)
        if service.pk != locked.service_id:
            specs = [PackageSpec(p.length_mm, p.width_mm, p.height_mm, p.weight_g) for p in packages]
            try:
                quote = adapter.quote(service, packages=specs,
                                      distance_miles=distance_miles(locked.warehouse, order.ship_postal_code,
                                                                    order.ship_country or "US"),
                                      residential=not order.ship_company)
            except NotServiceable as exc:
                raise PackingError(f"{service} cannot take this shipment: {exc}", field="service") from exc
            for package, weight, price in zip(packages, quote.billable_weights_lb, quote.package_prices,
                                              strict=True):
                package.billable_weight_lb, package.price = weight, price
                package.save(update_fields=["billable_weight_lb", "price", "updated_at"])
            locked.rate_reason += f" Service changed by {getattr(user, 'username', 'staff')} to {service}."
            locked.service, locked.shipping_cost = service, quote.total
            locked.rate_quotes.update(chosen=False)
            locked.save(update_fields=["service", "shipping_cost", "rate_reason", "updated_at"])
        for package in packages:
            fields = adapter.label_prepare(service, package=package)
            if fields:
                for name, value in fields.items():
                    setattr(package, name, value)
                package.save(update_fields=[*fields, "updated_at"])
    # Step 2: buy. A failure here rolls back only what Dockhand wrote; the gateway shipments stay known.
    with transaction.atomic():
        locked = shipment_lock(shipment_id)
        _check_transition(locked, ShipmentStatus.LABELLED)
        packages = list(locked.packages.select_related("gateway_account").order_by("number"))
        for package in packages:
            label = adapter.label_buy(service, package=package)
            package.carrier = service.carrier
            package.tracking_number = label.tracking_number
            package.gateway_label_url = label.label_url
            if label.price is not None:
                package.price = label.price
            package.save(update_fields=["carrier", "tracking_number", "gateway_label_url", "price", "updated_at"])
        if any(p.gateway_account_id for p in packages):
            locked.shipping_cost = sum((p.price for p in packages), Decimal("0"))
        numbers = ", ".join(p.tracking_number for p in packages)
        note = f"Label bought: {service}, tracking {numbers}."
        rated = {"service": locked.service, "shipping_cost": locked.shipping_cost, "rate_reason": locked.rate_reason,
                 "label_error": ""}
        shipment_transition(shipment=locked, to_status=ShipmentStatus.LABELLED, locked=True, user=user, note=note,
                            fields=rated)
        order_event_add(order=locked.order, user=user, actor=actor, note=note)
        shipment_labelled.send(sender=Shipment, shipment_id=locked.pk)
        work_enqueue(SHIPMENT_DOCUMENTS_TASK, locked.pk)
        shipment_labels_print(shipment=locked, user=user)
    return locked


@transaction.atomic
def shipment_label_void(*, shipment: Shipment, user=None, reason: str = "") -> Shipment:
    """Void the labels of a labelled shipment: each package's postage is refunded at its carrier (a label
    gateway), its tracking number (never given out again), label files and the packing slip are dropped, prints
    not yet sent are cancelled, and the shipment is packed again, ready for a new label.

    Raises InvalidShipmentTransition unless the label is bought and not handed over; CarrierError (with the
    carrier's message) when the carrier refuses the refund, CarrierUnavailable when it does not answer.
    """
    locked = shipment_lock(shipment.pk)
    # packing -> packed is an allowed move too, so the table alone would let a shipment with no label be "voided"
    if locked.status != ShipmentStatus.LABELLED:
        raise InvalidShipmentTransition(f"{_shipment_subject(locked)} has no label to void "
                                        f"(it is {locked.get_status_display().lower()}).", field="status")
    packages = list(locked.packages.select_related("carrier", "gateway_account").order_by("number"))
    numbers = ", ".join(p.tracking_number for p in packages if p.tracking_number)
    for package in packages:
        if package.carrier_id:
            package_adapter(package).label_void(package=package)
        document_forget(LABEL_PDF, package)
        package.tracking_number, package.label_zpl, package.gateway_label_url = "", "", ""
        package.gateway_shipment_id, package.gateway_account, package.carrier = "", None, None
        package.save(update_fields=["tracking_number", "label_zpl", "gateway_label_url", "gateway_shipment_id",
                                    "gateway_account", "carrier", "label_pdf", "updated_at"])
    document_forget(PACKING_SLIP, locked)
    print_jobs_cancel(packages=packages)
    note = f"Label voided: {numbers}" + (f" ({reason.strip()})." if reason.strip() else ".")
    # packed_at keeps when it was packed: voiding is not packing again
    shipment_transition(shipment=locked, to_status=ShipmentStatus.PACKED, locked=True, user=user, note=note,
                        fields={"labelled_at": None, "packed_at": locked.packed_at,
                                "packing_slip_pdf": locked.packing_slip_pdf})
    order_event_add(order=locked.order, user=user, note=note)
    shipment_label_voided.send(sender=Shipment, shipment_id=locked.pk)
    return locked


@transaction.atomic
def package_labels_printed(*, package_ids: list[int], user=None) -> int:
    """Record that the floor printed these packages' labels: who and when, on the package and the order's
    timeline. Only the first print counts; a reprint keeps it. Returns how many were printed for the first time.
    """
    packages = list(Package.objects.filter(pk__in=package_ids, label_printed_at__isnull=True)
                    .exclude(tracking_number="").select_related("shipment__order")
                    .order_by("pk").select_for_update(of=("self",)))
    if not packages:
        return 0
    now = timezone.now()
    Package.objects.filter(pk__in=[p.pk for p in packages]).update(
        label_printed_at=now, label_printed_by=_user_or_none(user), updated_at=now)
    by_order: dict[int, tuple[Order, list[str]]] = {}
    for package in packages:
        by_order.setdefault(package.shipment.order_id, (package.shipment.order, []))[1].append(
            package.tracking_number)
    for order, numbers in by_order.values():
        order_event_add(order=order, user=user, note=f"Label printed: {', '.join(numbers)}.")
    return len(packages)


def print_job_run(*, job_id: int, final: bool = False):
    """Send one print job (shipping.printing.print_job_send); a label the printer took counts as printed, by
    whoever queued it, as a download from the pack page does. Raises what print_job_send raises."""
    job = print_job_send(job_id=job_id, final=final)
    if job is not None and job.printed_at is not None and job.document == "label" and job.package_id:
        package_labels_printed(package_ids=[job.package_id], user=job.created_by)
    return job


def shipment_ship(*, shipment: Shipment, user=None) -> Shipment:
    """Hand the packages over to the carrier: the stock leaves the ledger, the order is `shipped`, and the
    customer email and storefront update are queued after commit.

    Raises InvalidShipmentTransition unless the label is bought; InsufficientStock if reservations are gone.
    """
    with transaction.atomic():
        # Lock order: Order → StockLevel (in stock_remove) → Shipment, as everywhere else.
        order = order_lock(shipment.order_id)
        current = Shipment.objects.get(pk=shipment.pk)
        _check_transition(current, ShipmentStatus.SHIPPED)
        numbers = ", ".join(current.packages.order_by("number").values_list("tracking_number", flat=True))
        order_allocations_ship(order=order, reason=f"Shipped, tracking {numbers}", user=user)
        locked = shipment_lock(shipment.pk)
        _check_transition(locked, ShipmentStatus.SHIPPED)
        now = timezone.now()
        locked.packages.update(handed_over_at=now)
        service = locked.service
        note = f"Handed over to {service.carrier.name if service else 'the carrier'}: {numbers}."
        shipment_transition(shipment=locked, to_status=ShipmentStatus.SHIPPED, locked=True, user=user, note=note,
                            at=now)
        order_transition(order=order, to_status=OrderStatus.SHIPPED, user=user, note=note)
        notifications = _notifications_create(locked, order)
        shipment_shipped.send(sender=Shipment, shipment_id=locked.pk)

    for notification in notifications:
        work_enqueue(SHIPMENT_NOTIFY_TASK, notification.pk)
    return locked


def _notifications_create(shipment: Shipment, order: Order) -> list[ShipmentNotification]:
    created = []
    email_status = NotificationStatus.PENDING if order.customer_email else NotificationStatus.SKIPPED
    created.append(ShipmentNotification.objects.create(
        shipment=shipment, channel_id=order.channel_id, kind=NotificationKind.CUSTOMER_EMAIL, status=email_status,
        last_error="" if order.customer_email else "The order has no customer email."))
    has_store = order.channel.kind in (ChannelKind.SHOPIFY, ChannelKind.WOOCOMMERCE) and order.external_id
    created.append(ShipmentNotification.objects.create(
        shipment=shipment, channel_id=order.channel_id, kind=NotificationKind.STOREFRONT,
        status=NotificationStatus.PENDING if has_store else NotificationStatus.SKIPPED,
        last_error="" if has_store else "The channel has no storefront to tell."))
    return [n for n in created if n.status == NotificationStatus.PENDING]


@transaction.atomic
def shipment_cancel(*, shipment: Shipment, user=None, reason: str = "") -> Shipment:
    """Cancel an open shipment (the order was cancelled or is repacked); a bought label is voided.

    Raises InvalidShipmentTransition.
    """
    locked = shipment_lock(shipment.pk)
    was_labelled = locked.status == ShipmentStatus.LABELLED
    locked = shipment_transition(shipment=locked, to_status=ShipmentStatus.CANCELLED, locked=True, user=user,
                                 note=reason)
    if was_labelled:
        shipment_label_voided.send(sender=Shipment, shipment_id=locked.pk)
    if reason:
        order_event_add(order=locked.order, user=user, note=f"Shipment cancelled: {reason}")
    return locked


def mispick_count(*, since: datetime.datetime | None = None, warehouse_id: int | None = None) -> int:
    """Caught mis-picks (refused scans) since a moment, optionally at one warehouse."""
    qs = PackScan.objects.filter(result__in=MISPICK_RESULTS)
    if since is not None:
        qs = qs.filter(created_at__gte=since)
    if warehouse_id is not None:
        qs = qs.filter(shipment__warehouse_id=warehouse_id)
    return qs.count()


@transaction.atomic
def manifest_close(*, carrier, warehouse, user=None, manifest_date: datetime.date | None = None):
    """Close the day for one carrier at one warehouse: every handed-over package not yet on a manifest goes on
    a new one, whose PDF is rendered after commit. Raises PackingError when there is nothing to list."""
    packages = (Package.objects.select_for_update(of=("self",))
                .filter(carrier=carrier, shipment__warehouse=warehouse, shipment__status=ShipmentStatus.SHIPPED,
                        manifest__isnull=True).order_by("pk"))
    ids = list(packages.values_list("pk", flat=True))
    if not ids:
        raise PackingError(f"No {carrier.name} packages handed over at {warehouse.code} are waiting for a manifest.")
    manifest = Manifest.objects.create(carrier=carrier, warehouse=warehouse, closed_by=_user_or_none(user),
                                       manifest_date=manifest_date or timezone.localdate())
    Package.objects.filter(pk__in=ids).update(manifest=manifest)
    work_enqueue(MANIFEST_PDF_TASK, manifest.pk)
    return manifest
