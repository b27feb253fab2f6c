"""Exactly one Celery beat sends, however many are started: the one holding a Redis lock.

Two beats (a deploy that overlaps, a second host started by mistake) would send every periodic task twice.
Each beat started with this scheduler tries to take the lock `dockhand:beat-lock` (SET NX with a TTL of
CELERY_BEAT_LOCK_SECONDS) on every tick; only the holder sends, and it renews the lock at least every third of
the TTL. The others stand by and check again as often, so when the holder stops (its lock is released) or dies
(its lock runs out) one of them takes over within the TTL. A beat that cannot reach Redis sends nothing; it
could not have sent anyway, as Redis is also the broker.

Without a Redis broker (the demo: tasks run inline) there is nothing to lock and this is the ordinary
PersistentScheduler.
"""

from __future__ import annotations

import logging

import redis
from celery.beat import PersistentScheduler
from redis.exceptions import LockError

logger = logging.getLogger(__name__)

LOCK_KEY = "dockhand:beat-lock"
DEFAULT_LOCK_SECONDS = 60


class LockedPersistentScheduler(PersistentScheduler):
    """PersistentScheduler that sends only while it holds the Redis beat lock."""

    def __init__(self, *args, **kwargs):
        self._lock = None
        self.is_leader = False
        # Redis stopped answering while this beat held the lock: the key may still carry its token, and no
        # other beat can take it until it runs out, so this beat tries to renew it before taking it afresh.
        self._may_hold = False
        super().__init__(*args, **kwargs)
        self.lock_seconds = float(self.app.conf.get("beat_lock_seconds") or DEFAULT_LOCK_SECONDS)

    @property
    def check_interval(self) -> float:
        return max(self.lock_seconds / 3, 0.1)

    def _lock_object(self):
        if self._lock is None:
            url = str(self.app.conf.broker_url or "")
            if not url.startswith(("redis://", "rediss://", "unix://")):
                return None
            client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
            # thread_local=False: the token is the scheduler's, whatever thread ticks it.
            self._lock = client.lock(LOCK_KEY, timeout=self.lock_seconds, blocking=False, thread_local=False)
        return self._lock

    def holds_lock(self) -> bool:
        """Take or renew the beat lock; True while this beat is the one that sends."""
        lock = self._lock_object()
        if lock is None:
            return True
        was_leader = self.is_leader
        try:
            if self.is_leader or self._may_hold:
                try:
                    lock.reacquire()  # resets the TTL; raises LockNotOwnedError when another beat has it
                    self.is_leader = True
                except LockError:
                    if self.is_leader:
                        raise
                    lock.local.token = None  # the key ran out or another beat has it: take it afresh
                    self.is_leader = bool(lock.acquire(blocking=False))
                self._may_hold = False
            else:
                self.is_leader = bool(lock.acquire(blocking=False))
        except LockError:
            self.is_leader = False
            self._may_hold = False
        except redis.RedisError as exc:
            self._may_hold = self._may_hold or self.is_leader
            self.is_leader = False
            logger.warning("beat: cannot reach Redis for the beat lock (%s); sending nothing until it answers", exc)
        if self.is_leader and not was_leader:
            logger.info("beat: took the beat lock %s; this beat sends the periodic tasks", LOCK_KEY)
        elif was_leader and not self.is_leader:
            logger.warning("beat: lost the beat lock %s; standing by", LOCK_KEY)
        return self.is_leader

    def tick(self, *args, **kwargs):
        if not self.holds_lock():
            return self.check_interval
        return min(super().tick(*args, **kwargs), self.check_interval)

    def close(self):
        try:
            super().close()
        finally:
            if self._lock is not None and self.is_leader:
                try:
                    self._lock.release()  # a standby takes over at its next check, not after the TTL
                except (LockError, redis.RedisError):
                    pass
                self.is_leader = False
