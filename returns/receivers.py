"""Returns listens to lower layers: a new client gets its return policy; the carrier scanning a return label
means the parcel is on its way; a packing slip carries the return window and the self-service page.

The tracking receiver runs inside the sender's transaction and only queues durable work by id (core.work), so
the job commits with the tracking event and a failing job never reaches the carrier's webhook request. The
policy is written in the client's own transaction, so no client is ever without one.
"""

from __future__ import annotations

from django.db.models.signals import post_save
from django.dispatch import receiver

from core.work import work_enqueue
from inventory.models import Client
from returns.choices import ReturnStatus
from returns.links import return_start_url
from returns.models import ReturnAuthorization
from returns.policies import return_policy_for_client
from returns.tasks import return_label_tracked_task
from shipping.choices import TrackingStatus
from shipping.signals import packing_slip_sections, tracking_event_received

ON_THE_WAY = frozenset({TrackingStatus.IN_TRANSIT, TrackingStatus.OUT_FOR_DELIVERY, TrackingStatus.DELIVERED})


@receiver(post_save, sender=Client, dispatch_uid="returns.client_return_policy")
def client_return_policy(sender, *, instance: Client, created: bool, raw: bool = False, **kwargs) -> None:
    """Give a new client the default return policy, so that reading a policy never has to write one."""
    if created and not raw:
        return_policy_for_client(client=instance)


@receiver(tracking_event_received, dispatch_uid="returns.return_label_tracked")
def return_label_tracked(sender, *, event_id: int, tracking_number: str, status: str, **kwargs) -> None:
    """Queue marking the authorised return in transit when a carrier event scanned its label."""
    if status not in ON_THE_WAY or not tracking_number:
        return
    if ReturnAuthorization.objects.filter(label_tracking_number=tracking_number,
                                          status=ReturnStatus.AUTHORISED).exists():
        work_enqueue(return_label_tracked_task, event_id)


@receiver(packing_slip_sections, dispatch_uid="returns.packing_slip_return_instructions")
def packing_slip_return_instructions(sender, *, order, **kwargs) -> dict:
    """Tell the customer on the packing slip how long they have to return and where to start."""
    policy = return_policy_for_client(client=order.client)
    return {
        "title": "Returns",
        "text": (f"Not right? You can return items within {policy.window_days} days of delivery. Start your "
                 f"return online with order number {order.order_number} and the email or postal code on "
                 "the order; we email you the return label."),
        "url": return_start_url(order_number=order.order_number),
    }
