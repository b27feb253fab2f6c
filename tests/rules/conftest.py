import pytest

from orders.rules.services import rule_run_start


@pytest.fixture
def rerun_rules(django_capture_on_commit_callbacks):
    """Start a re-run of the active rules and let its task run on commit, as eager Celery does in dev."""

    def run(*, user=None, client=None):
        with django_capture_on_commit_callbacks(execute=True):
            started = rule_run_start(user=user, client=client)
        started.refresh_from_db()
        return started

    return run
