"""Idempotency-Key for API writes: a client that retries (after a timeout, say) gets its change made once.

The key row is inserted in the same transaction as the change. A second request with the same key waits on
the key's unique index until the first commits (then it is given the first result again) or rolls back (then
it makes the change itself), so even two requests sent at the same moment make one change. A request that
fails leaves no key behind, so the client may fix the body and send it again with the same key.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Model

from core.models import IdempotencyKey

KEY_MAX_LENGTH = 255


class IdempotencyConflict(Exception):
    """The request conflicts with an earlier one (a key reused with another body); HTTP 409."""

    status_code = 409
    permanent = True

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


@dataclass(frozen=True)
class IdempotentOutcome:
    result_id: int
    replayed: bool
    # What `create` returned, when it ran in this request (None on a replay: load it by result_id).
    created: Model | None = None


def request_fingerprint(data) -> str:
    """Return a hash of a request body that does not depend on the order of its keys."""
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()


def idempotent_create(*, user, scope: str, key: str, fingerprint: str, create: Callable[[], Model]
                      ) -> IdempotentOutcome:
    """Run `create` (which makes and returns a row) at most once per user, scope and key.

    Without a key `create` simply runs in a transaction. The same key with the same body returns the first
    result's id (replayed); the same key with another body, or while its first request is still running,
    raises IdempotencyConflict. Errors of `create` are raised and leave the key unused.
    """
    if not key:
        with transaction.atomic():
            created = create()
        return IdempotentOutcome(created.pk, False, created)
    key = key[:KEY_MAX_LENGTH]
    try:
        with transaction.atomic():
            record = IdempotencyKey.objects.create(user=user, scope=scope, key=key, request_hash=fingerprint)
            created = create()
            record.result_id = created.pk
            record.save(update_fields=["result_id", "updated_at"])
        return IdempotentOutcome(created.pk, False, created)
    except IntegrityError:
        record = IdempotencyKey.objects.filter(user=user, scope=scope, key=key).first()
        if record is None:  # the error came from `create`, not from the key
            raise
    if record.request_hash != fingerprint:
        raise IdempotencyConflict("This Idempotency-Key was already used with a different request body.")
    if record.result_id is None:
        raise IdempotencyConflict("A request with this Idempotency-Key is still being processed.")
    return IdempotentOutcome(record.result_id, True)
