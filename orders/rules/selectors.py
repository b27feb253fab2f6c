"""Reads of rules and their re-runs: managers see every one, nobody else any."""

from __future__ import annotations

from django.db.models import QuerySet

from core.access import user_access
from orders.models import Rule, RuleRun, RuleRunError


def rule_list(*, user) -> QuerySet[Rule]:
    """Rules in the order they run, for managers; an empty queryset for everyone else."""
    qs = Rule.objects.select_related("client", "created_by", "updated_by").order_by("position", "pk")
    return qs if user_access(user).is_manager else qs.none()


def rule_get(*, user, pk: int) -> Rule:
    """Return one rule the user may see. Raises Rule.DoesNotExist."""
    return rule_list(user=user).get(pk=pk)


def rule_run_list(*, user) -> QuerySet[RuleRun]:
    """Re-runs of the rules, newest first, for managers; an empty queryset for everyone else."""
    qs = RuleRun.objects.select_related("requested_by", "client").order_by("-created_at", "-pk")
    return qs if user_access(user).is_manager else qs.none()


def rule_run_get(*, user, pk: int) -> RuleRun:
    """Return one re-run the user may see. Raises RuleRun.DoesNotExist."""
    return rule_run_list(user=user).get(pk=pk)


def rule_run_error_list(*, run: RuleRun) -> QuerySet[RuleRunError]:
    """The orders a run (one the user may see, from rule_run_get) could not apply the rules to, in the order
    they failed, each with its order."""
    return RuleRunError.objects.filter(run=run).select_related("order").order_by("pk")
