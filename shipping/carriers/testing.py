from __future__ import annotations

from decimal import Decimal

from shipping.carriers.base import CarrierAdapter, LabelResult, PackageSpec, Quote


class TestCarrierAdapter(CarrierAdapter):
    """A carrier for tests: $5 a package plus $1 a billable pound, zone 1, local tracking numbers."""

    __test__ = False  # not a pytest class
    # Tracking the test carrier "knows": tests put TrackingUpdates here by tracking number.
    scripted_events: dict[str, list] = {}  # noqa: RUF012 - shared on purpose, tests reset it

    def quote(self, service, *, packages: list[PackageSpec], distance_miles: float | None, residential: bool) -> Quote:
        weights = tuple(self.billable(service, p) for p in packages)
        return Quote(service_id=service.pk, zone=1, billable_weights_lb=weights,
                     package_prices=tuple(Decimal("5.00") + Decimal(w) for w in weights))

    def create_label(self, service, *, package: PackageSpec) -> LabelResult:
        return LabelResult(tracking_number=self.local_tracking_number(service))

    def track(self, tracking_numbers: list[str]) -> list:
        return [update for number in tracking_numbers for update in self.scripted_events.get(number, [])]
