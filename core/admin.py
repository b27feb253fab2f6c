from django.contrib import admin

from core.models import Job, StatusChange, UserProfile


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    list_display = ["task", "object_id", "state", "attempts", "run_after", "created_at", "last_error"]
    list_filter = ["state", "task"]
    search_fields = ["task", "object_id"]
    readonly_fields = [f.name for f in Job._meta.fields]


@admin.register(UserProfile)
class UserProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "client"]
    list_filter = ["client", "warehouses"]
    search_fields = ["user__username"]
    list_select_related = ["user", "client"]
    filter_horizontal = ["warehouses"]


@admin.register(StatusChange)
class StatusChangeAdmin(admin.ModelAdmin):
    """Read-only: the audit trail is written by core.transitions only."""

    list_display = ["created_at", "model", "object_id", "from_status", "to_status", "user", "actor"]
    list_filter = ["model"]
    search_fields = ["note", "actor"]
    list_select_related = ["user"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
