"""Returns listens to lower layers: the carrier scanning a return label means the parcel is on its way.

A receiver runs inside the sender's transaction and only queues durable work by id (core.work), so the job
commits with the tracking event and a failing job never reaches the carrier's webhook request.
"""

from __future__ import annotations

from django.dispatch import receiver

from core.work import work_enqueue
from returns.choices import ReturnStatus
from returns.models import ReturnAuthorization
from returns.tasks import return_label_tracked_task
from shipping.choices import TrackingStatus
from shipping.signals import tracking_event_received

ON_THE_WAY = frozenset({TrackingStatus.IN_TRANSIT, TrackingStatus.OUT_FOR_DELIVERY, TrackingStatus.DELIVERED})


@receiver(tracking_event_received, dispatch_uid="returns.return_label_tracked")
def return_label_tracked(sender, *, event_id: int, tracking_number: str, status: str, **kwargs) -> None:
    """Queue marking the authorised return in transit when a carrier event scanned its label."""
    if status not in ON_THE_WAY or not tracking_number:
        return
    if ReturnAuthorization.objects.filter(label_tracking_number=tracking_number,
                                          status=ReturnStatus.AUTHORISED).exists():
        work_enqueue(return_label_tracked_task, event_id)
