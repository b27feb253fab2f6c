"""The return label of an authorised return: bought once (rate-shopped to the returns warehouse when
shipping's carriers are set up), rendered as a PDF and emailed to the customer with the instructions."""

from __future__ import annotations

from decimal import Decimal

from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from core.email import EMAIL_NOT_SENT_NOTE, email_delivers
from orders.choices import ServiceLevel
from orders.models import Order
from returns.links import return_label_url, return_status_url
from returns.locks import return_lock
from returns.pdf import RETURN_LABEL
from returns.refunds import return_label_fee
from returns.services.status import return_event_add
from shipping.carriers import adapter_for
from shipping.carriers.base import PackageSpec
from shipping.cartonization import CartonizationError, Item, candidate_packings
from shipping.document_store import document_bytes, document_forget
from shipping.exceptions import CarrierError, RatingError
from shipping.models import BoxType
from shipping.packing.services import box_from_model
from shipping.rating import Candidate, candidates_from_packings, rate_shop


def _return_package(rma) -> list:
    """The parcel coming back as carriers see it: the smallest of the returns warehouse's boxes that holds the
    items (the customer reuses a box of about that size), or the items' own dimensions stacked."""
    items = []
    for line in rma.lines.select_related("product"):
        if line.expects_units:
            p = line.product
            items += [Item(key=str(p.pk), length=max(p.length_mm, 1), width=max(p.width_mm, 1),
                           height=max(p.height_mm, 1), weight_g=p.weight_g)] * line.quantity
    if not items:
        return []
    boxes = [box_from_model(b) for b in BoxType.objects.filter(warehouse_id=rma.warehouse_id, is_active=True,
                                                               client__isnull=True).order_by("pk")]

    if boxes:
        try:
            single = [c for c in candidates_from_packings(candidate_packings(items, boxes)) if len(c.specs) == 1]
        except CartonizationError:
            single = []
        if single:
            for candidate in single:
                candidate.box_cost = Decimal("0")  # the customer's box, not ours
            return single

    spec = PackageSpec(max(i.length for i in items) + 20, max(i.width for i in items) + 20,
                       sum(i.height for i in items) + 20, sum(i.weight_g for i in items) + 300)
    return [Candidate(boxes=["customer box"], specs=[spec], box_cost=Decimal("0"))]


def _buy_label(rma) -> None:
    """Buy the carrier label of a return, rate-shopped (cheapest service, any speed) from the customer to the
    returns warehouse; sets label_carrier, label_service, label_tracking_number and label_cost. When no carrier
    can take it (no rate cards, a foreign address) the label is the address and RMA barcode only, and the
    timeline says why."""
    order = rma.order
    candidates = _return_package(rma)
    if not candidates or rma.warehouse_id is None:
        return
    # Distance is symmetric: rate the customer's address against the returns warehouse. The parcel ends at a
    # business address, so no residential surcharge; returns need no speed.
    # An unsaved Order stands for the trip back, so rating sees every field it knows with its default.
    trip = Order(client_id=rma.client_id, ship_postal_code=order.ship_postal_code,
                 ship_country=order.ship_country or "US", ship_company=rma.warehouse.name,
                 requested_service_level=ServiceLevel.ECONOMY)
    try:
        result = rate_shop(order=trip, warehouse=rma.warehouse, candidates=candidates)
    except RatingError as exc:
        return_event_add(rma=rma, actor="returns", note=f"No carrier label: {exc.message}")
        return
    if result.chosen is None:
        return_event_add(rma=rma, actor="returns", note=f"No carrier label: {result.reason}")
        return
    chosen = result.chosen
    try:
        label = adapter_for(chosen.service.carrier).create_label(chosen.service, package=chosen.candidate.specs[0])
    except CarrierError as exc:
        return_event_add(rma=rma, actor="returns", note=f"No carrier label: {exc.message}")
        return
    rma.label_carrier = chosen.service.carrier.name
    rma.label_service = chosen.service.name
    rma.label_tracking_number = label.tracking_number
    rma.label_cost = chosen.shipping_cost
    document_forget(RETURN_LABEL, rma)  # a label printed before this one has no tracking number
    rma.save(update_fields=["label_carrier", "label_service", "label_tracking_number", "label_cost", "label_pdf",
                            "updated_at"])
    fee = return_label_fee(rma=rma)
    return_event_add(rma=rma, actor="returns",
                     note=f"Return label: {chosen.service} to {rma.warehouse.code}, tracking {label.tracking_number}, "
                          f"carrier cost ${chosen.shipping_cost}; "
                          + (f"${fee} label fee deducted from the refund" if fee else "free for the customer"))


def return_label_issue(*, rma_id: int) -> bool:
    """Buy the return label (once), store its PDF (rendered once) and email it to the customer with the
    instructions.

    Returns False when it was emailed already, the return is no longer on its way back, or there is no email
    address. Raises ReturnAuthorization.DoesNotExist.
    """
    if not _return_label_buy(rma_id=rma_id):
        return False
    label = document_bytes(RETURN_LABEL, rma_id)  # with no transaction open, as every render
    return _return_label_email(rma_id=rma_id, label=label)


def _on_its_way_back(rma) -> bool:
    return rma.label_emailed_at is None and rma.can_print_label


@transaction.atomic
def _return_label_buy(*, rma_id: int) -> bool:
    """Buy the label unless bought; True when it should now be emailed."""
    rma = return_lock(rma_id)
    if not _on_its_way_back(rma):
        return False
    if not rma.label_tracking_number:
        _buy_label(rma)
    if not rma.customer_email:
        return_event_add(rma=rma, note="No customer email: print the label from the return page.", actor="returns")
        return False
    return True


@transaction.atomic
def _return_label_email(*, rma_id: int, label: bytes) -> bool:
    rma = return_lock(rma_id)
    if not _on_its_way_back(rma):  # another run of the task emailed it meanwhile
        return False
    rma = type(rma).objects.select_related("order", "client", "warehouse").get(pk=rma.pk)
    context = {"rma": rma, "label_fee": return_label_fee(rma=rma), "status_url": return_status_url(rma_id=rma.pk), "label_url": return_label_url(rma_id=rma.pk),
               "lines": list(rma.lines.select_related("product"))}
    message = EmailMessage(
        subject=f"Your return {rma.number} for order {rma.order.order_number}: label and instructions",
        body=render_to_string("returns/email/return_label.txt", context),
        to=[rma.customer_email],
    )
    message.attach(f"return-label-{rma.number}.pdf", label, "application/pdf")
    message.send()
    if not email_delivers():
        return_event_add(rma=rma, note=f"Return label to {rma.customer_email}: {EMAIL_NOT_SENT_NOTE} "
                                       "Print the label from the return page.", actor="returns")
        return False
    type(rma).objects.filter(pk=rma.pk).update(label_emailed_at=timezone.now(), updated_at=timezone.now())
    return_event_add(rma=rma, note=f"Return label and instructions emailed to {rma.customer_email}", actor="returns")
    return True
