"""Writes of rules: saving them (validated), applying them to an order, trying them, re-running them in the
background (RuleRun).

`order_rules_apply` is the only place where rules change orders; the dry-run (`rule_try`) evaluates the
same engine without writing.
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from core.exceptions import DomainError
from core.transitions import user_or_none
from core.work import work_enqueue
from inventory.models import Product
from orders.choices import OPEN_RULE_RUN_STATUSES, OrderStatus, RuleRunStatus
from orders.facts import facts_for_orders, orders_for_rules
from orders.holds.services import hold_place
from orders.locks import order_lock, rule_run_lock
from orders.models import Order, OrderEvent, OrderLine, Rule, RuleRun, RuleRunError
from orders.rules.engine import Evaluation, rules_evaluate
from orders.rules.schema import RuleDefinitionError, rule_definition_clean
from orders.services import order_allocations_release, order_event_write, order_transition
from orders.task_names import RULE_RUN_TASK
from warehouses.models import Warehouse

RULE_FIELDS = ("name", "description", "client", "position", "is_active", "stop_processing", "conditions",
               "actions")
# Orders whose rules may still be re-run: not yet being picked.
RERUN_STATUSES = (OrderStatus.RECEIVED, OrderStatus.ALLOCATED, OrderStatus.BACKORDERED, OrderStatus.ON_HOLD)
MAX_TRY_DAYS = 365
MAX_TRY_ORDERS = 5000
# Orders listed per query of a re-run; each is still its own transaction.
RULE_RUN_BATCH_SIZE = 200
# An open run not updated for this long is taken to have lost its worker.
RULE_RUN_STALLED_AFTER = datetime.timedelta(minutes=15)
# Failed orders a run keeps, with why; RuleRun.errors counts them all.
RULE_RUN_ERRORS_KEPT = 100

logger = logging.getLogger(__name__)


def rule_validate(rule: Rule) -> None:
    """Check a rule in place (name, conditions, actions). Raises ValidationError with field messages."""
    if not (rule.name or "").strip():
        raise ValidationError({"name": ["A rule needs a name."]})
    try:
        rule.conditions, rule.actions = rule_definition_clean(
            conditions=rule.conditions, actions=rule.actions, client=rule.client)
    except RuleDefinitionError as exc:
        raise ValidationError(exc.errors) from exc


@transaction.atomic
def rule_create(*, user=None, **data) -> Rule:
    """Create a rule (a draft unless is_active is given). Raises ValidationError with field messages."""
    unknown = set(data) - set(RULE_FIELDS)
    if unknown:
        raise ValidationError({name: ["Unknown field."] for name in unknown})
    rule = Rule(**data, created_by=user_or_none(user), updated_by=user_or_none(user))
    rule.name = (rule.name or "").strip()
    rule_validate(rule)
    rule.save()
    return rule


@transaction.atomic
def rule_update(*, rule: Rule, user=None, **data) -> Rule:
    """Change a rule; conditions and actions are checked again. Raises ValidationError with field messages."""
    unknown = set(data) - set(RULE_FIELDS)
    if unknown:
        raise ValidationError({name: ["Unknown field."] for name in unknown})
    locked = Rule.objects.select_for_update().get(pk=rule.pk)
    for name, value in data.items():
        setattr(locked, name, value)
    locked.name = (locked.name or "").strip()
    locked.updated_by = user_or_none(user)
    rule_validate(locked)
    locked.save()
    return locked


@transaction.atomic
def rule_set_active(*, rule: Rule, is_active: bool, user=None) -> Rule:
    """Switch a rule on or off (re-checking it, since warehouses or SKUs may have gone since it was saved)."""
    return rule_update(rule=rule, user=user, is_active=is_active)


def rule_delete(*, rule: Rule) -> None:
    """Delete a rule; the holds it placed stay, without their rule."""
    rule.delete()


def rules_active() -> list[Rule]:
    return list(Rule.objects.filter(is_active=True).select_related("client").order_by("position", "pk"))


# --- applying --------------------------------------------------------------------------------------------

@dataclass
class ApplyResult:
    evaluation: Evaluation | None
    held: bool = False
    rerouted: bool = False

    @property
    def changed(self) -> bool:
        return bool(self.evaluation and self.evaluation.changed)


def rules_evaluation_write(evaluation: Evaluation, *, user=None, timeline_when_unchanged: bool = True) -> bool:
    """Write what the evaluation planned onto the (locked) order; returns True when a hold was placed."""
    order = evaluation.facts.order
    before, after = evaluation.before, evaluation.after
    forced_changed = before.forced_warehouse != after.forced_warehouse
    allowed_changed = before.allowed_warehouses != after.allowed_warehouses
    warehouses = {w.code: w for w in Warehouse.objects.filter(
        code__in=[after.forced_warehouse, *after.allowed_warehouses])} if forced_changed or allowed_changed else {}
    if update_fields := rules_evaluation_apply(evaluation, warehouses):
        order.save(update_fields=[*update_fields, "updated_at"])
    if allowed_changed:
        order.allowed_warehouses.set([warehouses[c] for c in after.allowed_warehouses if c in warehouses])
    products = {p.sku: p for p in Product.objects.filter(
        client_id=order.client_id, sku__in={i.sku for i in after.inserts})} if after.inserts else {}
    for insert in after.inserts:
        product = products.get(insert.sku)
        if product is None:
            continue  # the SKU was deleted since the rule was saved; the timeline still names the rule
        OrderLine.objects.create(order=order, product=product, sku=product.sku, name=product.name,
                                 quantity=insert.quantity, unit_price=0, is_insert=True)
    for event in rule_events(evaluation, user=user, timeline_when_unchanged=timeline_when_unchanged):
        order_event_write(event)
    rules_matches_count([evaluation])
    held = False
    for planned in after.holds:
        hold_place(order=order.pk, kind=planned.kind, reason=planned.reason, user=user,
                   actor=f"rule #{planned.rule.pk}", rule=planned.rule, until_date=planned.until_date)
        held = True
    return held


def rules_evaluation_apply(evaluation: Evaluation, warehouses: dict[str, Warehouse]) -> list[str]:
    """Set the order fields the evaluation changes on the order in memory (the forced warehouse from
    `warehouses`, by code); returns their names. Saving them is the caller's."""
    order, before, after = evaluation.facts.order, evaluation.before, evaluation.after
    changed = []
    for attr in ("carrier_code", "service_code", "box_type_code", "tags", "priority"):
        if getattr(before, attr) != getattr(after, attr):
            setattr(order, attr, getattr(after, attr))
            changed.append(attr)
    if before.forced_warehouse != after.forced_warehouse:
        order.forced_warehouse = warehouses.get(after.forced_warehouse)
        changed.append("forced_warehouse")
    return changed


