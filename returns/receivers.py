"""Returns listens to lower layers: a new client gets its return policy; the carrier scanning a return label
means the parcel is on its way."""

from __future__ import annotations

import logging

from django.db.models.signals import post_save
from django.dispatch import receiver

from inventory.models import Client
from shipping.signals import tracking_event_received

logger = logging.getLogger(__name__)
ON_THE_WAY = {"in_transit", "out_for_delivery", "delivered"}


@receiver(post_save, sender=Client, dispatch_uid="returns.client_return_policy")
def client_return_policy(sender, *, instance: Client, created: bool, raw: bool = False, **kwargs) -> None:
    """Give a new client the default return policy, so that reading a policy never has to write one."""
    from returns.services import return_policy_for_client

    if created and not raw:
        return_policy_for_client(client=instance)


@receiver(tracking_event_received, dispatch_uid="returns.return_label_tracked")
def return_label_tracked(sender, *, tracking_number: str, status: str, **kwargs) -> None:
    """Mark an authorised return in transit when its label's parcel is first scanned by the carrier."""
    from returns.choices import ReturnStatus
    from returns.exceptions import InvalidReturnTransition
    from returns.models import ReturnAuthorization
    from returns.services import return_mark_in_transit

    if status not in ON_THE_WAY or not tracking_number:
        return
    rma = ReturnAuthorization.objects.filter(label_tracking_number=tracking_number,
                                             status=ReturnStatus.AUTHORISED).first()
    if rma is None:
        return
    try:
        return_mark_in_transit(rma=rma, actor="carrier tracking", note=f"Carrier scanned the return label ({status})")
    except InvalidReturnTransition:  # received at the desk meanwhile
        logger.info("return %s moved on before its tracking event", rma.number)
