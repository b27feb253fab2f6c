from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from core.choices import JobState


class TimeStamped(models.Model):
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class UserProfile(TimeStamped):
    """Who a user works for: a client (client users) and, for staff, the warehouses they may see.

    The apps' models are named by string, so that core imports no app. The tables keep the names they had
    when the profile lived in inventory: every request reads them, and a code version still running during a
    deploy reads them under those names.
    """

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile")
    client = models.ForeignKey("inventory.Client", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="users")
    warehouses = models.ManyToManyField(
        "warehouses.Warehouse", blank=True, related_name="staff", help_text="Empty means every warehouse.",
        db_table="inventory_userprofile_warehouses",
    )
    language = models.CharField(
        max_length=8, blank=True, choices=settings.LANGUAGES,
        help_text="The language of the user's pages; empty means the site's default (English).",
    )

    class Meta:
        db_table = "inventory_userprofile"

    def __str__(self) -> str:
        return f"Profile of {self.user}"


class Job(models.Model):
    """One piece of asynchronous work, written in the same transaction as the change that needs it.

    Celery only carries the fast path; this row is the record. A finished job is deleted; a job whose worker
    died is taken back when its lease expires; a job that can never succeed stays `failed` with its error.
    """

    task = models.CharField(max_length=200, help_text="The Celery task that does the work.")
    object_id = models.BigIntegerField(help_text="The id the task is called with.")
    state = models.CharField(max_length=10, choices=JobState.choices, default=JobState.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    run_after = models.DateTimeField(default=timezone.now)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            # One waiting job per task and object: asking twice before it runs is asking once.
            models.UniqueConstraint(fields=["task", "object_id"], condition=Q(state=JobState.PENDING),
                                    name="job_pending_unique"),
        ]
        indexes = [
            models.Index(fields=["task", "state", "run_after"], name="job_due"),
            models.Index(fields=["state", "lease_expires_at"], name="job_lease"),
        ]

    def __str__(self) -> str:
        return f"{self.task}({self.object_id}) {self.state}"


class IdempotencyKey(models.Model):
    """An `Idempotency-Key` of one API write: the same key and body give the first request's result again.

    `scope` names the kind of write ("orders.create", "stock.adjust"), so one key may be used once per kind;
    `result_id` is the id of what the first request made (an order, a ledger row), read back by the app that
    owns the scope.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    scope = models.CharField(max_length=50)
    key = models.CharField(max_length=255)
    request_hash = models.CharField(max_length=64, help_text="SHA-256 of the request body.")
    result_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "scope", "key"], name="idempotency_key_unique")]

    def __str__(self) -> str:
        return f"{self.scope}: {self.key}"


class StatusChange(models.Model):
    """One move of a status machine without a timeline of its own (pick lists, shipments, inbound shipments,
    transfers, cycle counts): who moved which row from what to what, when, and why.

    Written by core.transitions.status_transition; orders and returns write their richer event rows instead.
    The row is named by its model's label and id rather than a foreign key, so one table serves every app.
    """

    model = models.CharField(max_length=100, help_text='The model\'s label, e.g. "shipping.picklist".')
    object_id = models.BigIntegerField()
    from_status = models.CharField(max_length=30, blank=True)
    to_status = models.CharField(max_length=30)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="+")
    actor = models.CharField(max_length=100, blank=True, help_text="Who acted when it was not a user.")
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["model", "object_id", "created_at"], name="status_change_trail")]

    def __str__(self) -> str:
        return f"{self.model} {self.object_id}: {self.from_status} → {self.to_status}"

    @property
    def who(self) -> str:
        if self.user_id:
            return self.user.get_username()
        return self.actor or "system"
