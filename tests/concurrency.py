"""Real concurrency for the PostgreSQL tests: functions started at the same moment on threads, each thread
with its own database connection (Django opens one per thread)."""

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor

from django.db import connections


def run_together(
    jobs: Sequence[Callable[[], object]], *, threads: int | None = None
) -> tuple[list[object], list[BaseException]]:
    """Run the jobs on threads that all start at the same moment; return the results and the errors raised.

    One thread a job, or with `threads` at most that many (and as many connections), each taking every
    n-th job in turn. Results and errors are listed in the order the jobs finish. Every thread closes its
    connections at the end, so the test database can be flushed.
    """
    count = min(threads or len(jobs), len(jobs))
    barrier = threading.Barrier(count)
    results: list[object] = []
    errors: list[BaseException] = []

    def run(chunk: Sequence[Callable[[], object]]) -> None:
        try:
            barrier.wait(timeout=30)
            for job in chunk:
                try:
                    results.append(job())
                except BaseException as exc:  # collected for the test's assertions
                    errors.append(exc)
        except threading.BrokenBarrierError as exc:  # a thread did not start in time
            errors.append(exc)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=count) as pool:
        list(pool.map(run, [jobs[i::count] for i in range(count)]))
    return results, errors
