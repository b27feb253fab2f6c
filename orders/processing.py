"""What happens to an order that reaches received, in one transaction: the active rules, the automatic hold
checks (address, payment, fraud), then routing.

`order_received_process` does it for one order (the routing job: new API and CSV orders, orders released
from a hold or sent back to routing). Intake does it for the orders it creates, in the transaction that
creates them, through `order_new_process`; a `ProcessingContext` holds what a whole batch reads once: the
active rules, the warehouses, the customers' first orders and the recent orders to the same postal codes.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from core.log_context import log_context
from orders.choices import OrderStatus
from orders.holds.checks import fraud_window, recent_orders_to
from orders.holds.services import automatic_holds_place
from orders.models import Order, OrderLine
from orders.routing import order_route
from orders.rules.engine import OrderFacts, first_order_pks, rules_evaluate
from orders.rules.models import Rule
from orders.rules.services import rules_active, rules_evaluation_write
from warehouses.models import Warehouse


@dataclass
class ProcessingContext:
    """What processing a batch of received orders reads once, kept up to date as the batch creates orders."""

    rules: list[Rule]
    warehouses: list[Warehouse]
    first_orders: dict[tuple[int, str], int]
    recent_by_postal_code: dict[str, list[tuple]]

    @classmethod
    def load(cls, *, customers: Iterable[tuple[int, str]], postal_codes: Iterable[str],
             received_since: datetime.datetime | None = None) -> ProcessingContext:
        """Read the rules, the warehouses and the history of these customers and postal codes (4 queries).

        `received_since`: the earliest receipt time of the orders to process (default now).
        """
        since = (received_since or timezone.now()) - fraud_window()
        return cls(rules=rules_active(), warehouses=list(Warehouse.objects.all()),
                   first_orders=first_order_pks(customers),
                   recent_by_postal_code=recent_orders_to({c for c in postal_codes if c}, since=since))

    def order_added(self, order: Order) -> None:
        """Count an order created in this batch in the history later orders of the batch look at."""
        if order.customer_email:
            self.first_orders.setdefault((order.client_id, order.customer_email.lower()), order.pk)
        if order.ship_postal_code in self.recent_by_postal_code and not order.parent_id:
            self.recent_by_postal_code[order.ship_postal_code].append(
                (order.ship_address1, order.customer_email.lower(), order.customer_name, order.received_at))

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
    if automatic_holds_place(facts=facts, recent=context.recent_by_postal_code.get(order.ship_postal_code)):
        return "held"
    return order_route(order=order, locked=True, lines=lines, warehouses=context.warehouses,
                       rule_warehouse_codes=rule_warehouse_codes).outcome
