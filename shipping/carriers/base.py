from __future__ import annotations

import datetime
import hashlib
import logging
from abc import ABC, abstractmethod
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import F
from django.utils.dateparse import parse_datetime

from shipping.cartonization import billable_weight_lb
from shipping.exceptions import CarrierError
from shipping.models import TrackingSequence
from shipping.tracking_numbers import (
    TrackingRangeExhausted,
    make_tracking_number,
    serials_left,
    tracking_warning_threshold,
)

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class TrackingUpdate:
    """One event as a carrier adapter understood it."""

    tracking_number: str
    status: str
    occurred_at: datetime.datetime
    location: str = ""
    description: str = ""
    event_id: str = ""
    raw: dict | None = None

    @property
    def key(self) -> str:
        if self.event_id:
            return self.event_id[:100]
        basis = "|".join([self.tracking_number, self.status, self.occurred_at.isoformat(), self.location])
        return "h:" + hashlib.sha256(basis.encode()).hexdigest()[:64]


@dataclass(frozen=True)
class PackageSpec:
    """One package to rate or label: outside dimensions (mm) and gross weight (g)."""

    length_mm: int
    width_mm: int
    height_mm: int
    weight_g: int

    @property
    def outer(self) -> tuple[int, int, int]:
        return (self.length_mm, self.width_mm, self.height_mm)


@dataclass(frozen=True)
class Quote:
    service_id: int
    zone: int
    billable_weights_lb: tuple[int, ...]
    package_prices: tuple[Decimal, ...]  # with surcharges, per package

    @property
    def total(self) -> Decimal:
        return sum(self.package_prices, Decimal("0"))


@dataclass(frozen=True)
class LabelResult:
    tracking_number: str


class NotServiceable(Exception):
    """The service cannot take this shipment (too heavy for its card, no zone for the distance)."""


class CarrierAdapter(ABC):
    """What rate shopping and labelling need from a carrier.

    `quote` prices packages with one of the carrier's services between two points and raises NotServiceable
    when the service cannot take them; `create_label` returns the tracking number the carrier assigned (a live
    adapter would also return the carrier's own label image). Both may raise shipping.exceptions.CarrierError.
    Adapters are created per carrier and may cache within one rate-shopping call.
    """

    def __init__(self, carrier):
        self.carrier = carrier

    @abstractmethod
    def quote(self, service, *, packages: list[PackageSpec], distance_miles: float, residential: bool) -> Quote: ...

    @abstractmethod
    def create_label(self, service, *, package: PackageSpec) -> LabelResult: ...

    def void_label(self, service, *, tracking_number: str) -> None:
        """Cancel a label that will not be used, so the carrier does not bill it. Raises CarrierError when the
        carrier refuses (a label already scanned). Rate-card carriers number labels locally: nothing to tell."""
        return None

    # Tracking -----------------------------------------------------------------------------------------------
    def track(self, tracking_numbers: list[str]) -> list:
        """Return the carrier's events (TrackingUpdate) for these numbers; polled by beat.

        Carriers without a tracking API return nothing and report by webhook only. May raise CarrierError.
        """
        return []

    def parse_webhook(self, payload) -> list:
        """Read a tracking webhook body into TrackingUpdates. Raises ValueError for a body it cannot read.

        The default reads Dockhand's carrier-neutral format: {"events": [{"id", "tracking_number", "status",
        "occurred_at" (ISO 8601 with offset), "location", "description"}]}; a carrier with its own format
        overrides this and maps its status codes to shipping.choices.TrackingStatus.
        """
        if not isinstance(payload, dict) or not isinstance(payload.get("events"), list):
            raise ValueError("Expected a JSON object with a list of events.")
        updates = []
        for raw in payload["events"]:
            if not isinstance(raw, dict):
                raise ValueError("Each event must be a JSON object.")
            occurred_at = parse_datetime(str(raw.get("occurred_at", "")))
            if occurred_at is None or occurred_at.tzinfo is None:
                raise ValueError("Each event needs occurred_at as ISO 8601 with a time zone offset.")
            number = str(raw.get("tracking_number", "")).strip()
            if not number:
                raise ValueError("Each event needs a tracking_number.")
            updates.append(TrackingUpdate(
                tracking_number=number[:40], status=str(raw.get("status", "")), occurred_at=occurred_at,
                location=str(raw.get("location", ""))[:200], description=str(raw.get("description", ""))[:500],
                event_id=str(raw.get("id", ""))[:100], raw=raw,
            ))
        return updates

    # Shared helpers ---------------------------------------------------------------------------------------
    def billable(self, service, package: PackageSpec) -> int:
        return billable_weight_lb(package.outer, package.weight_g, service.dim_divisor, service.dim_min_volume_in3)

    def next_serial(self) -> int:
        """Take the carrier's next package serial under a row lock (never repeats)."""
        with transaction.atomic():
            sequence, _ = TrackingSequence.objects.get_or_create(carrier=self.carrier)
            sequence = TrackingSequence.objects.select_for_update().get(pk=sequence.pk)
            value = sequence.next_value
            TrackingSequence.objects.filter(pk=sequence.pk).update(next_value=F("next_value") + 1)
        return value

    def local_tracking_number(self, service) -> str:
        """Number a package from the carrier's serials; raises CarrierError once every range is used up."""
        carrier = self.carrier
        serial = self.next_serial()
        left = serials_left(carrier.code, next_serial=serial + 1, account=carrier.account_number,
                            spare_accounts=carrier.spare_accounts)
        if left is not None and left < tracking_warning_threshold(carrier.code) and left % 10_000 == 0:
            logger.warning("%s has %d tracking numbers left; add a spare account to the carrier.", carrier.code, left)
        try:
            return make_tracking_number(carrier.code, account=carrier.account_number,
                                        service_code=service.service_code, serial=serial,
                                        spare_accounts=carrier.spare_accounts)
        except TrackingRangeExhausted as exc:
            logger.error("%s", exc)
            raise CarrierError(str(exc)) from exc
