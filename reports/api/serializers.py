from rest_framework import serializers


class BacklogKindSerializer(serializers.Serializer):
    task = serializers.CharField(help_text="The Celery task that does this kind of work.")
    label = serializers.CharField()
    pending = serializers.IntegerField(help_text="Jobs waiting, due now or later (a retry's delay).")
    due = serializers.IntegerField(help_text="Waiting jobs that are due now.")
    running = serializers.IntegerField()
    failed = serializers.IntegerField(help_text="Jobs that gave up and wait for a person.")
    oldest_due_seconds = serializers.IntegerField(help_text="How long the oldest due job has waited (0: none due).")


class FailedJobSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    task = serializers.CharField()
    label = serializers.CharField()
    object_id = serializers.IntegerField(help_text="The id the task is called with (an order, a delivery, …).")
    attempts = serializers.IntegerField()
    last_error = serializers.CharField()
    updated_at = serializers.DateTimeField(help_text="When the job failed.")


class BacklogSerializer(serializers.Serializer):
    healthy = serializers.BooleanField(help_text="True when there are no problems.")
    problems = serializers.ListField(
        child=serializers.CharField(),
        help_text="Due work waiting longer than DOCKHAND_BACKLOG_MAX_AGE_SECONDS, and failed jobs, per kind.")
    kinds = BacklogKindSerializer(many=True)
    failed_jobs = FailedJobSerializer(many=True, help_text="The latest 100 failed jobs, latest first.")


class JobRetrySerializer(serializers.Serializer):
    job = FailedJobSerializer(help_text="The job as it was before the retry.")
    state = serializers.ChoiceField(
        choices=["done", "pending", "running", "failed"],
        help_text="Where the job stands now: done (without a broker it ran at once), pending (queued, or failed "
                  "again and waiting for its automatic retry), running, or failed again.")
    attempts = serializers.IntegerField(help_text="Attempts since the retry.")
    last_error = serializers.CharField()
