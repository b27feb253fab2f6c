"""The status machine of a return and its timeline: every status change goes through return_transition."""

from __future__ import annotations

import logging

from django.db import transaction

from core.exceptions import DomainError
from core.transitions import status_transition
from core.work import work_enqueue
from returns.choices import RETURN_TRANSITIONS, ReturnStatus
from returns.exceptions import InvalidReturnTransition
from returns.locks import return_lock
from returns.models import ReturnAuthorization, ReturnEvent
from returns.task_names import RETURN_LABEL_TASK


def _user_or_none(user):
    return user if getattr(user, "is_authenticated", False) else None


logger = logging.getLogger(__name__)

# The time each step is stamped on the return.
RETURN_STATUS_STAMPS = {
    ReturnStatus.AUTHORISED: "authorised_at", ReturnStatus.RECEIVED: "received_at",
    ReturnStatus.INSPECTED: "inspected_at", ReturnStatus.REFUNDED: "closed_at",
    ReturnStatus.CLOSED: "closed_at", ReturnStatus.REJECTED: "closed_at",
}


@transaction.atomic
def return_transition(
    *,
    rma: ReturnAuthorization | int,
    to_status: str,
    user=None,
    note: str = "",
    actor: str = "",
    extra_fields: dict | None = None,
) -> ReturnAuthorization:
    """Move a return to another status, recording who and when.

    Raises InvalidReturnTransition when the move is not in RETURN_TRANSITIONS (core.transitions does the
    steps).
    """
    locked = status_transition(
        instance=rma if isinstance(rma, int) else rma.pk, lock=return_lock, to_status=to_status,
        transitions=RETURN_TRANSITIONS, user=user, actor=actor, note=note, stamps=RETURN_STATUS_STAMPS,
        fields=extra_fields, subject=lambda r: f"Return {r.number}", error=InvalidReturnTransition,
        event=lambda move: ReturnEvent.objects.create(
            rma=move.instance, from_status=move.from_status, to_status=move.to_status, note=move.note,
            user=_user_or_none(move.user), actor=move.actor[:100]),
    )
    if not isinstance(rma, int):
        rma.refresh_from_db()
    return locked


def return_event_add(*, rma: ReturnAuthorization, note: str, user=None, actor: str = "") -> ReturnEvent:
    """Write a note to the return's timeline without changing its status."""
    return ReturnEvent.objects.create(rma=rma, from_status=rma.status, to_status=rma.status, note=note,
                                      user=_user_or_none(user), actor=actor[:100])


@transaction.atomic
def return_authorise(*, rma: ReturnAuthorization, user=None, note: str = "", actor: str = "") -> ReturnAuthorization:
    """Authorise a requested return and, after commit, send the customer the return label and instructions.

    Raises InvalidReturnTransition unless the return is requested.
    """
    locked = return_transition(rma=rma, to_status=ReturnStatus.AUTHORISED, user=user, note=note, actor=actor)
    work_enqueue(RETURN_LABEL_TASK, locked.pk)
    return locked


@transaction.atomic
def return_reject(*, rma: ReturnAuthorization, reason: str, user=None, actor: str = "") -> ReturnAuthorization:
    """Reject a requested return with a reason for the customer. Raises DomainError without a reason."""
    if not reason.strip():
        raise DomainError("Give the customer a reason for the rejection.", field="reason")
    return return_transition(rma=rma, to_status=ReturnStatus.REJECTED, user=user, note=reason.strip(), actor=actor,
                             extra_fields={"decision_note": reason.strip()})


@transaction.atomic
def return_close(*, rma: ReturnAuthorization, note: str = "", user=None, actor: str = "") -> ReturnAuthorization:
    """Close a return without (further) refund: cancelled before it came back, or nothing to refund.

    Raises InvalidReturnTransition once received but not yet inspected, or when already finished.
    """
    note = note.strip() or "Closed"
    return return_transition(rma=rma, to_status=ReturnStatus.CLOSED, user=user, note=note, actor=actor,
                             extra_fields={"decision_note": note})


@transaction.atomic
def return_mark_in_transit(*, rma: ReturnAuthorization, note: str = "", user=None,
                           actor: str = "") -> ReturnAuthorization:
    """Record that the parcel is on its way back (the carrier scanned the return label)."""
    return return_transition(rma=rma, to_status=ReturnStatus.IN_TRANSIT, user=user, note=note or "On its way back",
                             actor=actor)


def return_label_scanned(*, tracking_number: str, status: str) -> ReturnAuthorization | None:
    """Mark the authorised return whose label carries this tracking number in transit (the carrier scanned it).

    Returns the return, or None when no authorised return has that label (none, or it moved on meanwhile),
    so running it twice changes nothing.
    """
    rma = (ReturnAuthorization.objects.filter(label_tracking_number=tracking_number, status=ReturnStatus.AUTHORISED)
           .first() if tracking_number else None)
    if rma is None:
        return None
    try:
        return return_mark_in_transit(rma=rma, actor="carrier tracking",
                                      note=f"Carrier scanned the return label ({status})")
    except InvalidReturnTransition:  # received at the desk meanwhile
        logger.info("return %s moved on before its tracking event", rma.number)
        return None
