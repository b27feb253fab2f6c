"""core.idempotency: one Idempotency-Key mechanism for every API write a client may retry."""

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from core.choices import Role
from core.idempotency import IdempotencyConflict, idempotent_create, request_fingerprint
from core.models import IdempotencyKey, Job
from orders.intake.creation import API_ORDER_CREATE_SCOPE, api_order_create
from tests.factories import OrderFactory, make_user


def _job(object_id: int):
    return lambda: Job.objects.create(task="tests.core.idempotent", object_id=object_id)


@pytest.mark.django_db
def test_a_key_is_used_once_per_scope():
    user = make_user(Role.MANAGER)

    first = idempotent_create(user=user, scope="a", key="k", fingerprint="f", create=_job(1))
    again = idempotent_create(user=user, scope="a", key="k", fingerprint="f", create=_job(2))
    other_scope = idempotent_create(user=user, scope="b", key="k", fingerprint="f", create=_job(3))

    assert (first.replayed, again.replayed, other_scope.replayed) == (False, True, False)
    assert again.result_id == first.result_id == first.created.pk
    assert again.created is None
    assert sorted(Job.objects.values_list("object_id", flat=True)) == [1, 3]


@pytest.mark.django_db
def test_a_key_reused_with_another_body_is_a_conflict_and_creates_nothing():
    user = make_user(Role.MANAGER)
    idempotent_create(user=user, scope="a", key="k", fingerprint=request_fingerprint({"x": 1}), create=_job(1))

    with pytest.raises(IdempotencyConflict, match="different request body"):
        idempotent_create(user=user, scope="a", key="k", fingerprint=request_fingerprint({"x": 2}), create=_job(2))

    assert list(Job.objects.values_list("object_id", flat=True)) == [1]


def test_the_fingerprint_ignores_the_order_of_the_keys():
    assert request_fingerprint({"a": 1, "b": [1, 2]}) == request_fingerprint({"b": [1, 2], "a": 1})
    assert request_fingerprint({"a": 1}) != request_fingerprint({"a": 2})


@pytest.mark.django_db(transaction=True)
def test_the_order_keys_move_to_core_and_still_replay_their_order():
    before = [("orders", "0007_durable_work"), ("core", "0002_idempotency_keys")]
    # (written by today's models, before the schema goes back: the rows outlive the columns added since)
    merchant = make_user(Role.MANAGER)
    order = OrderFactory()
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    try:
        created_at = timezone.now() - datetime.timedelta(days=3)
        OldKey = executor.loader.project_state(before).apps.get_model("orders", "IdempotencyKey")
        old = OldKey.objects.create(user_id=merchant.pk, key="key-123", request_hash="h" * 64, order_id=order.pk)
        OldKey.objects.filter(pk=old.pk).update(created_at=created_at)
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())

    key = IdempotencyKey.objects.get()
    assert (key.user, key.scope, key.key, key.request_hash, key.result_id, key.created_at) == (
        merchant, API_ORDER_CREATE_SCOPE, "key-123", "h" * 64, order.pk, created_at)
    replay = api_order_create(user=merchant, channel=order.channel, data={}, fingerprint="h" * 64,
                              idempotency_key="key-123")
    assert (replay.order, replay.replayed) == (order, True)
