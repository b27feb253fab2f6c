from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from shipping.carriers.base import CarrierAdapter, LabelResult, NotServiceable, PackageSpec, Quote

CENT = Decimal("0.01")


class RateCardAdapter(CarrierAdapter):
    """Prices from the loaded CSV rate cards; tracking numbers issued locally in the carrier's format."""

    def __init__(self, carrier):
        super().__init__(carrier)
        self._zones: list[tuple[int, int]] | None = None
        self._cards: dict[int, dict[tuple[int, int], Decimal]] = {}

    def zone_for(self, distance_miles: float | None) -> int:
        if distance_miles is None:
            raise NotServiceable(f"{self.carrier.name}'s rate card prices US destinations only.")
        if self._zones is None:
            self._zones = list(self.carrier.zones.order_by("max_miles").values_list("max_miles", "zone"))
        for max_miles, zone in self._zones:
            if distance_miles <= max_miles:
                return zone
        raise NotServiceable(f"{self.carrier.name} has no zone for {distance_miles:.0f} miles.")

    def _card(self, service) -> dict[tuple[int, int], Decimal]:
        card = self._cards.get(service.pk)
        if card is None:
            card = self._cards[service.pk] = {
                (zone, weight): price
                for zone, weight, price in service.rates.values_list("zone", "weight_lb", "price")
            }
        return card

    def quote(self, service, *, packages: list[PackageSpec], distance_miles: float | None, residential: bool) -> Quote:
        zone = self.zone_for(distance_miles)
        card = self._card(service)
        weights, prices = [], []
        for package in packages:
            weight = self.billable(service, package)
            base = card.get((zone, weight))
            if base is None:
                raise NotServiceable(f"{service.name} has no rate for {weight} lb to zone {zone}.")
            if residential:
                base += service.residential_surcharge
            price = base * (1 + service.fuel_surcharge_pct / 100)
            weights.append(weight)
            prices.append(price.quantize(CENT, rounding=ROUND_HALF_UP))
        return Quote(service_id=service.pk, zone=zone, billable_weights_lb=tuple(weights),
                     package_prices=tuple(prices))

    def create_label(self, service, *, package: PackageSpec) -> LabelResult:
        return LabelResult(tracking_number=self.local_tracking_number(service))
