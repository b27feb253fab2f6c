"""/api/v1/rules/: managers write rules, try them on past orders and re-run them on open orders in the
background (/api/v1/rules/runs/)."""

from django.urls import reverse
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core.api_fields import ScopedPrimaryKeyRelatedField
from core.choices import Role
from inventory.selectors import client_list
from orders.models import Rule, RuleRun
from orders.rules.filters import RuleFilter, RuleRunFilter
from orders.rules.schema import action_text, condition_text
from orders.rules.selectors import rule_list, rule_run_error_list, rule_run_list
from orders.rules.services import (
    MAX_TRY_DAYS,
    RULE_FIELDS,
    RULE_RUN_ERRORS_KEPT,
    RuleRunAlreadyOpen,
    TryReport,
    rule_create,
    rule_delete,
    rule_run_start,
    rule_try,
    rule_update,
    rule_validate,
)
from orders.selectors import order_list

MANAGERS = frozenset({Role.MANAGER})


class RuleSerializer(serializers.ModelSerializer):
    client = ScopedPrimaryKeyRelatedField(scope=client_list, allow_null=True, required=False)
    conditions = serializers.JSONField(required=False, help_text='List of {"field", "op", "value"}.')
    actions = serializers.JSONField(help_text='List of {"type", "value"}.')
    conditions_text = serializers.SerializerMethodField()
    actions_text = serializers.SerializerMethodField()

    class Meta:
        model = Rule
        fields = ["id", "name", "description", "client", "position", "is_active", "stop_processing", "conditions",
                  "actions", "conditions_text", "actions_text", "match_count", "last_matched_at", "created_at",
                  "updated_at"]
        read_only_fields = ["match_count", "last_matched_at", "created_at", "updated_at"]

    def get_conditions_text(self, rule) -> list[str]:
        return [condition_text(c) for c in rule.conditions or [] if isinstance(c, dict)]

    def get_actions_text(self, rule) -> list[str]:
        return [action_text(a) for a in rule.actions or [] if isinstance(a, dict)]


class TryBodySerializer(serializers.Serializer):
    days = serializers.IntegerField(min_value=1, max_value=MAX_TRY_DAYS, default=30)


class DraftTrySerializer(TryBodySerializer):
    rule = RuleSerializer(help_text="A draft rule, not saved.")


class RerunBodySerializer(serializers.Serializer):
    client = ScopedPrimaryKeyRelatedField(scope=client_list, allow_null=True, required=False, default=None)


class TryMatchSerializer(serializers.Serializer):
    order_id = serializers.IntegerField(source="order.pk")
    order_number = serializers.CharField(source="order.order_number")
    status = serializers.CharField(source="order.status")
    received_at = serializers.DateTimeField(source="order.received_at")
    changes = serializers.ListField(child=serializers.CharField())
    notes = serializers.ListField(child=serializers.CharField())


class TryReportSerializer(serializers.Serializer):
    days = serializers.IntegerField()
    since = serializers.DateTimeField()
    examined = serializers.IntegerField()
    matched = serializers.SerializerMethodField()
    changing = serializers.IntegerField()
    capped = serializers.BooleanField()
    matches = TryMatchSerializer(many=True)

    def get_matched(self, report: TryReport) -> int:
        return len(report.matches)


class RuleRunSerializer(serializers.ModelSerializer):
    requested_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    url = serializers.HyperlinkedIdentityField(view_name="rule-run-detail")
    page_url = serializers.SerializerMethodField()

    class Meta:
        model = RuleRun
        fields = ["id", "url", "page_url", "status", "client", "requested_by", "orders_considered", "orders_matched",
                  "orders_changed", "actions_applied", "orders_held", "orders_rerouted", "errors", "error",
                  "started_at", "finished_at", "created_at", "updated_at"]
        read_only_fields = fields

    def get_page_url(self, run) -> str:
        return reverse("rules:run", args=[run.pk])


class RuleRunFailureSerializer(serializers.Serializer):
    order_id = serializers.IntegerField()
    order_number = serializers.CharField(source="order.order_number")
    message = serializers.CharField()
    created_at = serializers.DateTimeField()


