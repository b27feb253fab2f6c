"""Rate shopping: the box (or boxes) and the carrier service chosen together for the lowest total cost.

Every candidate packing from cartonization is priced with every active service, each at its own DIM divisor,
so a larger box that a carrier prices well can win over the box with the lowest billable weight. A service is
eligible when the client allows its carrier and it arrives within the order's service level (or by a
delivery deadline). The cheapest eligible option wins, unless the client's preferred carrier is within the
client's tolerance of it. The result keeps every option compared and a sentence saying why.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import timezone

from orders.choices import ServiceLevel
from shipping.carriers import adapter_for
from shipping.carriers.base import NotServiceable, PackageSpec, Quote
from shipping.cartonization import DEFAULT_DIM_DIVISOR, Packing, billable_weight_lb
from shipping.exceptions import RatingError
from shipping.models import CarrierService, ClientShippingProfile
from warehouses.geo import great_circle_km, us_zip_coordinates

KM_PER_MILE = 1.609344
# Business days a service may take for each requested level; economy takes whatever is cheapest.
SERVICE_LEVEL_MAX_DAYS: dict[str, int | None] = {
    ServiceLevel.OVERNIGHT: 1,
    ServiceLevel.EXPEDITED: 2,
    ServiceLevel.STANDARD: 5,
    ServiceLevel.ECONOMY: None,
}


@dataclass
class Candidate:
    """One way to box the order: its packages as the carrier sees them, and what the boxes cost."""

    boxes: list[str]
    specs: list[PackageSpec]
    box_cost: Decimal
    packing: Packing | None = None

    @property
    def label(self) -> str:
        return " + ".join(self.boxes)


@dataclass
class RateOption:
    service: CarrierService
    candidate: Candidate | None
    quote: Quote | None
    eligible: bool
    note: str = ""

    @property
    def shipping_cost(self) -> Decimal:
        return self.quote.total if self.quote else Decimal("0")

    @property
    def box_cost(self) -> Decimal:
        return self.candidate.box_cost if self.candidate else Decimal("0")

    @property
    def total(self) -> Decimal:
        return self.shipping_cost + self.box_cost

    @property
    def billable_weight_lb(self) -> int:
        return sum(self.quote.billable_weights_lb) if self.quote else 0


@dataclass
class RateShopResult:
    chosen: RateOption | None
    options: list[RateOption] = field(default_factory=list)
    reason: str = ""
    distance_miles: float | None = 0.0  # None abroad


def candidates_from_packings(packings: list[Packing]) -> list[Candidate]:
    result = []
    for packing in packings:
        result.append(Candidate(
            boxes=[p.box.key for p in packing],
            specs=[PackageSpec(*p.box.outer, weight_g=p.gross_weight_g) for p in packing],
            box_cost=sum((p.box.cost for p in packing), Decimal("0")),
            packing=packing,
        ))
    return result


def business_days_until(start: datetime.date, end: datetime.date) -> int:
    """Weekdays after start up to and including end."""
    days, current = 0, start
    while current < end:
        current += datetime.timedelta(days=1)
        if current.weekday() < 5:
            days += 1
    return days


def distance_miles(warehouse, postal_code: str, country: str = "US") -> float | None:
    """Return the distance from the warehouse to a US ZIP, or None for a destination abroad (the rate cards
    cannot price it; a label gateway can). Raises RatingError for an unknown ZIP."""
    if (country or "US").upper() != "US":
        return None
    coordinates = us_zip_coordinates(postal_code)
    if coordinates is None:
        raise RatingError(f"Unknown destination ZIP code '{postal_code}'.", field="ship_postal_code")
    return great_circle_km(warehouse.latitude, warehouse.longitude, *coordinates) / KM_PER_MILE


def rate_shop(
    *,
    order,
    warehouse,
    candidates: list[Candidate],
    deliver_by: datetime.date | None = None,
    ship_date: datetime.date | None = None,
    services=None,
) -> RateShopResult:
    """Price every candidate with every active service and choose the cheapest eligible pair.

    Raises RatingError for an unknown destination or when there is nothing to price.
    """
    if not candidates:
        raise RatingError("Nothing to rate: no packing fits.")
    miles = distance_miles(warehouse, order.ship_postal_code, order.ship_country or "US")
    services = list(services if services is not None else
                    CarrierService.objects.filter(is_active=True, carrier__is_active=True)
                    .select_related("carrier").order_by("carrier__code", "transit_days", "code"))
    if not services:
        raise RatingError("No carrier services are set up; load the rate cards first.")
    profile = ClientShippingProfile.objects.filter(client_id=order.client_id).first()
    allowed = set(profile.allowed_carriers.values_list("pk", flat=True)) if profile else set()
    level = order.requested_service_level or ServiceLevel.STANDARD
    max_days = SERVICE_LEVEL_MAX_DAYS.get(level)
    ship_date = ship_date or timezone.localdate()
    if deliver_by is not None:
        by_deadline = business_days_until(ship_date, deliver_by)
        if by_deadline < 1:
            raise RatingError(f"Delivery by {deliver_by:%Y-%m-%d} is not possible from {ship_date:%Y-%m-%d}.",
                              field="deliver_by")
        max_days = by_deadline if max_days is None else min(max_days, by_deadline)
    residential = not order.ship_company
    adapters: dict[int, object] = {}
    shared: dict = {}
    options: list[RateOption] = []
    for service in services:
        adapter = adapters.get(service.carrier_id)
        if adapter is None:
            adapter = adapters[service.carrier_id] = adapter_for(service.carrier, order=order, warehouse=warehouse,
                                                                  shared=shared)
        best: RateOption | None = None
        reasons = set()
        for candidate in candidates:
            try:
                quote = adapter.quote(service, packages=candidate.specs, distance_miles=miles,
                                      residential=residential)
            except NotServiceable as exc:
                reasons.add(str(exc))
                continue
            option = RateOption(service=service, candidate=candidate, quote=quote, eligible=True)
            if best is None or (option.total, len(candidate.specs)) < (best.total, len(best.candidate.specs)):
                best = option
        if best is None:
            options.append(RateOption(service=service, candidate=None, quote=None, eligible=False,
                                      note="; ".join(sorted(reasons)) or "Not serviceable."))
            continue
        if allowed and service.carrier_id not in allowed:
            best.eligible, best.note = False, f"{service.carrier.name} is not allowed by the client's rules."
        elif order.carrier_code and service.carrier.code.lower() != order.carrier_code.lower():
            best.eligible, best.note = False, f"A rule requires carrier {order.carrier_code}."
        elif order.service_code and service.code.lower() != order.service_code.lower():
            best.eligible, best.note = False, f"A rule requires service {order.service_code}."
        elif max_days is not None and service.transit_days > max_days:
            wanted = f"by {deliver_by:%Y-%m-%d}" if deliver_by else ServiceLevel(level).label.lower()
            best.eligible = False
            best.note = f"Takes {service.transit_days} business days; the order needs {max_days} or fewer ({wanted})."
        options.append(best)
    eligible = sorted((o for o in options if o.eligible), key=lambda o: (o.total, o.service.transit_days))
    options.sort(key=lambda o: (not o.eligible, o.quote is None, o.total, o.service.transit_days))
    if not eligible:
        return RateShopResult(chosen=None, options=options, distance_miles=miles,
                              reason="No service meets the order's service level and the client's rules.")
    cheapest = eligible[0]
    chosen = cheapest
    reason = (f"Cheapest of {len(eligible)} eligible options: {cheapest.service} with {cheapest.candidate.label} "
              f"at ${cheapest.total} (shipping ${cheapest.shipping_cost} + boxes ${cheapest.box_cost}).")
    preferred = profile.preferred_carrier_id if profile else None
    if preferred and cheapest.service.carrier_id != preferred:
        own = next((o for o in eligible if o.service.carrier_id == preferred), None)
        if own is not None and own.total - cheapest.total <= profile.preferred_tolerance:
            chosen = own
            reason = (f"The client prefers {own.service.carrier.name}: {own.service} with {own.candidate.label} at "
                      f"${own.total} is within ${profile.preferred_tolerance} of the cheapest "
                      f"({cheapest.service}, ${cheapest.total}).")
    reason += _sequential_note(chosen, candidates, options, adapters=adapters, miles=miles, residential=residential)
    for option in options:
        if option is not chosen and option.eligible and not option.note:
            option.note = f"${option.total - chosen.total} more"
    return RateShopResult(chosen=chosen, options=options, reason=reason, distance_miles=miles)


def _sequential_note(chosen: RateOption, candidates: list[Candidate], options: list[RateOption], *,
                     adapters: dict, miles: float | None, residential: bool) -> str:
    """Say what choosing the box first (lowest billable weight at 139), then the service, would have cost."""
    if len(candidates) < 2:
        return ""

    def box_first_rank(c: Candidate):
        return (sum(billable_weight_lb(s.outer, s.weight_g, DEFAULT_DIM_DIVISOR) for s in c.specs), c.box_cost)

    box_first = min(candidates, key=box_first_rank)
    if box_first is chosen.candidate:
        return " It is also the box with the lowest billable weight."
    totals = []
    for option in options:
        if not option.eligible:
            continue
        try:
            quote = adapters[option.service.carrier_id].quote(
                option.service, packages=box_first.specs, distance_miles=miles, residential=residential)
        except NotServiceable:
            continue
        totals.append(quote.total + box_first.box_cost)
    if totals and min(totals) > chosen.total:
        sequential = min(totals)
        return (f" Choosing the box first ({box_first.label}, lowest billable weight) and then the service "
                f"would have cost ${sequential}: ${sequential - chosen.total} more.")
    return ""
