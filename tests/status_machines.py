"""Shared by the status-machine tests: every move of a transitions table, allowed and forbidden, generated from
the table and the status choices (so a change to either is covered without touching the tests), and the audit
row an allowed move must leave."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.db.models import Model

from core.models import StatusChange
from core.transitions import InvalidTransition


@dataclass(frozen=True)
class Machine:
    """One transitions table and how a test drives it: `make(status)` builds a row in that status, and
    `move(pk, to_status=, user=, note=)` calls the entity's transition service."""

    name: str
    table: dict
    statuses: list[str]
    make: Callable[[str], Model]
    move: Callable[..., object]
    stamps: dict = field(default_factory=dict)
    refusal: type[Exception] = InvalidTransition


def allowed_moves(table, statuses) -> list[tuple[str, str]]:
    return [(src, dst) for src in statuses for dst in statuses if dst in table.get(src, frozenset())]


def forbidden_moves(table, statuses) -> list[tuple[str, str]]:
    return [(src, dst) for src in statuses for dst in statuses if dst not in table.get(src, frozenset())]


def every_allowed_move(*machines: Machine) -> list:
    """Parameters (machine, from_status, to_status) for every allowed move of the machines."""
    return [pytest.param(machine, src, dst, id=f"{machine.name}:{src}->{dst}")
            for machine in machines for src, dst in allowed_moves(machine.table, machine.statuses)]


def every_forbidden_move(*machines: Machine) -> list:
    """Parameters (machine, from_status, to_status) for every forbidden move of the machines."""
    return [pytest.param(machine, src, dst, id=f"{machine.name}:{src}->{dst}")
            for machine in machines for src, dst in forbidden_moves(machine.table, machine.statuses)]


def assert_table_covers_every_status(machine: Machine) -> None:
    assert set(machine.table) == set(machine.statuses), machine.name


def assert_allowed_move_is_audited(machine: Machine, from_status: str, to_status: str, user) -> None:
    """The move changes the status, stamps its time and writes one audit row naming the user."""
    row = machine.make(from_status)

    machine.move(row.pk, to_status=to_status, user=user, note="moved")

    assert_moved(row, from_status, to_status, user, "moved", machine.stamps)


def assert_forbidden_move_is_refused(machine: Machine, from_status: str, to_status: str, user) -> Exception:
    """The move raises the machine's refusal and leaves the row and the audit trail untouched; returns the error."""
    row = machine.make(from_status)

    with pytest.raises(machine.refusal) as refused:
        machine.move(row.pk, to_status=to_status, user=user)

    assert_unchanged(row, from_status)
    return refused.value


def audit_rows(row) -> list[StatusChange]:
    return list(StatusChange.objects.filter(model=row._meta.label_lower, object_id=row.pk))


def assert_moved(row, from_status: str, to_status: str, user, note: str, stamps=None) -> None:
    """The row is in its new status, stamped, with one audit row naming the user."""
    row.refresh_from_db()
    assert row.status == to_status
    [change] = audit_rows(row)
    assert (change.from_status, change.to_status, change.user, change.note) == (from_status, to_status, user, note)
    stamp = (stamps or {}).get(to_status)
    if stamp:
        assert getattr(row, stamp) == change.created_at


def assert_unchanged(row, from_status: str) -> None:
    row.refresh_from_db()
    assert row.status == from_status
    assert audit_rows(row) == []