def rule_events(evaluation: Evaluation, *, user=None, timeline_when_unchanged: bool = True) -> list[OrderEvent]:
    """The timeline entries of the evaluation's matched rules (not saved), in the status the order has now."""
    order = evaluation.facts.order
    return [OrderEvent(order=order, from_status=order.status, to_status=order.status,
                       note=f"Rule “{outcome.rule.name}” matched: {outcome.summary}", user=user_or_none(user),
                       actor=f"rule #{outcome.rule.pk}"[:100])
            for outcome in evaluation.outcomes if outcome.changes or outcome.notes or timeline_when_unchanged]


def rules_matches_count(evaluations: list[Evaluation], *, undo: bool = False) -> None:
    """Count the evaluations' matches on their rules (or take them back, `undo`): an UPDATE per rule, in the
    order the engine runs rules, so that every transaction locks rule rows in one order (before the stock)."""
    counts: dict[int, int] = {}
    rules: dict[int, Rule] = {}
    for evaluation in evaluations:
        for outcome in evaluation.outcomes:
            counts[outcome.rule.pk] = counts.get(outcome.rule.pk, 0) + 1
            rules[outcome.rule.pk] = outcome.rule
    now = timezone.now()
    for rule in sorted(rules.values(), key=lambda r: (r.position, r.pk)):
        if undo:
            Rule.objects.filter(pk=rule.pk).update(match_count=F("match_count") - counts[rule.pk])
        else:
            Rule.objects.filter(pk=rule.pk).update(match_count=F("match_count") + counts[rule.pk],
                                                   last_matched_at=now)


