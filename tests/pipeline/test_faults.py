"""Faults on the real production stack (tests/fakes/stack.py): gunicorn, a Celery worker, Celery beat, a private
redis-server and a fresh PostgreSQL database, with signed Shopify webhooks posted over HTTP while something breaks.

What they prove: no storefront order is lost or doubled and none is left waiting when the broker freezes, dies
and comes back empty, or the worker is killed mid-task; API writes do not wait for a frozen broker and their
follow-up work still happens; an unusable payload fails once with a reason a person can act on, and is not
retried. Each test starts its own stack (about 2 s from the template database) and takes under 2 minutes.
"""

from __future__ import annotations

import random
import re
import signal
import time
import uuid
import warnings

import pytest

from orders.intake.simulator import shopify_payload
from orders.task_names import PROCESS_DELIVERY_TASK
from tests.conftest import postgres_only
from tests.fakes.stack import ProductionStack, stack_unavailable

pytestmark = [postgres_only, pytest.mark.postgres, pytest.mark.redis]

SWEEP_SECONDS = 5  # beat's sweep interval in the stack (DOCKHAND_SWEEP_SECONDS)
# A killed worker's jobs come back when their lease ends (5 min in production); the tests shorten it, so that
# they prove the taking back without waiting minutes. A lease shorter than a batch only risks a second run,
# which tasks tolerate.
LEASE_SECONDS = 30
SETTLE_SECONDS = 60  # after the fault and the load: time for the sweep to finish what the fast path missed
LOAD_ORDERS = 120
# Webhooks per second: the posting runs 6 s and outpaces the pipeline (~8 orders/s here with one worker of two
# processes), so when the fault comes 3 s in, tasks are running, reserved and queued, and webhooks still arrive.
LOAD_RATE = 20.0
FAULT_AFTER_SECONDS = 3.0


@pytest.fixture
def stack(tmp_path):
    reason = stack_unavailable()
    if reason:
        pytest.skip(reason)
    with ProductionStack(workdir=tmp_path / "stack", sweep_seconds=SWEEP_SECONDS,
                         lease_seconds=LEASE_SECONDS) as running:
        yield running
        if running.restarts:  # a crash the supervisor healed, as production's would: worth seeing
            warnings.warn(f"the stack's supervisor restarted: {running.restarts}", stacklevel=1)


def problems_after_load_with(stack, fault) -> list[str]:
    """Post LOAD_ORDERS webhooks at LOAD_RATE, call `fault()` a few seconds in, then wait for the sweep.

    Returns what went wrong: webhooks not acknowledged, orders missing or doubled, orders still `received`,
    deliveries still pending or failed.
    """
    hooks = stack.shopify_webhooks(LOAD_ORDERS)
    load = stack.start_load(hooks, rate=LOAD_RATE)
    time.sleep(FAULT_AFTER_SECONDS)
    fault()
    posted = load.join(timeout=120)
    stack.wait_until(lambda s: s.intake_report(hooks).settled, timeout=SETTLE_SECONDS)
    report = stack.intake_report(hooks)
    problems = []
    refused = [(p.index, p.status, p.error[:80]) for p in posted if p.status != 200]
    if refused:
        problems.append(f"{len(refused)} webhooks not answered 200 (first 5: {refused[:5]})")
    if not report.settled:
        problems.append(str(report))
    return problems


def test_a_frozen_broker_loses_no_order_and_strands_none(stack):
    # Given storefront orders arriving steadily
    # When the broker stops answering (SIGSTOP) for 20 s in the middle of it
    def freeze_for_20_seconds():
        stack.redis_freeze()
        time.sleep(20)
        stack.redis_thaw()

    problems = problems_after_load_with(stack, freeze_for_20_seconds)

    # Then every webhook was acknowledged, and once the sweep has run every order exists exactly once, none is
    # still `received` and no delivery is pending or failed
    assert not problems, problems


def test_a_broker_killed_and_restarted_empty_loses_no_order_and_strands_none(stack):
    # Given storefront orders arriving steadily
    # When the broker is killed (no persistence: every queued task is gone) and a fresh one starts 5 s later
    def kill_and_restart_empty():
        stack.redis_kill()
        time.sleep(5)
        stack.redis_restart()

    problems = problems_after_load_with(stack, kill_and_restart_empty)

    # Then the same: each order once, none left `received`, every delivery finished
    assert not problems, problems


def test_a_worker_killed_mid_task_loses_no_order_and_strands_none(stack):
    # Given storefront orders arriving steadily
    # When the Celery worker and its pool are killed with SIGKILL (tasks in flight, unacknowledged) and a new
    # worker starts 2 s later
    def kill_worker_and_restart():
        stack.kill_worker(signal.SIGKILL)
        time.sleep(2)
        stack.restart_worker()

    problems = problems_after_load_with(stack, kill_worker_and_restart)

    # Then the same: each order once, none left `received`, every delivery finished
    assert not problems, problems


