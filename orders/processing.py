"""What happens to an order that reaches received: the active rules, the automatic hold checks (address,
payment, fraud), then routing.

`orders_received_process` does it for a batch of orders (the routing job's batch handler: new API and CSV
orders, orders released from a hold or sent back to routing), `order_received_process` for one, in one
transaction. Intake does it for the orders it creates, in the transaction that creates them: a batch's new
orders through `orders_new_route`, a single delivery's through `order_new_process`. A `ProcessingContext`
holds what a whole batch reads once: the active rules, the warehouses, the customers' first orders and the
recent orders to the same postal codes.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import prefetch_related_objects
from django.utils import timezone

from core.log_context import log_context
from core.work import work_enqueue_many
from orders.choices import OrderStatus
from orders.facts import OrderFacts, first_order_pks
from orders.holds.checks import StreetHistory, recent_orders_to, street_key
from orders.holds.services import automatic_hold_problems, automatic_holds_place
from orders.locks import orders_lock
from orders.models import Order, OrderLine, Rule
from orders.routing import order_route, orders_route_together
from orders.rules.engine import Evaluation, rules_evaluate
from orders.rules.services import (
    rule_events,
    rules_active,
    rules_evaluation_apply,
    rules_evaluation_write,
    rules_evaluations_write_together,
    rules_matches_count,
)
from orders.services import order_events_together
from orders.task_names import ORDER_ROUTE_TASK
from warehouses.models import Warehouse

logger = logging.getLogger(__name__)


@dataclass
class ProcessingContext:
    """What processing a batch of received orders reads once, kept up to date as the batch creates orders."""

    rules: list[Rule]
    warehouses: list[Warehouse]
    first_orders: dict[tuple[int, str], int]
    recent_by_postal_code: dict[str, list[tuple]]
    _by_street: dict[str, dict[str, StreetHistory]] = field(default_factory=dict)

    @classmethod
    def load(cls, *, customers: Iterable[tuple[int, str]], postal_codes: Iterable[str],
             received_since: datetime.datetime | None = None,
             received_until: datetime.datetime | None = None) -> ProcessingContext:
        """Read the rules, the warehouses and the history of these customers and postal codes (4 queries).

        `received_since` and `received_until`: the earliest and latest receipt times of the orders to process
        (default now: orders about to be created).
        """
        received_since = received_since or timezone.now()
        return cls(rules=rules_active(), warehouses=list(Warehouse.objects.all()),
                   first_orders=first_order_pks(customers),
                   recent_by_postal_code=recent_orders_to({c for c in postal_codes if c},
                                                          received_from=received_since,
                                                          received_until=received_until))

    def order_added(self, order: Order) -> None:
        """Count an order created in this batch in the history later orders of the batch look at."""
        if order.customer_email:
            self.first_orders.setdefault((order.client_id, order.customer_email.lower()), order.pk)
        if order.ship_postal_code in self.recent_by_postal_code and not order.parent_id:
            row = (order.ship_address1, order.customer_email.lower(), order.customer_name, order.received_at)
            self.recent_by_postal_code[order.ship_postal_code].append(row)
            if order.ship_postal_code in self._by_street:
                streets = self._by_street[order.ship_postal_code]
                streets.setdefault(street_key(order.ship_address1), StreetHistory()).add(row)

    def recent_to(self, order: Order) -> StreetHistory | None:
        """The recent orders to the order's street (what the fraud check counts), or None if not read."""
        code = order.ship_postal_code
        if code not in self.recent_by_postal_code:
            return None
        if code not in self._by_street:  # indexed once: a burst to one postal code is not scanned per order
            index: dict[str, StreetHistory] = {}
            for row in self.recent_by_postal_code[code]:
                index.setdefault(street_key(row[0]), StreetHistory()).add(row)
            self._by_street[code] = index
        return self._by_street[code].get(street_key(order.ship_address1)) or StreetHistory()

    def is_first_order(self, order: Order) -> bool:
        if not order.customer_email:
            return False
        return self.first_orders.get((order.client_id, order.customer_email.lower())) in (order.pk, order.parent_id)


def order_received_process(*, order_id: int) -> str:
    """Apply the rules and the hold checks to a received order, then route it, in one transaction.

    Safe to call twice. Returns the outcome: "skipped" (gone or no longer received), "held", or routing's.
    """
    with log_context(order_id=order_id), transaction.atomic():
        locked = Order.objects.select_for_update(of=("self",)).filter(pk=order_id).first()
        if locked is None or locked.status != OrderStatus.RECEIVED:
            return "skipped"
        order = (Order.objects.select_related("client", "channel", "forced_warehouse")
                 .prefetch_related("allowed_warehouses", "holds").get(pk=order_id))
        context = ProcessingContext.load(customers=[(order.client_id, order.customer_email)],
                                         postal_codes=[order.ship_postal_code], received_since=order.received_at)
        return _process(order, lines=list(order.lines.select_related("product").order_by("pk")),
                        holds=list(order.holds.all()), context=context,
                        rule_warehouse_codes=[w.code for w in order.allowed_warehouses.all()])


def order_new_process(*, order: Order, lines: list[OrderLine], context: ProcessingContext) -> str:
    """Process an order created in the caller's transaction (which holds it): rules, checks, routing.

    Returns the outcome, as order_received_process.
    """
    context.order_added(order)
    if order.status != OrderStatus.RECEIVED:
        return "skipped"
    with log_context(order_id=order.pk):
        return _process(order, lines=lines, holds=[], context=context, rule_warehouse_codes=[])