def rules_evaluations_write_together(evaluations: list[Evaluation], *, warehouses: list[Warehouse]) -> None:
    """What rules_evaluation_write writes on each of many locked orders whose rules place no hold and add no
    line, but the timeline entries (rule_events) and the match counts (rules_matches_count), which the
    caller writes in their place: an UPDATE per distinct set of changes."""
    by_code = {w.code: w for w in warehouses}
    groups: dict[str, tuple[dict, list[int]]] = {}
    now = timezone.now()
    for evaluation in evaluations:
        order = evaluation.facts.order
        if changed := rules_evaluation_apply(evaluation, by_code):
            values = {Order._meta.get_field(name).attname: getattr(order, Order._meta.get_field(name).attname)
                      for name in changed}
            groups.setdefault(repr(sorted(values.items())), (values, []))[1].append(order.pk)
            order.updated_at = now
        if evaluation.before.allowed_warehouses != evaluation.after.allowed_warehouses:
            order.allowed_warehouses.set([by_code[c] for c in evaluation.after.allowed_warehouses if c in by_code])
    for values, order_ids in groups.values():
        Order.objects.filter(pk__in=order_ids).update(**values, updated_at=now)


def _warehouse_excluded(order: Order) -> bool:
    if order.warehouse_id is None:
        return False
    if order.forced_warehouse_id and order.forced_warehouse_id != order.warehouse_id:
        return True
    allowed = {w.pk for w in order.allowed_warehouses.all()}
    return bool(allowed) and order.warehouse_id not in allowed


@transaction.atomic
def order_rules_apply(*, order: Order | int, user=None, rules: list[Rule] | None = None,
                      timeline_when_unchanged: bool = True) -> ApplyResult:
    """Run the active rules, in order, on one open order and write what they change.

    Each matching rule is written to the timeline with its changes. An allocated order whose warehouse a
    rule now excludes gives its stock back and goes back to received, to be routed again. Orders already
    being picked are left alone.
    """
    order_id = order if isinstance(order, int) else order.pk
    locked = order_lock(order_id)
    if locked.status not in RERUN_STATUSES:
        return ApplyResult(evaluation=None)
    fresh = orders_for_rules(Order.objects.filter(pk=order_id)).get()
    evaluation = rules_evaluate(rules if rules is not None else rules_active(), facts_for_orders([fresh])[0])
    if not evaluation.matched:
        return ApplyResult(evaluation=evaluation)
    held = rules_evaluation_write(evaluation, user=user, timeline_when_unchanged=timeline_when_unchanged)
    result = ApplyResult(evaluation=evaluation, held=held)
    routed = (OrderStatus.ALLOCATED, OrderStatus.BACKORDERED)
    # Rules move an order only onto hold, so only one routed before them can need routing again.
    if locked.status in routed:
        fresh = Order.objects.prefetch_related("allowed_warehouses").get(pk=order_id)
        if fresh.status in routed and _warehouse_excluded(fresh):
            order_allocations_release(order=fresh, user=user, reason="Re-routed by a rule")
            order_transition(order=fresh.pk, to_status=OrderStatus.RECEIVED, user=user,
                             note="A rule changed the warehouse: routing again", actor="rules",
                             extra_fields={"warehouse": None})
            result.rerouted = True
    if not isinstance(order, int):
        order.refresh_from_db()
    return result