class RuleRunDetailSerializer(RuleRunSerializer):
    failures = serializers.SerializerMethodField(
        help_text="The orders the rules could not be applied to, with why: the first "
                  f"{RULE_RUN_ERRORS_KEPT}; `errors` counts them all.")

    class Meta(RuleRunSerializer.Meta):
        fields = [*RuleRunSerializer.Meta.fields, "failures"]
        read_only_fields = fields

    @extend_schema_field(RuleRunFailureSerializer(many=True))
    def get_failures(self, run) -> list[dict]:
        return RuleRunFailureSerializer(rule_run_error_list(run=run), many=True).data


class RuleRunConflictSerializer(serializers.Serializer):
    detail = serializers.CharField()
    run = RuleRunSerializer(allow_null=True, help_text="The run still queued or running.")


class RuleViewSet(viewsets.ModelViewSet):
    """Automation rules, run in ascending position on every order before routing (drafts until active)."""

    serializer_class = RuleSerializer
    filterset_class = RuleFilter
    search_fields = ["name", "description"]
    ordering_fields = ["position", "name", "match_count"]
    read_roles = MANAGERS
    write_roles = MANAGERS

    def get_queryset(self):
        return rule_list(user=self.request.user)

    def perform_create(self, serializer):
        serializer.instance = rule_create(user=self.request.user, **serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = rule_update(rule=serializer.instance, user=self.request.user,
                                          **serializer.validated_data)

    def perform_destroy(self, instance):
        rule_delete(rule=instance)

    @extend_schema(request=TryBodySerializer, responses=TryReportSerializer, operation_id="rules_try_saved")
    @action(detail=True, methods=["post"], url_path="try")
    def try_rule(self, request, pk=None):
        """Show which orders of the last `days` days the rule would have matched and what it would have
        changed. Changes nothing."""
        rule = self.get_object()
        body = TryBodySerializer(data=request.data)
        body.is_valid(raise_exception=True)
        report = rule_try(rule=rule, days=body.validated_data["days"], orders=order_list(user=request.user))
        return Response(TryReportSerializer(report).data)

    @extend_schema(request=DraftTrySerializer, responses=TryReportSerializer, operation_id="rules_try_draft")
    @action(detail=False, methods=["post"], url_path="try")
    def try_draft(self, request):
        """Try a draft rule (not saved) on the last `days` days of orders. Changes nothing."""
        body = DraftTrySerializer(data=request.data, context={"request": request})
        body.is_valid(raise_exception=True)
        data = {k: v for k, v in body.validated_data["rule"].items() if k in RULE_FIELDS}
        draft = Rule(**data)
        rule_validate(draft)
        report = rule_try(rule=draft, days=body.validated_data["days"], orders=order_list(user=request.user))
        return Response(TryReportSerializer(report).data)

    @extend_schema(request=RerunBodySerializer, responses={202: RuleRunSerializer, 409: RuleRunConflictSerializer})
    @action(detail=False, methods=["post"])
    def rerun(self, request):
        """Start running the active rules again, in the background, on every open order not yet being picked
        (optionally one client's). Returns the run (202); follow it at its `url`. 409 while another run is
        queued or running, with that run."""
        body = RerunBodySerializer(data=request.data, context={"request": request})
        body.is_valid(raise_exception=True)
        context = {"request": request}
        try:
            run = rule_run_start(user=request.user, client=body.validated_data["client"])
        except RuleRunAlreadyOpen as exc:
            data = {"detail": exc.message,
                    "run": RuleRunSerializer(exc.run, context=context).data if exc.run is not None else None}
            return Response(data, status=status.HTTP_409_CONFLICT)
        run.refresh_from_db()  # with eager Celery it may already have run on commit
        return Response(RuleRunSerializer(run, context=context).data, status=status.HTTP_202_ACCEPTED)


class RuleRunViewSet(viewsets.ReadOnlyModelViewSet):
    """Background re-runs of the active rules on the open orders, newest first: status and counts; one run
    also lists the orders the rules could not be applied to."""

    serializer_class = RuleRunSerializer
    filterset_class = RuleRunFilter
    ordering_fields = ["created_at"]
    read_roles = MANAGERS
    write_roles = MANAGERS

    def get_queryset(self):
        return rule_run_list(user=self.request.user)

    def get_serializer_class(self):
        # The failed orders only on one run; the list stays one query however many failed.
        return RuleRunDetailSerializer if self.action == "retrieve" else RuleRunSerializer
