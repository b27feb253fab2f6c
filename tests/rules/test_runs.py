"""Re-running the active rules in the background: the RuleRun, its task, resuming, failing."""

import datetime
from unittest import mock

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.exceptions import DomainError
from orders.models import Rule, RuleRun, RuleRunError
from orders.rules import services
from orders.rules.services import RuleRunAlreadyOpen, rule_run_process, rule_run_start
from orders.tasks import rule_run_task
from tests.rules.factories import RuleFactory, order_with_lines

pytestmark = pytest.mark.django_db


class WorkerLost(BaseException):
    """Stands for the worker process dying mid-run: no `except Exception` sees it."""


def open_orders(client, n):
    return [order_with_lines(client=client, order_number=f"OPEN-{i}", lines=((f"S{i}", 1, 1),)) for i in range(n)]


def rule_events(order):
    return list(order.events.filter(actor__startswith="rule").values_list("note", flat=True))


def test_a_run_counts_orders_matches_and_actions_on_known_data(manager, client_a, rerun_rules):
    ca = [order_with_lines(client=client_a, ship_state="CA", lines=((f"C{i}", 1, 1),)) for i in range(2)]
    ny = order_with_lines(client=client_a, ship_state="NY", lines=(("N1", 1, 1),))
    order_with_lines(client=client_a, ship_state="CA", status="picking", lines=(("P1", 1, 1),))
    order_with_lines(client=client_a, ship_state="TX", lines=(("T1", 1, 1),))
    RuleFactory(name="West", conditions=[{"field": "ship_state", "op": "in", "value": ["CA"]}],
                actions=[{"type": "add_tags", "value": ["west"]}, {"type": "set_carrier", "value": "ups"}])
    RuleFactory(name="East", conditions=[{"field": "ship_state", "op": "in", "value": ["NY"]}],
                actions=[{"type": "set_carrier", "value": "fedex"}])

    run = rerun_rules(user=manager)

    assert run.status == "done"
    assert (run.orders_considered, run.orders_matched, run.orders_changed, run.actions_applied, run.errors) == (
        4, 3, 3, 5, 0)
    assert run.started_at <= run.finished_at
    assert rule_events(ca[0]) == ["Rule “West” matched: tags + west; carrier none → ups"]
    assert rule_events(ny) == ["Rule “East” matched: carrier none → fedex"]


def test_a_run_goes_through_every_open_order_in_batches(manager, client_a):
    orders = open_orders(client_a, 5)
    RuleFactory(name="VIP", actions=[{"type": "add_tags", "value": ["vip"]}])
    run = rule_run_start(user=manager)

    rule_run_process(run_id=run.pk, batch_size=2)

    run.refresh_from_db()
    assert (run.status, run.orders_considered, run.last_order_id) == ("done", 5, orders[-1].pk)
    for order in orders:
        assert rule_events(order) == ["Rule “VIP” matched: tags + vip"]


def test_a_second_run_is_refused_while_one_is_open(manager):
    first = rule_run_start(user=manager)  # queued: its task waits for a commit that never comes in this test

    with pytest.raises(RuleRunAlreadyOpen) as refused:
        rule_run_start(user=manager)

    assert refused.value.run == first
    assert refused.value.status_code == 409
    assert RuleRun.objects.count() == 1


def test_the_database_allows_only_one_open_run():
    RuleRun.objects.create(status="queued")
    RuleRun.objects.create(status="done")
    RuleRun.objects.create(status="failed")

    with pytest.raises(IntegrityError), transaction.atomic():
        RuleRun.objects.create(status="running")


def test_a_new_run_may_start_once_the_last_one_is_done(manager, client_a, rerun_rules):
    open_orders(client_a, 1)
    RuleFactory()

    first, second = rerun_rules(user=manager), rerun_rules(user=manager)

    assert (first.status, second.status) == ("done", "done")
    assert first.pk != second.pk


def test_running_the_task_twice_does_not_apply_the_rules_twice(manager, client_a, rerun_rules):
    orders = open_orders(client_a, 3)
    rule = RuleFactory(name="VIP", actions=[{"type": "add_tags", "value": ["vip"]}])
    run = rerun_rules(user=manager)

    assert rule_run_task(run.pk) == "skipped"

    rule.refresh_from_db()
    run.refresh_from_db()
    assert rule.match_count == 3  # counted once per order, so a second pass would show here
    assert (run.status, run.orders_considered, run.orders_matched) == ("done", 3, 3)
    assert [len(rule_events(o)) for o in orders] == [1, 1, 1]


