"""/api/v1/holds/: every hold, open or released, and releasing one."""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core.choices import Role
from orders.holds.filters import HoldFilter
from orders.holds.selectors import hold_list
from orders.holds.services import hold_release
from orders.models import Hold


class HoldSerializer(serializers.ModelSerializer):
    order_number = serializers.CharField(source="order.order_number", read_only=True)
    order_status = serializers.CharField(source="order.status", read_only=True)
    created_by = serializers.CharField(source="created_by_label", read_only=True)
    released_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    is_open = serializers.BooleanField(read_only=True)

    class Meta:
        model = Hold
        fields = ["id", "order", "order_number", "order_status", "kind", "reason", "rule", "until_date",
                  "is_open", "created_by", "created_at", "released_at", "released_by", "release_note"]
        read_only_fields = fields


class HoldReleaseSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")


class HoldViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Holds of orders: why each held order waits, who held it and who released it."""

    serializer_class = HoldSerializer
    filterset_class = HoldFilter
    ordering_fields = ["created_at", "kind"]
    read_roles = frozenset({Role.MANAGER, Role.CLIENT})
    write_roles = frozenset({Role.MANAGER, Role.CLIENT})

    def get_queryset(self):
        return hold_list(user=self.request.user).order_by("-created_at", "-pk")

    @extend_schema(request=HoldReleaseSerializer, responses=HoldSerializer)
    @action(detail=True, methods=["post"])
    def release(self, request, pk=None):
        """Release the hold; the order is routed again when it was its last open hold. A client user may
        release only its own client-requested holds."""
        hold = self.get_object()
        body = HoldReleaseSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        hold_release(hold=hold, user=request.user, note=body.validated_data["note"])
        return Response(self.get_serializer(self.get_queryset().get(pk=hold.pk)).data)