class RuleRunAlreadyOpen(DomainError):
    """A re-run is already queued or running; only one at a time."""

    status_code = 409

    def __init__(self, run: RuleRun | None, *, resumed: bool = False):
        which = f" (run #{run.pk}, {run.get_status_display().lower()})" if run is not None else ""
        again = " It had stopped moving and was started again." if resumed else ""
        super().__init__(f"The active rules are already being re-run{which}; wait for it to finish.{again}")
        self.run = run


def rule_run_start(*, user=None, client=None) -> RuleRun:
    """Queue a re-run of the active rules on every open order not yet being picked (optionally one client's).

    The work happens in orders.tasks.rule_run_task once this transaction commits. Raises RuleRunAlreadyOpen while another
    run is queued or running; that run is queued again if it has not moved for RULE_RUN_STALLED_AFTER.
    """
    open_run = RuleRun.objects.filter(status__in=OPEN_RULE_RUN_STATUSES).first()
    if open_run is not None:
        stalled = open_run.updated_at < timezone.now() - RULE_RUN_STALLED_AFTER
        if stalled:
            # Its worker died and the message is gone: queue it again; it resumes after its last order.
            work_enqueue(RULE_RUN_TASK, open_run.pk)
        raise RuleRunAlreadyOpen(open_run, resumed=stalled)
    with transaction.atomic():
        try:
            with transaction.atomic():
                run = RuleRun.objects.create(requested_by=user_or_none(user), client=client)
        except IntegrityError:  # another request opened one between the check and the insert
            raise RuleRunAlreadyOpen(RuleRun.objects.filter(status__in=OPEN_RULE_RUN_STATUSES).first()) from None
        work_enqueue(RULE_RUN_TASK, run.pk)
    return run


def _rule_run_claim(run_id: int) -> RuleRun | None:
    """Mark a queued run running; return it while it is open, None when it is gone or finished."""
    with transaction.atomic():
        run = rule_run_lock(run_id)
        if run is None or not run.is_open:
            return None
        if run.status == RuleRunStatus.QUEUED:
            run.status, run.started_at = RuleRunStatus.RUNNING, timezone.now()
            run.save(update_fields=["status", "started_at", "updated_at"])
        return run


def _error_message(exc: DomainError | ValidationError) -> str:
    text = exc.message if isinstance(exc, DomainError) else " ".join(exc.messages)
    return (text or type(exc).__name__)[:2000]


def _rule_run_order(*, run_id: int, order_id: int, rules: list[Rule], user) -> bool:
    """Apply the rules to one order and count it in the run, in one transaction; False if already counted."""
    with transaction.atomic():
        # The run row is locked first, so two workers on the same run cannot both apply one order.
        run = rule_run_lock(run_id)
        if run is None or not run.is_open or (run.last_order_id is not None and order_id <= run.last_order_id):
            return False
        counts = {"orders_considered": 1}
        try:
            with transaction.atomic():
                result = order_rules_apply(order=order_id, user=user, rules=rules, timeline_when_unchanged=False)
        except (DomainError, ValidationError) as exc:
            logger.warning("Rule run %s: order %s: %s", run_id, order_id, exc)
            counts["errors"] = 1
            # The run row is locked, so its count is exact and the cap holds under two workers.
            if run.errors < RULE_RUN_ERRORS_KEPT:
                RuleRunError.objects.create(run_id=run_id, order_id=order_id, message=_error_message(exc))
        else:
            if result.evaluation is not None and result.evaluation.matched:
                counts["orders_matched"] = 1
                counts["orders_changed"] = int(result.changed)
                counts["actions_applied"] = sum(len(o.changes) for o in result.evaluation.outcomes)
                counts["orders_held"] = int(result.held)
                counts["orders_rerouted"] = int(result.rerouted)
        RuleRun.objects.filter(pk=run_id).update(
            last_order_id=order_id, updated_at=timezone.now(),
            **{name: F(name) + n for name, n in counts.items() if n},
        )
    return True


