import django_filters
from django.contrib.auth import get_user_model
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.response import Response

from config.permissions import ALL_ROLES
from inventory.api.serializers import (
    ClientSerializer,
    ProductSerializer,
    StockAdjustmentSerializer,
    StockLevelSerializer,
    StockMovementSerializer,
    UserSerializer,
)
from inventory.choices import MovementKind, Role
from inventory.models import Product, StockLevel, StockMovement
from inventory.selectors import client_list, product_list, stock_level_list, stock_movement_list
from inventory.services import stock_adjust, user_save

User = get_user_model()


class ClientViewSet(viewsets.ModelViewSet):
    serializer_class = ClientSerializer
    filterset_fields = ["code", "is_active"]
    search_fields = ["code", "name"]
    ordering_fields = ["code", "name"]
    read_roles = ALL_ROLES

    def get_queryset(self):
        return client_list(user=self.request.user).prefetch_related("allowed_warehouses").order_by("name", "pk")


class ProductFilter(django_filters.FilterSet):
    class Meta:
        model = Product
        fields = {"client": ["exact"], "sku": ["exact"], "barcode": ["exact"], "is_active": ["exact"]}


class ProductViewSet(viewsets.ModelViewSet):
    serializer_class = ProductSerializer
    filterset_class = ProductFilter
    search_fields = ["sku", "name", "barcode"]
    ordering_fields = ["sku", "name"]
    read_roles = ALL_ROLES
    write_roles = frozenset({Role.MANAGER, Role.CLIENT})

    def get_queryset(self):
        return product_list(user=self.request.user).order_by("client_id", "sku")


class StockLevelFilter(django_filters.FilterSet):
    sku = django_filters.CharFilter(field_name="product__sku")
    client = django_filters.NumberFilter(field_name="product__client")
    warehouse = django_filters.CharFilter(field_name="location__warehouse__code", label="Warehouse code")
    in_stock = django_filters.BooleanFilter(field_name="on_hand", lookup_expr="gt", label="On hand > 0",
                                            method="filter_in_stock")

    class Meta:
        model = StockLevel
        fields = {"product": ["exact"], "location": ["exact"], "lot_number": ["exact"]}

    def filter_in_stock(self, queryset, name, value):
        return queryset.filter(on_hand__gt=0) if value else queryset.filter(on_hand=0)


class StockLevelViewSet(viewsets.ReadOnlyModelViewSet):
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

    @extend_schema(responses={201: StockMovementSerializer})
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        movement = stock_adjust(
            product=data["product"],
            location=data["location"],
            quantity=data["quantity"],
            reason=data["reason"],
            lot_number=data["lot_number"],
            expiry_date=data["expiry_date"],
            user=request.user,
            reference=f"API adjustment by {request.user.username}",
            kind=MovementKind.ADJUSTMENT,
        )
        return Response(StockMovementSerializer(movement).data, status=status.HTTP_201_CREATED)


class StockMovementFilter(django_filters.FilterSet):
    sku = django_filters.CharFilter(field_name="product__sku")
    created_after = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="lt")

    class Meta:
        model = StockMovement
        fields = {"product": ["exact"], "kind": ["exact"], "reference": ["exact"]}


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
    filterset_fields = ["is_active"]
    search_fields = ["username", "email"]

    def get_queryset(self):
        return User.objects.order_by("username").prefetch_related("groups")

    def perform_create(self, serializer):
        serializer.instance = user_save(**serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = user_save(instance=serializer.instance, **serializer.validated_data)

    def perform_destroy(self, instance):
        # Users keep their history (events, ledger rows); deactivate instead of deleting.
        instance.is_active = False
        instance.save(update_fields=["is_active"])