def _process(order: Order, *, lines: list[OrderLine], holds: list, context: ProcessingContext,
             rule_warehouse_codes: list[str]) -> str:
    facts = OrderFacts(order=order, lines=lines, first_order=context.is_first_order(order), holds=holds,
                       allowed_warehouse_codes=rule_warehouse_codes)
    evaluation = rules_evaluate(context.rules, facts)
    if evaluation.matched:
        if rules_evaluation_write(evaluation):
            return "held"
        rule_warehouse_codes = list(evaluation.after.allowed_warehouses)
        if evaluation.after.inserts:  # a rule added flyers or samples: route them too
            lines = list(order.lines.select_related("product").order_by("pk"))
    if automatic_holds_place(facts=facts, recent=context.recent_to(order)):
        return "held"
    return order_route(order=order, locked=True, lines=lines, warehouses=context.warehouses,
                       rule_warehouse_codes=rule_warehouse_codes).outcome


def orders_received_process(order_ids: list[int]) -> dict[int, BaseException]:
    """Process a batch of received orders (rules, hold checks, routing); returns the ones that failed, with why.

    The routing job's batch handler. One transaction routes together every order that no check holds, whose
    rules neither hold it nor add a line, and that one warehouse can ship whole
    (orders.routing.orders_route_together); each other order is then processed on its own
    (order_received_process), in its own transaction, so one bad order fails alone. Should the batch itself
    fail, every order is processed on its own. Orders gone or no longer received are skipped.
    """
    try:
        with transaction.atomic():
            alone = _received_together(order_ids)
    except Exception:
        logger.warning("Routing %s orders together failed; each is routed on its own", len(order_ids),
                       exc_info=True)
        alone = list(order_ids)
    failures: dict[int, BaseException] = {}
    for order_id in alone:
        try:
            order_received_process(order_id=order_id)
        except Exception as exc:
            failures[order_id] = exc
    return failures


def _received_together(order_ids: list[int]) -> list[int]:
    """Lock the orders, route together the ones that need nothing else, return the ids of the rest."""
    orders = [o for o in orders_lock(order_ids, related=("client", "channel", "forced_warehouse"))
              if o.status == OrderStatus.RECEIVED]
    if not orders:
        return []
    prefetch_related_objects(orders, "client__allowed_warehouses", "allowed_warehouses", "holds")
    lines: dict[int, list[OrderLine]] = {o.pk: [] for o in orders}
    for line in OrderLine.objects.filter(order__in=orders).select_related("product").order_by("pk"):
        lines[line.order_id].append(line)
    context = ProcessingContext.load(customers=[(o.client_id, o.customer_email) for o in orders],
                                     postal_codes=[o.ship_postal_code for o in orders],
                                     received_since=min(o.received_at for o in orders),
                                     received_until=max(o.received_at for o in orders))
    return [o.pk for o in _route_plain(orders, lines=lines, context=context)]


def _route_plain(orders: list[Order], *, lines: dict[int, list[OrderLine]], context: ProcessingContext,
                 new: bool = False) -> list[Order]:
    """Route together the orders that no check holds and whose rules neither hold them nor add lines; return
    the others, untouched.

    The rules of an order routed here are written as the order's own transaction would write them: the
    changes, the timeline entries (before the routing's), the match counts (counted before the stock is
    locked, as every path locks rules before stock; taken back for an order left to route on its own,
    whose own transaction evaluates its rules again).
    """
    plain: list[tuple[Order, list[OrderLine], list[str]]] = []
    others: list[Order] = []
    ruled: dict[int, Evaluation] = {}
    by_code = {w.code: w for w in context.warehouses}
    for order in orders:
        codes = [] if new else [w.code for w in order.allowed_warehouses.all()]
        facts = OrderFacts(order=order, lines=lines[order.pk], first_order=context.is_first_order(order),
                           holds=[] if new else list(order.holds.all()), allowed_warehouse_codes=codes)
        evaluation = rules_evaluate(context.rules, facts)
        if (evaluation.after.holds or evaluation.after.inserts
                or automatic_hold_problems(facts, recent=context.recent_to(order))):
            others.append(order)
            continue
        if evaluation.matched:
            ruled[order.pk] = evaluation
            codes = list(evaluation.after.allowed_warehouses)
        plain.append((order, lines[order.pk], codes))
    if not ruled:
        return others + orders_route_together(orders=plain, warehouses=context.warehouses)
    events = {pk: rule_events(evaluation) for pk, evaluation in ruled.items()}  # in the status they had
    # Routing reads a forced warehouse from the order, so the changes are set in memory first (an order left
    # over is routed in its own transaction, from what is saved).
    for evaluation in ruled.values():
        rules_evaluation_apply(evaluation, by_code)
    rules_matches_count(list(ruled.values()))
    with order_events_together() as held:
        mark = len(held)
        left = orders_route_together(orders=plain, warehouses=context.warehouses)
        left_ids = {order.pk for order in left}
        routed = [evaluation for pk, evaluation in ruled.items() if pk not in left_ids]
        rules_evaluations_write_together(routed, warehouses=context.warehouses)
        held[mark:mark] = [event for evaluation in routed for event in events[evaluation.facts.order.pk]]
    if unrouted := [evaluation for pk, evaluation in ruled.items() if pk in left_ids]:
        rules_matches_count(unrouted, undo=True)
    return others + left


def orders_new_route(orders: list[Order], *, context: ProcessingContext) -> None:
    """Route the orders a batch of intake has just created in the caller's transaction (which holds them),
    together where nothing but stock is needed; give each other one its routing job, in that transaction."""
    lines = {order.pk: order.created_lines for order in orders}
    others = _route_plain(orders, lines=lines, context=context, new=True)
    work_enqueue_many(ORDER_ROUTE_TASK, [order.pk for order in others])