# --- API writes ------------------------------------------------------------------------------------------------


def brightleaf(stack) -> dict:
    """Brightleaf (no split shipments): its API channel, two plain SKUs, and where the first one is stocked."""
    (client_id,) = stack.query("SELECT id FROM inventory_client WHERE code = 'BRIGHTLEAF'")[0]
    (channel_id,) = stack.query("SELECT id FROM orders_saleschannel WHERE client_id = %s AND kind = 'api' "
                                "ORDER BY id LIMIT 1", [client_id])[0]
    products = stack.query("SELECT id, sku FROM inventory_product WHERE client_id = %s AND is_active "
                           "AND NOT is_lot_tracked ORDER BY sku LIMIT 2", [client_id])
    (product_id, sku), (_, other_sku) = products
    (units,) = stack.query("SELECT sum(on_hand - allocated) FROM inventory_stocklevel WHERE product_id = %s",
                           [product_id])[0]
    (location_id,) = stack.query(
        "SELECT min(l.id) FROM inventory_stocklevel s JOIN warehouses_location l ON l.id = s.location_id "
        "WHERE s.product_id = %s AND l.kind = 'pick'", [product_id])[0]
    return {"channel": channel_id, "product": product_id, "sku": sku, "other_sku": other_sku,
            "available": units, "location": location_id}


def api_order(channel_id: int, sku: str, quantity: int) -> dict:
    """An order of one customer (one email, so the fraud check's "many customers, one address" stays quiet)."""
    number = f"API-{uuid.uuid4().hex[:10].upper()}"
    return {"channel": channel_id, "order_number": number, "external_id": number, "customer_name": "Casey Morgan",
            "customer_email": "casey.morgan@example.com", "ship_name": "Casey Morgan",
            "ship_address1": "350 5th Ave", "ship_city": "New York", "ship_state": "NY",
            "ship_postal_code": "10118", "ship_country": "US", "lines": [{"sku": sku, "quantity": quantity}]}


def order_status(stack, channel_id: int, external_id: str) -> str | None:
    rows = stack.query("SELECT status FROM orders_order WHERE channel_id = %s AND external_id = %s "
                       "AND parent_id IS NULL", [channel_id, external_id])
    return rows[0][0] if rows else None


def timed(call):
    started = time.monotonic()
    try:
        return call(), time.monotonic() - started
    except Exception as exc:  # a timeout is a finding, reported with the rest
        return exc, time.monotonic() - started


def test_api_writes_answer_at_once_with_a_frozen_broker_and_their_work_follows(stack):
    # Given a Brightleaf order waiting for stock (more units than all warehouses together have)
    shop = brightleaf(stack)
    waiting = api_order(shop["channel"], shop["sku"], shop["available"] + 10)
    response = stack.api("POST", "/api/v1/orders/", json=waiting)
    assert response.status_code == 201, response.text
    assert stack.wait_until(lambda s: order_status(s, shop["channel"], waiting["external_id"]) == "backordered",
                            timeout=30), order_status(stack, shop["channel"], waiting["external_id"])

    # When the broker is frozen and a merchant creates an order and a manager adds the missing stock
    stack.redis_freeze()
    frozen_at = time.monotonic()
    new = api_order(shop["channel"], shop["other_sku"], 1)
    key = {"Idempotency-Key": uuid.uuid4().hex}
    created, created_seconds = timed(lambda: stack.api("POST", "/api/v1/orders/", json=new, headers=key))
    adjusted, adjusted_seconds = timed(lambda: stack.api("POST", "/api/v1/stock/adjustments/", json={
        "product": shop["product"], "location": shop["location"], "quantity": shop["available"] + 20,
        "reason": "Pallet found in receiving"}))
    time.sleep(max(0.0, 10 - (time.monotonic() - frozen_at)))
    stack.redis_thaw()

    # Then both answered 2xx within a second, and once the broker is back the new order is routed and the
    # waiting one is allocated from the new stock; the same key and body replay the same order
    problems = []
    for label, answer, seconds in (("POST /api/v1/orders/", created, created_seconds),
                                   ("POST /api/v1/stock/adjustments/", adjusted, adjusted_seconds)):
        status = getattr(answer, "status_code", repr(answer))
        if not (isinstance(status, int) and 200 <= status < 300) or seconds >= 1.0:
            problems.append(f"{label} answered {status} after {seconds:.2f} s")

    def work_done(s):
        return (order_status(s, shop["channel"], new["external_id"]) not in (None, "received")
                and order_status(s, shop["channel"], waiting["external_id"]) == "allocated")

    if not stack.wait_until(work_done, timeout=SETTLE_SECONDS):
        problems.append(f"after the thaw: the new order is {order_status(stack, shop['channel'], new['external_id'])}"
                        f", the waiting one {order_status(stack, shop['channel'], waiting['external_id'])}")
    replay = stack.api("POST", "/api/v1/orders/", json=new, headers=key)
    if replay.status_code not in (200, 201) or replay.headers.get("Idempotent-Replayed") != "true":
        problems.append(f"the replay answered {replay.status_code} {replay.headers.get('Idempotent-Replayed')}")
    assert not problems, problems


