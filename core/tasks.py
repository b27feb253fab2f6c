"""Celery's side of durable work (core.work): the fast path and the sweep."""

from celery import shared_task

from core import work


@shared_task(name="core.job_run", acks_late=True)
def job_run_task(task_name: str, object_id: int | None = None) -> int:
    """Run the due job(s) of a task that a commit just queued; a job already taken or done is skipped."""
    return work.job_run(task_name, object_id)


@shared_task(name="core.jobs_sweep")
def jobs_sweep_task() -> int:
    """Take back the jobs of dead workers and run the due jobs the fast path missed."""
    return work.jobs_sweep()
