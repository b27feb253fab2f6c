from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response

from core.access import user_access
from core.api import idempotency_headers, idempotency_key_from, idempotency_key_parameter
from core.choices import Role
from core.idempotency import request_fingerprint
from core.permissions import ALL_ROLES
from inventory.models import Client
from orders.api.serializers import (
    OrderActionSerializer,
    OrderCreateSerializer,
    OrderSerializer,
    SalesChannelSerializer,
)
from orders.filters import OrderFilter, SalesChannelFilter
from orders.holds.services import order_hold, order_holds_release
from orders.intake.creation import api_channel_for_client, api_order_create
from orders.routing import order_reroute
from orders.selectors import channel_list, order_list_with_details
from orders.services import order_cancel


class SalesChannelViewSet(viewsets.ModelViewSet):
    serializer_class = SalesChannelSerializer
    filterset_class = SalesChannelFilter
    search_fields = ["name"]
    read_roles = frozenset({Role.MANAGER, Role.CLIENT})

    def get_queryset(self):
        return channel_list(user=self.request.user).order_by("client_id", "name", "pk")


class OrderViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Orders; `POST` creates one for a merchant (send an Idempotency-Key header to retry safely)."""

    serializer_class = OrderSerializer
    filterset_class = OrderFilter
    search_fields = ["order_number", "customer_name", "customer_email", "lines__sku"]
    ordering_fields = ["received_at", "order_number", "status"]
    read_roles = ALL_ROLES
    write_roles = frozenset({Role.MANAGER, Role.CLIENT})

    def get_queryset(self):
        return order_list_with_details(user=self.request.user).order_by("-received_at", "-pk")

    def _respond(self, order):
        return Response(self.get_serializer(self.get_queryset().get(pk=order.pk)).data)

    def _reason(self) -> str:
        body = OrderActionSerializer(data=self.request.data)
        body.is_valid(raise_exception=True)
        return body.validated_data["reason"]

    @extend_schema(
        request=OrderCreateSerializer,
        responses={201: OrderSerializer},
        parameters=[idempotency_key_parameter("order")],
    )
    def create(self, request):
        """Create an order (its lines by SKU; an unknown SKU puts it on hold)."""
        body = OrderCreateSerializer(data=request.data, context={"request": request})
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        data["lines"] = [dict(line) for line in data["lines"]]
        channel = data.pop("channel", None)
        if channel is None:
            access = user_access(request.user)
            if access.client_id is None:
                raise ValidationError({"channel": ["Give the channel the order belongs to."]})
            channel = api_channel_for_client(Client.objects.get(pk=access.client_id))
        result = api_order_create(user=request.user, channel=channel, data=data,
                                  idempotency_key=idempotency_key_from(request),
                                  fingerprint=request_fingerprint(request.data))
        order = self.get_queryset().get(pk=result.order.pk)
        headers = {"Location": reverse("order-detail", args=[order.pk]), **idempotency_headers(replayed=result.replayed)}
        return Response(self.get_serializer(order).data, status=status.HTTP_201_CREATED, headers=headers)

    @extend_schema(request=OrderActionSerializer, responses=OrderSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        """Cancel the order (before it ships), releasing reserved stock."""
        order = self.get_object()
        order_cancel(order=order, user=request.user, reason=self._reason())
        return self._respond(order)

    @extend_schema(request=OrderActionSerializer, responses=OrderSerializer)
    @action(detail=True, methods=["post"])
    def hold(self, request, pk=None):
        """Put the order on hold with a reason (required)."""
        order = self.get_object()
        order_hold(order=order, user=request.user, reason=self._reason())
        return self._respond(order)

    @extend_schema(request=OrderActionSerializer, responses=OrderSerializer)
    @action(detail=True, methods=["post"])
    def reroute(self, request, pk=None):
        """Release the order's reserved stock and route it again (managers; received, allocated or
        backordered orders). The optional reason goes to the timeline."""
        if not user_access(request.user).is_manager:
            raise PermissionDenied("Only managers re-route orders.")
        order = self.get_object()
        order_reroute(order=order, user=request.user, note=self._reason())
        return self._respond(order)

    @extend_schema(request=None, responses=OrderSerializer)
    @action(detail=True, methods=["post"])
    def release(self, request, pk=None):
        """Release the order's holds (a client user: the holds it asked for), so that it is routed again."""
        order = self.get_object()
        order_holds_release(order=order, user=request.user)
        return self._respond(order)
