from __future__ import annotations

from decimal import Decimal

from shipping.carriers.base import CarrierAdapter, LabelResult, PackageSpec, Quote


class TestCarrierAdapter(CarrierAdapter):
    """A carrier for tests: $5 a package plus $1 a billable pound, zone 1, local tracking numbers."""

    __test__ = False  # not a pytest class

    def quote(self, service, *, packages: list[PackageSpec], distance_miles: float, residential: bool) -> Quote:
        weights = tuple(self.billable(service, p) for p in packages)
        return Quote(service_id=service.pk, zone=1, billable_weights_lb=weights,
                     package_prices=tuple(Decimal("5.00") + Decimal(w) for w in weights))

    def create_label(self, service, *, package: PackageSpec) -> LabelResult:
        return LabelResult(tracking_number=self.local_tracking_number(service))
