"""Rules: how long "try on the last N days" takes, and orders per second through the rules engine.

    .venv/bin/python bench/rules_try.py

Builds a throw-away SQLite database (BENCH_RULE_ORDERS orders, default 5000, of 3 lines each, over 30 days)
and times orders.rules.services.rule_try with a five-condition rule (including "first order of this
customer", which needs the history), then rules_evaluate alone on the loaded facts. No timed asserts:
it prints the figures.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
DB = Path(tempfile.mkdtemp(prefix="dh-bench-rules-")) / "bench.sqlite3"
os.environ["DATABASE_URL"] = f"sqlite:///{DB}"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
ORDERS = int(os.environ.get("BENCH_RULE_ORDERS", "5000"))


def main() -> None:
    import django

    django.setup()
    import datetime
    import random
    from decimal import Decimal

    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    call_command("migrate", verbosity=0)
    from inventory.models import Client, Product
    from orders.facts import facts_for_orders, orders_for_rules
    from orders.models import Order, OrderLine, Rule, SalesChannel
    from orders.rules.engine import rules_evaluate
    from orders.rules.schema import rule_definition_clean
    from orders.rules.services import rule_try

    rng = random.Random(20261126)
    client = Client.objects.create(code="BENCH", name="Bench Co")
    channel = SalesChannel.objects.create(client=client, kind="shopify", name="Bench shop")
    products = Product.objects.bulk_create([Product(client=client, sku=f"B-{i:04d}", name=f"P{i}",
                                                    weight_g=rng.randint(50, 3000)) for i in range(300)])
    states = ["AK", "HI", "CA", "TX", "NY", "SC", "WA", "UT", "TN", "FL"]
    now = timezone.now()
    orders = Order.objects.bulk_create([Order(
        client=client, channel=channel, order_number=f"B{i}", external_id=f"B{i}",
        customer_email=f"c{rng.randint(1, ORDERS // 2)}@example.com", ship_state=rng.choice(states),
        ship_country="US", ship_postal_code="99501", total_price=Decimal(rng.randint(10, 900)),
        tags=rng.choice([[], ["vip"], ["wholesale"]]), payment_status="paid") for i in range(ORDERS)])
    for order in orders:
        order.received_at = now - datetime.timedelta(minutes=rng.randint(0, 30 * 24 * 60))
    Order.objects.bulk_update(orders, ["received_at"], batch_size=1000)
    OrderLine.objects.bulk_create([OrderLine(order=o, product=p, sku=p.sku, quantity=rng.randint(1, 3))
                                   for o in orders for p in rng.sample(products, 3)], batch_size=2000)
    conditions, actions = rule_definition_clean(conditions=[
        {"field": "ship_state", "op": "in", "value": "AK, HI"},
        {"field": "order_total", "op": "gte", "value": "100"},
        {"field": "total_weight_g", "op": "lt", "value": "8000"},
        {"field": "tags", "op": "none", "value": "wholesale"},
        {"field": "first_order", "op": "is", "value": "yes"},
    ], actions=[{"type": "set_carrier", "value": "fedex"}, {"type": "add_tags", "value": "remote"}], client=client)
    rule = Rule(name="bench", client=client, conditions=conditions, actions=actions)

    connection.queries_log.clear()
    start = time.perf_counter()
    report = rule_try(rule=rule, days=30, orders=Order.objects.all())
    elapsed = time.perf_counter() - start
    print(f"rule_try over {report.examined} orders (30 days, {ORDERS * 3} lines): {elapsed:.2f} s, "
          f"{report.examined / elapsed:,.0f} orders/s, {len(report.matches)} would match")

    start = time.perf_counter()
    loaded = list(orders_for_rules(Order.objects.all()))
    loading = time.perf_counter() - start
    start = time.perf_counter()
    facts = facts_for_orders(loaded)
    print(f"of which loading orders, lines and holds: {loading:.2f} s; first-order history: "
          f"{time.perf_counter() - start:.2f} s")
    rules = [rule] * 10
    start = time.perf_counter()
    for f in facts:
        rules_evaluate(rules, f)
    elapsed = time.perf_counter() - start
    print(f"rules_evaluate, 10 rules x {len(facts)} orders (facts loaded): {elapsed:.2f} s, "
          f"{len(facts) * 10 / elapsed:,.0f} rule evaluations/s")


if __name__ == "__main__":
    main()
