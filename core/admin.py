from django.contrib import admin

from core.models import Job


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    list_display = ["task", "object_id", "state", "attempts", "run_after", "created_at", "last_error"]
    list_filter = ["state", "task"]
    search_fields = ["task", "object_id"]
    readonly_fields = [f.name for f in Job._meta.fields]
