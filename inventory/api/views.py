from django.contrib.auth import get_user_model
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.settings import api_settings

from core.api import idempotency_headers, idempotency_key_from, idempotency_key_parameter
from core.choices import Role
from core.idempotency import request_fingerprint
from core.permissions import ALL_ROLES
from core.selectors import user_list
from core.services import user_save
from inventory.api.serializers import (
    ClientSerializer,
    ProductSerializer,
    StockAdjustmentSerializer,
    StockFigureSerializer,
    StockLevelSerializer,
    StockMovementSerializer,
    UserSerializer,
)
from inventory.choices import StockStatus
from inventory.filters import (
    ORDERING_CHOICES,
    ClientFilter,
    ProductFilter,
    StockFigureFilterForm,
    StockLevelFilter,
    StockMovementFilter,
    UserFilter,
)
from inventory.selectors import (
    client_list,
    product_list,
    stock_figure_page,
    stock_level_list,
    stock_movement_list,
)
from inventory.services import api_stock_adjust

User = get_user_model()


class ClientViewSet(viewsets.ModelViewSet):
    serializer_class = ClientSerializer
    filterset_class = ClientFilter
    search_fields = ["code", "name"]
    ordering_fields = ["code", "name"]
    read_roles = ALL_ROLES

    def get_queryset(self):
        return client_list(user=self.request.user).prefetch_related("allowed_warehouses").order_by("name", "pk")


class ProductViewSet(viewsets.ModelViewSet):
    serializer_class = ProductSerializer
    filterset_class = ProductFilter
    search_fields = ["sku", "name", "barcode"]
    ordering_fields = ["sku", "name"]
    read_roles = ALL_ROLES
    write_roles = frozenset({Role.MANAGER, Role.CLIENT})

    def get_queryset(self):
        return product_list(user=self.request.user).order_by("client_id", "sku")


class StockLevelViewSet(viewsets.ReadOnlyModelViewSet):
    """Stock per product and warehouse with its figures (list), or one stock level by id (detail).

    The list reads the figures kept per product and warehouse (inventory.figures): on hand, allocated,
    available, inbound, 30-day sales, days of cover, reorder point and quantity and status; filter by client,
    warehouse (code), status, sku, q/search; order by any of `ordering`'s keys ('-' for descending). Per-bin
    rows are at /api/v1/stock/levels/.
    """

    serializer_class = StockLevelSerializer
    read_roles = ALL_ROLES

    def get_queryset(self):
        return stock_level_list(user=self.request.user).order_by("product__sku", "location__code", "pk")

    def filter_queryset(self, queryset):
        return queryset  # the list is not a queryset; retrieve looks up by id in the scoped queryset

    @extend_schema(
        parameters=[
            OpenApiParameter("client", int), OpenApiParameter("warehouse", str, description="Warehouse code"),
            OpenApiParameter("status", str, enum=StockStatus.values), OpenApiParameter("sku", str),
            OpenApiParameter("q", str, description="SKU or product name contains"),
            OpenApiParameter("search", str, description="Same as q"),
            OpenApiParameter("ordering", str, enum=[key for key, _ in ORDERING_CHOICES]),
            OpenApiParameter("page", int),
        ],
        responses={200: StockFigureSerializer(many=True)},
    )
    def list(self, request, *args, **kwargs):
        params = request.query_params.copy()
        if params.get("search") and not params.get("q"):
            params["q"] = params["search"]
        form = StockFigureFilterForm(params)
        if not form.is_valid():
            raise ValidationError({k: list(v) for k, v in form.errors.items()})
        try:
            number = int(params.get("page", 1))
        except ValueError as exc:
            raise ValidationError({"page": ["A page number is a whole number."]}) from exc
        if number < 1:
            raise ValidationError({"page": ["Pages start at 1."]})
        per_page = api_settings.PAGE_SIZE
        result = stock_figure_page(user=request.user, filters=form.to_filters(), page=number, per_page=per_page)

        def link(n):
            return request.build_absolute_uri(f"?{_with_page(request, n)}")

        return Response({
            "count": result.total,
            "next": link(number + 1) if number * per_page < result.total else None,
            "previous": link(number - 1) if number > 1 else None,
            "results": StockFigureSerializer(result.rows, many=True).data,
        })


def _with_page(request, number: int) -> str:
    query = request.query_params.copy()
    query["page"] = str(number)
    return query.urlencode()


class StockLevelBinViewSet(viewsets.ReadOnlyModelViewSet):
    """Stock per product, location and lot (the bins)."""

    serializer_class = StockLevelSerializer
    filterset_class = StockLevelFilter
    search_fields = ["product__sku", "product__name", "location__code"]
    ordering_fields = ["on_hand", "allocated", "product__sku", "location__code"]
    read_roles = ALL_ROLES

    def get_queryset(self):
        return stock_level_list(user=self.request.user).order_by("product__sku", "location__code", "pk")


class StockAdjustmentViewSet(mixins.CreateModelMixin, viewsets.GenericViewSet):
    """Add or remove units at a location; each adjustment is one ledger row."""

    serializer_class = StockAdjustmentSerializer

    @extend_schema(responses={201: StockMovementSerializer}, parameters=[idempotency_key_parameter("ledger row")])
    def create(self, request, *args, **kwargs):
        """Adjust stock (send an Idempotency-Key header to retry safely: the change is made once)."""
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        result = api_stock_adjust(user=request.user, idempotency_key=idempotency_key_from(request),
                                  fingerprint=request_fingerprint(request.data), **serializer.validated_data)
        return Response(StockMovementSerializer(result.movement).data, status=status.HTTP_201_CREATED,
                        headers=idempotency_headers(replayed=result.replayed))


class StockMovementViewSet(viewsets.ReadOnlyModelViewSet):
    """The stock ledger, newest first."""

    serializer_class = StockMovementSerializer
    filterset_class = StockMovementFilter
    read_roles = ALL_ROLES

    def get_queryset(self):
        return stock_movement_list(user=self.request.user).order_by("-created_at", "-pk")


class UserViewSet(viewsets.ModelViewSet):
    """Staff and client users; managers only."""

    serializer_class = UserSerializer
    read_roles = frozenset({Role.MANAGER})
    filterset_class = UserFilter
    search_fields = ["username", "email"]

    def get_queryset(self):
        return user_list(user=self.request.user).order_by("username")

    def perform_create(self, serializer):
        user = user_save(**serializer.validated_data)
        serializer.instance = self.get_queryset().get(pk=user.pk)  # its groups and profile as saved

    def perform_update(self, serializer):
        user = user_save(instance=serializer.instance, **serializer.validated_data)
        serializer.instance = self.get_queryset().get(pk=user.pk)

    def perform_destroy(self, instance):
        # Users keep their history (events, ledger rows); deactivate instead of deleting.
        instance.is_active = False
        instance.save(update_fields=["is_active"])