# --- unusable payloads -----------------------------------------------------------------------------------------

EXCEPTION_DUMP = re.compile(r"^\w+(Error|Exception)\b|Traceback")


def bad_payloads(stack) -> dict[str, tuple[dict, tuple[str, ...]]]:
    """Three orders that cannot be taken, each with words its failure reason should contain."""
    rng = random.Random()
    base = 7_000_000_000_000 + rng.randrange(10**12)
    skus = stack.shopify_channel()["skus"]
    payloads = {}
    huge = shopify_payload(order_id=base, number=rng.randrange(100_000, 900_000), skus=skus, rng=rng)
    huge["line_items"][0]["quantity"] = 10**12
    payloads["quantity of 10**12"] = (huge, ("quantit",))
    infinite = shopify_payload(order_id=base + 1, number=rng.randrange(100_000, 900_000), skus=skus, rng=rng)
    infinite["line_items"][0]["price"] = float("inf")  # json.dumps writes the bare token Infinity
    payloads["Infinity as a price"] = (infinite, ("price", "amount", "infinit", "json", "finite"))
    nul = shopify_payload(order_id=base + 2, number=rng.randrange(100_000, 900_000), skus=skus, rng=rng)
    nul["shipping_address"]["name"] = nul["shipping_address"]["first_name"] = "Ava\x00Null"
    nul["customer"]["first_name"] = "Ava\x00Null"
    payloads["NUL in a name"] = (nul, ("nul", "0x00", "\\x00", "\\u0000", "control character"))
    return payloads


def test_unusable_payloads_fail_once_with_a_reason_and_are_not_retried(stack):
    # Given three signed webhooks whose orders cannot be taken as they are
    cases = bad_payloads(stack)
    channel_id = stack.shopify_channel()["id"]

    # When the storefront posts them
    answers = {label: stack.post_shopify(payload).status_code for label, (payload, _words) in cases.items()}

    def deliveries(s):
        """Per case: (state, attempts, jobs still waiting or running for it, last error) of each delivery."""
        rows = {}
        for label, (payload, _words) in cases.items():
            rows[label] = s.query(
                "SELECT d.state, d.attempts, (SELECT count(*) FROM core_job j WHERE j.task = %s "
                "AND j.object_id = d.id AND j.state IN ('pending', 'running')), d.last_error "
                # A body refused at the door (not JSON) is kept without its order id: find it by its body.
                "FROM orders_webhookdelivery d WHERE d.channel_id = %s AND (d.external_id = %s OR "
                "(d.external_id = '' AND d.body LIKE %s))",
                [PROCESS_DELIVERY_TASK, channel_id, str(payload["id"]), f'%"id": {payload["id"]},%'])
        return rows

    def all_ended(s):
        return all(len(rows) == 1 and rows[0][0] not in ("pending", "processing")
                   for rows in deliveries(s).values())

    stack.wait_until(all_ended, timeout=45)
    time.sleep(2 * SWEEP_SECONDS + 2)  # two sweeps: a delivery due for a retry would have been picked up

    # Then each delivery is stored once, ends failed (or rejected at the door as not JSON) after one attempt,
    # with a reason naming the problem rather than an exception, no retry scheduled, and no order was made
    problems = []
    for label, rows in deliveries(stack).items():
        payload, words = cases[label]
        if len(rows) != 1:
            problems.append(f"{label}: {len(rows)} deliveries stored")
            continue
        state, attempts, retries_queued, error = rows[0]
        expected = {200: "failed", 400: "rejected"}.get(answers[label])
        if state != expected or attempts > 1 or retries_queued:
            problems.append(f"{label}: answered {answers[label]}, then {state} after {attempts} attempt(s), "
                            f"{retries_queued} job(s) still queued for it")
        if not error or EXCEPTION_DUMP.search(error) or not any(w in error.lower() for w in words):
            problems.append(f"{label}: reason {error!r} does not say what is wrong")
        order = stack.query("SELECT order_number, status FROM orders_order WHERE channel_id = %s "
                            "AND external_id = %s", [channel_id, str(payload["id"])])
        if order:
            problems.append(f"{label}: an order was created anyway: {order}")
    assert not problems, "\n".join(problems)
