import django_filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from config.permissions import ALL_ROLES
from inventory.access import user_access
from inventory.choices import Role
from orders.api.serializers import OrderActionSerializer, OrderSerializer, SalesChannelSerializer
from orders.choices import ChannelKind, OrderStatus
from orders.models import Order, SalesChannel
from orders.routing import order_reroute
from orders.selectors import channel_list, order_list_with_details
from orders.services import order_cancel, order_hold, order_release_hold


class SalesChannelFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=ChannelKind.choices)

    class Meta:
        model = SalesChannel
        fields = ["client", "kind", "is_active"]


class SalesChannelViewSet(viewsets.ModelViewSet):
    serializer_class = SalesChannelSerializer
    filterset_class = SalesChannelFilter
    search_fields = ["name"]
    read_roles = frozenset({Role.MANAGER, Role.CLIENT})

    def get_queryset(self):
        return channel_list(user=self.request.user).order_by("client_id", "name", "pk")


class OrderFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=OrderStatus.choices)
    warehouse = django_filters.CharFilter(field_name="warehouse__code", label="Warehouse code")
    received_after = django_filters.IsoDateTimeFilter(field_name="received_at", lookup_expr="gte")
    received_before = django_filters.IsoDateTimeFilter(field_name="received_at", lookup_expr="lt")

    class Meta:
        model = Order
        fields = ["client", "channel", "external_id", "order_number"]


class OrderViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = OrderSerializer
    filterset_class = OrderFilter
    search_fields = ["order_number", "customer_name", "customer_email", "lines__sku"]
    ordering_fields = ["received_at", "order_number", "status"]
    read_roles = ALL_ROLES
    write_roles = frozenset({Role.MANAGER, Role.CLIENT})

    def get_queryset(self):
        return order_list_with_details(user=self.request.user).order_by("-received_at", "-pk")

    @extend_schema(request=OrderActionSerializer, responses=OrderSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        """Cancel the order (before it ships), releasing reserved stock."""
        order = self.get_object()
        body = OrderActionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        order_cancel(order=order, user=request.user, reason=body.validated_data["reason"])
        return Response(self.get_serializer(self.get_queryset().get(pk=order.pk)).data)

    @extend_schema(request=OrderActionSerializer, responses=OrderSerializer)
    @action(detail=True, methods=["post"])
    def hold(self, request, pk=None):
        """Put the order on hold with a reason (required)."""
        order = self.get_object()
        body = OrderActionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        order_hold(order=order, user=request.user, reason=body.validated_data["reason"])
        return Response(self.get_serializer(self.get_queryset().get(pk=order.pk)).data)

    @extend_schema(request=OrderActionSerializer, responses=OrderSerializer)
    @action(detail=True, methods=["post"])
    def reroute(self, request, pk=None):
        """Release the order's reserved stock and route it again (managers; received, allocated or
        backordered orders). The optional reason goes to the timeline."""
        if not user_access(request.user).is_manager:
            raise PermissionDenied("Only managers re-route orders.")
        order = self.get_object()
        body = OrderActionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        order_reroute(order=order, user=request.user, note=body.validated_data["reason"])
        return Response(self.get_serializer(self.get_queryset().get(pk=order.pk)).data)

    @extend_schema(request=None, responses=OrderSerializer)
    @action(detail=True, methods=["post"])
    def release(self, request, pk=None):
        """Release a held order so that it is routed again."""
        order = self.get_object()
        order_release_hold(order=order, user=request.user)
        return Response(self.get_serializer(self.get_queryset().get(pk=order.pk)).data)
