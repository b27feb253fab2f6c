"""One way to change the status of anything that has a status machine.

Orders, returns, pick lists, shipments, inbound shipments, transfers and cycle counts all move through
`status_transition`, which does the steps every transition shares: lock the row (or take the caller's locked
instance), check the move against the entity's table (`dict[status, frozenset[status]]` in its app's
choices.py), set the status and the step's timestamp, save with update_fields, write the event row (who,
when, from, to, note) and queue follow-up durable work on commit. What belongs to one entity (releasing
stock, rating a parcel, announcing the change) stays in that entity's service, around this call.

Orders and returns write their own timeline rows (OrderEvent, ReturnEvent) through `event`; the others get
a core.StatusChange row.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable, Mapping
from contextlib import nullcontext
from dataclasses import dataclass
from typing import Any, TypeVar

from django.db import models, transaction
from django.db.transaction import TransactionManagementError
from django.utils import timezone

from core.exceptions import DomainError
from core.models import StatusChange
from core.work import work_enqueue

M = TypeVar("M", bound=models.Model)
Transitions = Mapping[str, frozenset[str]]


class InvalidTransition(DomainError):
    """The move is not in the entity's transitions table; nothing was changed."""

    status_code = 400


@dataclass(frozen=True)
class StatusMove:
    """What an event-row builder is given: the saved row, the move, and who made it when."""

    instance: models.Model
    from_status: str
    to_status: str
    user: Any
    actor: str
    note: str
    at: datetime.datetime


def user_or_none(user):
    """The user to record, or None for an anonymous user or none at all (a task, a webhook)."""
    return user if getattr(user, "is_authenticated", False) else None


def status_label(model: type[models.Model] | models.Model, value: str) -> str:
    """The display label of one of a model's status values ("" reads as "new")."""
    if not value:
        return "new"
    return str(dict(model._meta.get_field("status").flatchoices).get(value, value))


Subject = str | Callable[[Any], str]


def transition_check(*, instance: models.Model, to_status: str, transitions: Transitions, subject: Subject = "",
                     error: type[InvalidTransition] = InvalidTransition) -> None:
    """Raise `error` unless `transitions` allows `instance` to go from its status to `to_status`.

    The message names the row (`subject`, or a function of the row giving it; else str(row)), where it stands
    and where it can still go, so a person knows what to do.
    """
    from_status = instance.status
    allowed = transitions.get(from_status, frozenset())
    if to_status in allowed:
        return
    subject = (subject(instance) if callable(subject) else subject) or str(instance)
    now = status_label(instance, from_status).lower()
    message = f"{subject} is {now}, so it cannot be {status_label(instance, to_status).lower()}."
    if allowed:
        choices = sorted(status_label(instance, s).lower() for s in allowed)
        options = choices[0] if len(choices) == 1 else ", ".join(choices[:-1]) + " or " + choices[-1]
        message += f" From {now} it can only be {options}."
    else:
        message += f" Nothing more can happen to it once {now}."
    raise error(message, field="status")


def status_change_write(move: StatusMove) -> StatusChange:
    """The default event row: a core.StatusChange naming the row by its model label and id."""
    return StatusChange.objects.create(
        model=move.instance._meta.label_lower, object_id=move.instance.pk, from_status=move.from_status,
        to_status=move.to_status, user=user_or_none(move.user), actor=move.actor[:100], note=move.note,
        created_at=move.at,
    )


def status_transition(
    *,
    instance: M | int,
    to_status: str,
    transitions: Transitions,
    lock: Callable[[int], M] | None = None,
    user=None,
    actor: str = "",
    note: str = "",
    subject: Subject = "",
    stamps: Mapping[str, str] | None = None,
    fields: Mapping[str, Any] | None = None,
    event: Callable[[StatusMove], Any] = status_change_write,
    work: Iterable[tuple[Any, int]] = (),
    error: type[InvalidTransition] = InvalidTransition,
    at: datetime.datetime | None = None,
) -> M:
    """Move one row to `to_status`, recording who and when; return the locked, saved row.

    With `lock` (the entity's helper from its locks.py, given the row's id) the row is locked here, in the
    caller's transaction or else one of its own; without it `instance` is the row the caller already locked
    inside its transaction. `stamps` maps a status to the timestamp field set when the row enters it; `fields`
    are saved in the same UPDATE. `event` writes the event row (a core.StatusChange unless the entity has its own timeline) and
    each `(task, object_id)` of `work` is queued as durable work, run after commit.

    Raises `error` (an InvalidTransition) when the table does not allow the move; then nothing is written.
    """
    in_transaction = transaction.get_connection().in_atomic_block
    with transaction.atomic() if lock is not None and not in_transaction else nullcontext():
        if lock is not None:
            locked = lock(instance if isinstance(instance, int) else instance.pk)
        else:
            if isinstance(instance, int) or not in_transaction:
                raise TransactionManagementError(
                    "status_transition without `lock` needs the row the caller locked inside transaction.atomic.")
            locked = instance
        transition_check(instance=locked, to_status=to_status, transitions=transitions, subject=subject,
                         error=error)
        at = at or timezone.now()
        from_status = locked.status
        locked.status = to_status
        update_fields = ["status"]
        stamp = (stamps or {}).get(to_status)
        if stamp:
            setattr(locked, stamp, at)
            update_fields.append(stamp)
        for name, value in (fields or {}).items():
            setattr(locked, name, value)
            update_fields.append(name)
        if any(f.name == "updated_at" for f in locked._meta.concrete_fields):
            update_fields.append("updated_at")
        locked.save(update_fields=list(dict.fromkeys(update_fields)))
        event(StatusMove(instance=locked, from_status=from_status, to_status=to_status, user=user,
                         actor=actor, note=note, at=at))
        for task, object_id in work:
            work_enqueue(task, object_id)
    return locked
