"""Rule re-runs under real concurrency (PostgreSQL): one open run, and each order done once per run."""

from unittest import mock

import pytest

from core import work
from core.choices import Role
from orders.models import Rule, RuleRun
from orders.rules.services import RuleRunAlreadyOpen, rule_run_process, rule_run_start
from tests.concurrency import run_together
from tests.conftest import postgres_only
from tests.factories import make_user
from tests.rules.factories import RuleFactory, order_with_lines

pytestmark = [postgres_only, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_workers_on_the_same_run_apply_each_order_once(client_a):
    orders = [order_with_lines(client=client_a, lines=((f"S{i}", 1, 1),)) for i in range(6)]
    RuleFactory(name="VIP", actions=[{"type": "add_tags", "value": ["vip"]}])
    run = RuleRun.objects.create()

    _, errors = run_together([lambda: rule_run_process(run_id=run.pk, batch_size=2)] * 2)

    run.refresh_from_db()
    assert errors == []
    assert (run.status, run.orders_considered, run.orders_changed) == ("done", 6, 6)
    assert Rule.objects.get().match_count == 6
    assert [o.events.filter(actor__startswith="rule").count() for o in orders] == [1] * 6


def test_managers_asking_at_once_start_one_run(db):
    manager = make_user(Role.MANAGER)

    with mock.patch.object(work, "_dispatch"):  # the run's job is recorded but not started: it stays open
        results, errors = run_together([lambda: rule_run_start(user=manager)] * 3)

    assert len(results) == 1
    assert len(errors) == 2
    assert all(isinstance(e, RuleRunAlreadyOpen) for e in errors)
    assert RuleRun.objects.count() == 1