def test_a_crashed_run_resumes_after_the_last_order_it_finished(manager, client_a):
    orders = open_orders(client_a, 5)
    rule = RuleFactory(name="VIP", actions=[{"type": "add_tags", "value": ["vip"]}])
    run = rule_run_start(user=manager)
    real_apply = services.order_rules_apply
    calls = []

    def dies_on_the_third_order(**kwargs):
        calls.append(kwargs["order"])
        if len(calls) == 3:
            raise WorkerLost
        return real_apply(**kwargs)

    with mock.patch.object(services, "order_rules_apply", dies_on_the_third_order), pytest.raises(WorkerLost):
        rule_run_task(run.pk)
    run.refresh_from_db()
    assert (run.status, run.orders_considered, run.last_order_id) == ("running", 2, orders[1].pk)

    assert rule_run_task(run.pk) == "done"

    run.refresh_from_db()
    rule.refresh_from_db()
    assert (run.orders_considered, run.orders_matched, run.orders_changed) == (5, 5, 5)
    assert rule.match_count == 5  # the two finished before the crash were not done again
    assert [len(rule_events(o)) for o in orders] == [1, 1, 1, 1, 1]
    assert rule_events(orders[2]) == ["Rule “VIP” matched: tags + vip"]


def test_an_unexpected_error_marks_the_run_failed_with_the_error(manager, client_a):
    open_orders(client_a, 2)
    RuleFactory()
    run = rule_run_start(user=manager)

    with mock.patch.object(services, "order_rules_apply", side_effect=RuntimeError("database on fire")):
        assert rule_run_task(run.pk) == "failed"

    run.refresh_from_db()
    assert (run.status, run.error) == ("failed", "RuntimeError: database on fire")
    assert run.finished_at is not None
    assert rule_run_start(user=manager).status == "queued"  # a failed run does not block the next one


def test_an_order_a_rule_cannot_be_applied_to_counts_as_an_error_and_the_run_goes_on(manager, client_a):
    bad, good = open_orders(client_a, 2)
    RuleFactory(name="VIP", actions=[{"type": "add_tags", "value": ["vip"]}])
    run = rule_run_start(user=manager)
    real_apply = services.order_rules_apply

    def refuses_the_first(**kwargs):
        if kwargs["order"] == bad.pk:
            raise DomainError("Order is locked by an import")
        return real_apply(**kwargs)

    with mock.patch.object(services, "order_rules_apply", refuses_the_first):
        rule_run_task(run.pk)

    run.refresh_from_db()
    assert (run.status, run.orders_considered, run.orders_changed, run.errors) == ("done", 2, 1, 1)
    assert list(run.failures.values_list("order_id", "message")) == [(bad.pk, "Order is locked by an import")]
    assert rule_events(bad) == []
    assert rule_events(good) == ["Rule “VIP” matched: tags + vip"]


def test_a_run_keeps_the_first_failed_orders_and_still_counts_them_all(manager, client_a):
    orders = open_orders(client_a, 4)
    RuleFactory()
    run = rule_run_start(user=manager)

    with mock.patch.object(services, "RULE_RUN_ERRORS_KEPT", 2), mock.patch.object(
            services, "order_rules_apply", side_effect=DomainError("No stock ledger for this client")):
        rule_run_task(run.pk)

    run.refresh_from_db()
    assert (run.status, run.errors) == ("done", 4)
    assert list(RuleRunError.objects.filter(run=run).order_by("pk").values_list("order_id", flat=True)) == [
        orders[0].pk, orders[1].pk]


def test_the_task_tolerates_a_missing_run():
    assert rule_run_task(987654) == "skipped"


def test_a_run_for_one_client_leaves_other_clients_orders_alone(manager, client_a, client_b, rerun_rules):
    mine = order_with_lines(client=client_a, lines=(("A1", 1, 1),))
    theirs = order_with_lines(client=client_b, lines=(("B1", 1, 1),))
    RuleFactory()

    run = rerun_rules(user=manager, client=client_a)

    assert run.orders_considered == 1
    assert len(rule_events(mine)) == 1
    assert rule_events(theirs) == []
    assert Rule.objects.get().match_count == 1


def test_asking_again_while_a_run_has_stalled_queues_it_again_to_resume(manager, client_a,
                                                                       django_capture_on_commit_callbacks):
    orders = open_orders(client_a, 3)
    RuleFactory(name="VIP", actions=[{"type": "add_tags", "value": ["vip"]}])
    stalled = RuleRun.objects.create(status="running", last_order_id=orders[0].pk, orders_considered=1)
    RuleRun.objects.filter(pk=stalled.pk).update(updated_at=timezone.now() - datetime.timedelta(hours=1))

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuleRunAlreadyOpen) as refused:
        rule_run_start(user=manager)

    stalled.refresh_from_db()
    assert "started again" in refused.value.message
    assert (stalled.status, stalled.orders_considered) == ("done", 3)
    assert [len(rule_events(o)) for o in orders] == [0, 1, 1]  # the first was counted before it stalled
    assert RuleRun.objects.count() == 1


def test_asking_again_while_a_run_is_moving_does_not_queue_it_twice(manager, django_capture_on_commit_callbacks):
    RuleRun.objects.create(status="running")

    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(RuleRunAlreadyOpen):
        rule_run_start(user=manager)

    assert callbacks == []
