from django.contrib import admin

from returns.models import (
    FeedbackCase,
    FeedbackSurvey,
    Refund,
    ReturnAuthorization,
    ReturnEvent,
    ReturnLine,
    ReturnPolicy,
    ReturnReasonRule,
    ReturnUnit,
)


class ReturnReasonRuleInline(admin.TabularInline):
    model = ReturnReasonRule
    extra = 0


@admin.register(ReturnPolicy)
class ReturnPolicyAdmin(admin.ModelAdmin):
    list_display = ["client", "window_days", "auto_authorise", "label_fee", "survey_enabled", "survey_delay_days"]
    inlines = [ReturnReasonRuleInline]


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class ReturnLineInline(ReadOnlyInline):
    model = ReturnLine


class ReturnUnitInline(ReadOnlyInline):
    model = ReturnUnit


class ReturnEventInline(ReadOnlyInline):
    model = ReturnEvent


@admin.register(ReturnAuthorization)
class ReturnAuthorizationAdmin(admin.ModelAdmin):
    """Read-only: returns change only through returns.services (the pages and the API)."""

    list_display = ["number", "client", "order", "status", "source", "warehouse", "created_at"]
    list_filter = ["status", "source", "client", "warehouse"]
    search_fields = ["number", "order__order_number", "customer_email"]
    inlines = [ReturnLineInline, ReturnUnitInline, ReturnEventInline]
    exclude = ["label_pdf"]  # private: the return page links the access-checked label

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Refund)
class RefundAdmin(admin.ModelAdmin):
    list_display = ["rma", "amount", "currency", "status", "attempts", "sent_at"]
    list_filter = ["status"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(FeedbackSurvey)
class FeedbackSurveyAdmin(admin.ModelAdmin):
    list_display = ["order", "email", "sent_at", "answered_at", "rating"]
    readonly_fields = ["nonce"]


@admin.register(FeedbackCase)
class FeedbackCaseAdmin(admin.ModelAdmin):
    list_display = ["order", "status", "created_at", "resolved_by"]
    list_filter = ["status"]