def rule_run_process(*, run_id: int, batch_size: int = RULE_RUN_BATCH_SIZE) -> RuleRun | None:
    """Do a queued (or interrupted) re-run: the open orders in batches by pk, each in its own transaction
    through order_rules_apply, so the timeline reads as when a rule runs on arrival.

    A missing or finished run is left alone (returns None). A run that was interrupted resumes after the last
    order it counted. An order a rule cannot be applied to (a domain error) counts as an error and the run goes
    on, and the first RULE_RUN_ERRORS_KEPT such orders are recorded with the message; any other exception marks
    the run failed with the error. Returns the run as it ends.
    """
    run = _rule_run_claim(run_id)
    if run is None:
        return None
    try:
        rules = rules_active()
        user = run.requested_by
        qs = Order.objects.filter(status__in=RERUN_STATUSES).order_by("pk")
        if run.client_id is not None:
            qs = qs.filter(client_id=run.client_id)
        after = run.last_order_id or 0
        while True:
            batch = list(qs.filter(pk__gt=after).values_list("pk", flat=True)[:batch_size])
            if not batch:
                break
            for order_id in batch:
                _rule_run_order(run_id=run_id, order_id=order_id, rules=rules, user=user)
            after = batch[-1]
    except Exception as exc:
        logger.exception("Rule run %s failed", run_id)
        RuleRun.objects.filter(pk=run_id, status__in=OPEN_RULE_RUN_STATUSES).update(
            status=RuleRunStatus.FAILED, error=f"{type(exc).__name__}: {exc}"[:2000],
            finished_at=timezone.now(), updated_at=timezone.now())
    else:
        RuleRun.objects.filter(pk=run_id, status__in=OPEN_RULE_RUN_STATUSES).update(
            status=RuleRunStatus.DONE, finished_at=timezone.now(), updated_at=timezone.now())
    return RuleRun.objects.filter(pk=run_id).first()


# --- trying ----------------------------------------------------------------------------------------------

@dataclass
class TryMatch:
    order: Order
    changes: list[str]
    notes: list[str]


@dataclass
class TryReport:
    days: int
    since: datetime.datetime
    examined: int
    matches: list[TryMatch]
    capped: bool = False

    @property
    def changing(self) -> int:
        return sum(1 for m in self.matches if m.changes)


def rule_try(*, rule: Rule, days: int, orders) -> TryReport:
    """Evaluate one rule (saved or draft, active or not) on the orders received in the last `days` days,
    among `orders` (a queryset already scoped to the user), and report what it would change. Writes nothing.

    Raises DomainError for a number of days outside 1..365.
    """
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_TRY_DAYS:
        raise DomainError(f"Try a rule on 1 to {MAX_TRY_DAYS} days of orders.", field="days")
    since = timezone.now() - datetime.timedelta(days=days)
    qs = orders.filter(received_at__gte=since, parent__isnull=True)
    if rule.client_id is not None:
        qs = qs.filter(client_id=rule.client_id)
    ids = list(qs.order_by("-received_at", "-pk").values_list("pk", flat=True)[:MAX_TRY_ORDERS + 1])
    capped = len(ids) > MAX_TRY_ORDERS
    ids = ids[:MAX_TRY_ORDERS]
    loaded = orders_for_rules(Order.objects.filter(pk__in=ids)).order_by("-received_at", "-pk")
    matches = []
    for facts in facts_for_orders(loaded):
        evaluation = rules_evaluate([rule], facts)
        for outcome in evaluation.outcomes:
            matches.append(TryMatch(order=facts.order, changes=outcome.changes, notes=outcome.notes))
    return TryReport(days=days, since=since, examined=len(ids), matches=matches, capped=capped)
