"""Returns listens to lower layers: the carrier scanning a return label means the parcel is on its way."""

from __future__ import annotations

import logging

from django.dispatch import receiver

from shipping.signals import tracking_event_received

logger = logging.getLogger(__name__)
ON_THE_WAY = {"in_transit", "out_for_delivery", "delivered"}


@receiver(tracking_event_received, dispatch_uid="returns.return_label_tracked")
def return_label_tracked(sender, *, tracking_number: str, status: str, **kwargs) -> None:
    """Mark an authorised return in transit when its label's parcel is first scanned by the carrier."""
    from returns.choices import ReturnStatus
    from returns.exceptions import InvalidReturnTransition
    from returns.models import ReturnAuthorization
    from returns.services.status import return_mark_in_transit

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
