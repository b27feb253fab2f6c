"""Tracking to the door: carrier events per package and each package's latest known state."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from core.models import TimeStamped
from shipping.choices import TrackingSource, TrackingStatus
from shipping.models.carriers import Carrier
from shipping.models.shipments import Package


class CarrierTracking(TimeStamped):
    """How a carrier reports tracking to us: the shared secret of its webhook, and whether we poll it."""

    carrier = models.OneToOneField(Carrier, on_delete=models.CASCADE, related_name="tracking")
    webhook_secret = models.CharField(max_length=255, blank=True,
                                      help_text="HMAC-SHA256 key of POST /webhooks/tracking/<carrier>/.")
    poll_enabled = models.BooleanField(default=True, help_text="Ask the carrier's adapter for updates periodically.")

    def __str__(self) -> str:
        return f"Tracking of {self.carrier}"


class TrackingEvent(models.Model):
    """One scan or status the carrier reported for a tracking number (ours or a return label), once."""

    carrier = models.ForeignKey(Carrier, on_delete=models.PROTECT, related_name="tracking_events")
    package = models.ForeignKey(Package, null=True, blank=True, on_delete=models.CASCADE,
                                related_name="tracking_events", help_text="Empty for numbers that are not "
                                "an outbound package (e.g. a return label).")
    tracking_number = models.CharField(max_length=40, db_index=True)
    event_key = models.CharField(max_length=100, help_text="The carrier's event id, or a hash of the event.")
    status = models.CharField(max_length=20, choices=TrackingStatus.choices)
    occurred_at = models.DateTimeField(help_text="When it happened, as the carrier says.")
    location = models.CharField(max_length=200, blank=True)
    description = models.CharField(max_length=500, blank=True)
    source = models.CharField(max_length=10, choices=TrackingSource.choices)
    raw = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["occurred_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["carrier", "event_key"], name="tracking_event_unique_per_carrier"),
        ]
        indexes = [models.Index(fields=["package", "occurred_at"])]

    def __str__(self) -> str:
        return f"{self.tracking_number}: {self.status} at {self.occurred_at:%Y-%m-%d %H:%M}"


class PackageTracking(TimeStamped):
    """A package's latest status (by when it happened, whatever order events arrive in) and any exception."""

    package = models.OneToOneField(Package, on_delete=models.CASCADE, related_name="tracking")
    status = models.CharField(max_length=20, choices=TrackingStatus.choices, default=TrackingStatus.LABEL_CREATED,
                              db_index=True)
    status_at = models.DateTimeField(null=True, blank=True)
    location = models.CharField(max_length=200, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    exception_reason = models.CharField(max_length=500, blank=True)
    exception_at = models.DateTimeField(null=True, blank=True)
    exception_resolved_at = models.DateTimeField(null=True, blank=True)
    exception_resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                              on_delete=models.SET_NULL, related_name="+")
    last_polled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["package"]
        indexes = [models.Index(fields=["exception_at"], condition=Q(exception_resolved_at__isnull=True),
                                name="package_tracking_open_exc")]

    def __str__(self) -> str:
        return f"Package {self.package_id}: {self.status}"

    @property
    def has_open_exception(self) -> bool:
        return self.exception_at is not None and self.exception_resolved_at is None
