"""Thin Celery tasks of the orders app: they take ids, load fresh rows, call one service, and are safe to
run twice."""

from __future__ import annotations

import logging

from celery import shared_task

from core.work import work_register
from orders.holds.services import holds_release_due
from orders.processing import order_received_process, orders_received_process
from orders.routing import backorders_allocate
from orders.rules.services import rule_run_process
from orders.task_names import BACKORDERS_ALLOCATE_TASK, ORDER_ROUTE_TASK, RULE_RUN_TASK

logger = logging.getLogger(__name__)


@shared_task(name=ORDER_ROUTE_TASK, acks_late=True)
def order_route_task(order_id: int) -> str:
    """Route an order that is (still) received: rules, the automatic hold checks, then routing.

    A missing order or one no longer received is skipped. Returns what happened.
    """
    return order_received_process(order_id=order_id)


@shared_task(name=BACKORDERS_ALLOCATE_TASK, acks_late=True)
def backorders_allocate_task(product_id: int) -> int:
    """Allocate the backordered orders waiting for a product, oldest first. Returns how many moved."""
    return len(backorders_allocate(product_id=product_id))


@shared_task(acks_late=True)
def holds_release_due_task() -> int:
    """Release the hold-until-date holds whose date has come (beat: hourly). Returns how many."""
    return holds_release_due()


@shared_task(name=RULE_RUN_TASK, acks_late=True)
def rule_run_task(run_id: int) -> str:
    """Do a re-run of the active rules on the open orders (orders.rules.services.rule_run_process).

    A missing or finished run is skipped; an interrupted one resumes where it stopped. Returns the run's status.
    """
    run = rule_run_process(run_id=run_id)
    return run.status if run is not None else "skipped"


def _orders_received_process(order_ids: list[int]) -> dict[int, BaseException]:
    return orders_received_process(order_ids)


work_register(order_route_task, label="Orders waiting to be routed", batch=_orders_received_process)
work_register(backorders_allocate_task, label="Backorders to allocate after stock arrived")
work_register(rule_run_task, label="Rule re-runs")
