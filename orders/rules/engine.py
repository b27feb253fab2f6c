"""Evaluating rules on orders, without writing anything.

`rules_evaluate` runs rules in their stated order over an order's facts and returns, per matching rule,
what it would change; the services (orders.rules.services) write that, the dry-run only shows it.
Later rules see what earlier ones did (a tag added by rule 1 can be a condition of rule 2).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import timezone

from orders.choices import HoldKind
from orders.facts import OrderFacts
from orders.models import Rule
from orders.rules.schema import PRIORITY_BY_NAME, PRIORITY_NAME

# --- state the actions change ----------------------------------------------------------------------------

@dataclass
class PlannedHold:
    kind: str
    reason: str
    rule: Rule
    until_date: datetime.date | None = None


@dataclass
class PlannedInsert:
    sku: str
    quantity: int
    rule: Rule


@dataclass
class OrderState:
    forced_warehouse: str
    allowed_warehouses: list[str]
    carrier_code: str
    service_code: str
    box_type_code: str
    tags: list[str]
    priority: int
    hold_until_date: datetime.date | None
    holds: list[PlannedHold] = field(default_factory=list)
    inserts: list[PlannedInsert] = field(default_factory=list)

    @classmethod
    def of(cls, facts: OrderFacts) -> OrderState:
        order = facts.order
        allowed = facts.allowed_warehouse_codes
        if allowed is None:
            allowed = [w.code for w in order.allowed_warehouses.all()]
        return cls(
            forced_warehouse=order.forced_warehouse.code if order.forced_warehouse_id else "",
            allowed_warehouses=sorted(allowed),
            carrier_code=order.carrier_code,
            service_code=order.service_code,
            box_type_code=order.box_type_code,
            tags=[str(t).lower() for t in (order.tags or [])],
            priority=order.priority,
            hold_until_date=order.hold_until_date,
        )


@dataclass
class RuleOutcome:
    rule: Rule
    changes: list[str]
    notes: list[str]

    @property
    def summary(self) -> str:
        parts = self.changes or ["nothing to change"]
        text = "; ".join(parts)
        if self.notes:
            text += " (" + "; ".join(self.notes) + ")"
        return text


@dataclass
class Evaluation:
    facts: OrderFacts
    before: OrderState
    after: OrderState
    outcomes: list[RuleOutcome]

    @property
    def changed(self) -> bool:
        return any(o.changes for o in self.outcomes)

    @property
    def matched(self) -> bool:
        return bool(self.outcomes)


# --- conditions ------------------------------------------------------------------------------------------

def _fact(field_name: str, facts: OrderFacts, state: OrderState):
    order = facts.order
    match field_name:
        case "channel":
            return order.channel_id
        case "channel_kind":
            return order.channel.kind
        case "client":
            return order.client.code
        case "ship_country":
            return (order.ship_country or "").upper()
        case "ship_state":
            return (order.ship_state or "").upper()
        case "ship_postal_code":
            return "".join((order.ship_postal_code or "").split()).upper()
        case "order_total":
            return facts.order_total
        case "item_count":
            return facts.item_count
        case "total_weight_g":
            return facts.total_weight_g
        case "sku":
            return facts.skus
        case "tags":
            return set(state.tags)
        case "note":
            return order.customer_note or ""
        case "requested_shipping_method":
            return order.requested_shipping_method or ""
        case "requested_service_level":
            return order.requested_service_level
        case "customer_email_domain":
            return facts.email_domain
        case "first_order":
            return facts.first_order
        case "payment_status":
            return order.payment_status or ""
    raise AssertionError(field_name)


def condition_holds(cond: dict, facts: OrderFacts, state: OrderState) -> bool:
    """True when the order satisfies one (already validated) condition."""
    op, value = cond["op"], cond["value"]
    actual = _fact(cond["field"], facts, state)
    match op:
        case "in":
            return actual in value
        case "not_in":
            return actual not in value
        case "eq" | "gt" | "gte" | "lt" | "lte":
            a, v = Decimal(actual), Decimal(str(value))
            return {"eq": a == v, "gt": a > v, "gte": a >= v, "lt": a < v, "lte": a <= v}[op]
        case "starts_with":
            return any(actual.startswith(p) for p in value)
        case "not_starts_with":
            return not any(actual.startswith(p) for p in value)
        case "any" | "all" | "none":
            wanted = {str(v).casefold() for v in value}
            have = {str(a).casefold() for a in actual}
            return {"any": bool(wanted & have), "all": wanted <= have, "none": not wanted & have}[op]
        case "contains":
            return value.casefold() in actual.casefold()
        case "not_contains":
            return value.casefold() not in actual.casefold()
        case "equals":
            return value.casefold() == actual.strip().casefold()
        case "is":
            return bool(actual) == value
    raise AssertionError(op)


def rule_matches(rule: Rule, facts: OrderFacts, state: OrderState) -> bool:
    if rule.client_id is not None and rule.client_id != facts.order.client_id:
        return False
    return all(condition_holds(c, facts, state) for c in rule.conditions)


# --- actions ---------------------------------------------------------------------------------------------

def _blank(value) -> str:
    return value if value not in ("", None) else "none"


def _apply_action(action: dict, rule: Rule, facts: OrderFacts, state: OrderState, changes: list[str],
                  notes: list[str]) -> None:
    kind, value = action["type"], action["value"]
    order = facts.order
    if kind == "set_warehouse":
        if state.forced_warehouse != value:
            changes.append(f"warehouse {_blank(state.forced_warehouse)} → {value}")
            state.forced_warehouse = value
    elif kind == "limit_warehouses":
        if state.allowed_warehouses != sorted(value):
            changes.append(f"warehouses limited to {', '.join(sorted(value))}")
            state.allowed_warehouses = sorted(value)
    elif kind in ("set_carrier", "set_service", "set_box_type"):
        attr, label = {"set_carrier": ("carrier_code", "carrier"), "set_service": ("service_code", "service"),
                       "set_box_type": ("box_type_code", "box type")}[kind]
        if getattr(state, attr) != value:
            changes.append(f"{label} {_blank(getattr(state, attr))} → {value}")
            setattr(state, attr, value)
    elif kind == "add_tags":
        new = [t for t in value if t not in state.tags]
        if new:
            changes.append(f"tags + {', '.join(new)}")
            state.tags = [*state.tags, *new]
    elif kind == "set_priority":
        wanted = PRIORITY_BY_NAME[value]
        if state.priority != wanted:
            changes.append(f"priority {PRIORITY_NAME.get(state.priority, state.priority)} → {value}")
            state.priority = wanted
    elif kind == "hold":
        _plan_hold(PlannedHold(kind=HoldKind.RULE, reason=value, rule=rule), facts, state, changes, notes)
    elif kind == "hold_until":
        if "date" in value:
            until = datetime.date.fromisoformat(value["date"])
        else:
            arrived = timezone.localdate(order.received_at) if order.received_at else timezone.localdate()
            until = arrived + datetime.timedelta(days=value["days"])
        if until <= timezone.localdate():
            notes.append(f"hold until {until} not placed: that date has passed")
            return
        planned = PlannedHold(kind=HoldKind.UNTIL_DATE, reason=f"Held until {until} by rule “{rule.name}”",
                              rule=rule, until_date=until)
        if _plan_hold(planned, facts, state, changes, notes):
            state.hold_until_date = until
    elif kind == "add_insert":
        sku, quantity = value["sku"], value["quantity"]
        already = any(line.is_insert and line.sku == sku for line in facts.lines) or any(
            i.sku == sku for i in state.inserts)
        if already:
            return
        changes.append(f"insert {sku} × {quantity} added")
        state.inserts.append(PlannedInsert(sku=sku, quantity=quantity, rule=rule))
    else:
        raise AssertionError(kind)


def _plan_hold(planned: PlannedHold, facts: OrderFacts, state: OrderState, changes: list[str],
               notes: list[str]) -> bool:
    rule_id = planned.rule.pk
    if facts.open_hold(planned.kind, rule_id) or any(
            h.kind == planned.kind and h.rule is planned.rule for h in state.holds):
        return False
    if rule_id is not None and facts.released_hold(planned.kind, rule_id):
        notes.append("hold not put back: it was released before")
        return False
    if planned.until_date:
        changes.append(f"on hold until {planned.until_date}")
    else:
        changes.append(f"on hold: {planned.reason}")
    state.holds.append(planned)
    return True


def rules_evaluate(rules: Iterable[Rule], facts: OrderFacts) -> Evaluation:
    """Run rules (in the given order) over one order's facts and return what each matching one changes."""
    before = OrderState.of(facts)
    state = OrderState.of(facts)
    outcomes: list[RuleOutcome] = []
    for rule in rules:
        if not rule_matches(rule, facts, state):
            continue
        changes: list[str] = []
        notes: list[str] = []
        for action in rule.actions:
            _apply_action(action, rule, facts, state, changes, notes)
        outcomes.append(RuleOutcome(rule=rule, changes=changes, notes=notes))
        if rule.stop_processing:
            break
    return Evaluation(facts=facts, before=before, after=state, outcomes=outcomes)
