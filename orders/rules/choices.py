from django.db import models


class RuleRunStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


# A run in one of these is not finished: only one may exist at a time, and its page keeps refreshing.
OPEN_RULE_RUN_STATUSES = frozenset({RuleRunStatus.QUEUED, RuleRunStatus.RUNNING})
