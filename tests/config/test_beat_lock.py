"""Two Celery beats against one Redis: only the holder of the beat lock sends; when it dies, the other takes over."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from config.beat import LOCK_KEY

ROOT = Path(__file__).resolve().parents[2]
LOCK_SECONDS = 2

pytestmark = pytest.mark.redis


def start_beat(name: str, broker_url: str, directory: Path, lock_seconds: float = LOCK_SECONDS) -> subprocess.Popen:
    env = {**os.environ, "BEAT_TEST_BROKER": broker_url, "BEAT_NAME": name, "BEAT_LOCK_SECONDS": str(lock_seconds)}
    # Importing the scheduler imports the `config` package, whose Dockhand Celery app then reads some defaults
    # (the timezone) from Django settings: give it the test ones. The beat itself runs tests.fakes.beat_app.
    env["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
    log = open(directory / f"beat-{name}.log", "w")  # noqa: SIM115  (closed with the process)
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "tests.fakes.beat_app", "beat", "-l", "info",
         "-S", "config.beat.LockedPersistentScheduler", "-s", str(directory / f"schedule-{name}"),
         "--pidfile="],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )


def senders(server, *, at_least: int, within: float) -> list[str]:
    """Names of the beats whose messages arrived, waiting until `at_least` messages came (or time ran out)."""
    names: list[str] = []
    deadline = time.monotonic() + within
    while time.monotonic() < deadline and len(names) < at_least:
        names += [args[0] for task, args, _ in server.take_task_messages() if task == "beat_lock_test.ping"]
        time.sleep(0.1)
    return names


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.kill()
    process.wait(timeout=10)


def test_only_one_of_two_beats_sends_and_the_other_takes_over_when_it_dies(private_redis, tmp_path):
    beats = {name: start_beat(name, private_redis.url, tmp_path) for name in ("a", "b")}
    try:
        # Both run; the entry is due every 0.2 s, so two senders would show within a few seconds.
        first = senders(private_redis, at_least=15, within=30)
        time.sleep(1.0)
        first += senders(private_redis, at_least=1, within=2)
        assert len(first) >= 15, [p.read_text() for p in tmp_path.glob("beat-*.log")]
        assert len(set(first)) == 1, f"both beats sent: {first}"
        leader = first[0]
        standby = "b" if leader == "a" else "a"
        assert all(process.poll() is None for process in beats.values())  # the standby is alive, just quiet
        assert private_redis.client().pttl(LOCK_KEY) > 0

        # The leader dies without releasing the lock: the standby sends once the lock runs out.
        beats[leader].send_signal(signal.SIGKILL)
        beats[leader].wait(timeout=10)
        private_redis.take_task_messages()
        after = senders(private_redis, at_least=5, within=LOCK_SECONDS * 5)

        assert len(after) >= 5
        assert set(after) == {standby}
    finally:
        for process in beats.values():
            stop(process)


def test_a_beat_that_lost_redis_for_a_moment_sends_again_when_it_answers_without_waiting_for_its_lock_to_run_out(
        private_redis, tmp_path):
    # Given the only beat, holding a lock that lasts 30 s, and sending
    beat = start_beat("a", private_redis.url, tmp_path, lock_seconds=30)
    try:
        assert senders(private_redis, at_least=3, within=30), (tmp_path / "beat-a.log").read_text()

        # When Redis stops answering for longer than the beat's socket timeout (2 s), then answers again
        private_redis.freeze()
        time.sleep(5)
        private_redis.thaw()
        private_redis.take_task_messages()

        # Then the beat renews the lock it still holds and sends within its check interval (10 s), long before
        # the key would have run out and let it take the lock afresh
        assert senders(private_redis, at_least=3, within=15), (tmp_path / "beat-a.log").read_text()
        assert "lost the beat lock" in (tmp_path / "beat-a.log").read_text()
    finally:
        stop(beat)
