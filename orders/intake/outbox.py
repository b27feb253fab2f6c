"""Hand stored deliveries to Celery without ever making a webhook response wait for the broker.

The webhook view only writes a WebhookDelivery row; after commit, `dispatch` passes its id to a small
background thread pool that calls `apply_async`. A stopped Redis makes that call fail, a paused one makes it
hang: either way only the background thread waits, the delivery stays `pending`, and the periodic sweep
(orders.intake.tasks.webhook_deliveries_sweep_task) processes it later. Without a broker
(CELERY_TASK_ALWAYS_EAGER, the demo and the tests) there is nothing to wait for and the task runs inline.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import Future, ThreadPoolExecutor, wait

from celery import current_app

logger = logging.getLogger(__name__)

_executor: ThreadPoolExecutor | None = None
_executor_lock = threading.Lock()
_pending: set[Future] = set()


def _pool() -> ThreadPoolExecutor:
    global _executor
    with _executor_lock:
        if _executor is None:
            _executor = ThreadPoolExecutor(max_workers=4, thread_name_prefix="intake-outbox")
        return _executor


def _send(delivery_id: int) -> None:
    from orders.intake.tasks import webhook_delivery_process_task

    try:
        # retry=False: fail fast; the sweep is the retry.
        webhook_delivery_process_task.apply_async(args=[delivery_id], retry=False)
    except Exception:
        logger.warning("Could not hand delivery %s to the broker; the sweep will process it", delivery_id,
                       exc_info=True)


def dispatch(delivery_id: int) -> None:
    """Queue processing of a stored delivery; never blocks on the broker, never raises."""
    from orders.intake.tasks import webhook_delivery_process_task

    if current_app.conf.task_always_eager:
        try:
            webhook_delivery_process_task.apply(args=[delivery_id])
        except Exception:  # the row keeps its state and error; the sweep retries
            logger.exception("Processing delivery %s failed", delivery_id)
        return
    future = _pool().submit(_send, delivery_id)
    _pending.add(future)
    future.add_done_callback(_pending.discard)


def wait_for_dispatches(timeout: float = 5.0) -> bool:
    """Wait until every background dispatch so far has finished (for tests and the benchmark)."""
    done, not_done = wait(list(_pending), timeout=timeout)
    return not not_done
