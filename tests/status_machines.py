"""Shared by the status-machine tests: every move of a transitions table, allowed and forbidden, generated from
the table and the status choices (so a change to either is covered without touching the tests), and the audit
row an allowed move must leave."""

from __future__ import annotations

from core.models import StatusChange


def allowed_moves(table, statuses) -> list[tuple[str, str]]:
    return [(src, dst) for src in statuses for dst in statuses if dst in table.get(src, frozenset())]


def forbidden_moves(table, statuses) -> list[tuple[str, str]]:
    return [(src, dst) for src in statuses for dst in statuses if dst not in table.get(src, frozenset())]


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
