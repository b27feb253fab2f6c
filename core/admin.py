from django.contrib import admin

from core.models import Job, UserProfile


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
