from django.urls import include, path
from rest_framework.routers import DefaultRouter

from billing.api.views import BillableEventViewSet, InvoiceViewSet, PriceListViewSet
from core.api_docs import RedocView, SchemaView, SwaggerView
from core.auth_api import TokenView
from inventory.api.views import (
    ClientViewSet,
    ProductViewSet,
    StockAdjustmentViewSet,
    StockLevelBinViewSet,
    StockLevelViewSet,
    StockMovementViewSet,
    UserViewSet,
)
from inventory.control.api import CycleCountViewSet, InboundShipmentViewSet, TransferViewSet
from orders.api.views import OrderViewSet, SalesChannelViewSet
from orders.holds.api import HoldViewSet
from orders.rules.api import RuleRunViewSet, RuleViewSet
from orders.sku_mappings.api import SkuMappingViewSet
from reports.api.views import BacklogView, JobRetryView, KpiView
from returns.api.views import ReturnPolicyViewSet, ReturnViewSet
from shipping.api.views import PickListViewSet
from shipping.packing.api import BoxTypeViewSet, ManifestViewSet, OrderRatesView, ShipmentViewSet
from warehouses.api.views import LocationViewSet, WarehouseViewSet

router = DefaultRouter()
router.register("clients", ClientViewSet, basename="client")
router.register("channels", SalesChannelViewSet, basename="channel")
router.register("warehouses", WarehouseViewSet, basename="warehouse")
router.register("locations", LocationViewSet, basename="location")
router.register("products", ProductViewSet, basename="product")
router.register("stock/adjustments", StockAdjustmentViewSet, basename="stock-adjustment")
router.register("stock/movements", StockMovementViewSet, basename="stock-movement")
router.register("stock/levels", StockLevelBinViewSet, basename="stock-level")
router.register("stock", StockLevelViewSet, basename="stock")
router.register("orders", OrderViewSet, basename="order")
router.register("inbound", InboundShipmentViewSet, basename="inbound")
router.register("cycle-counts", CycleCountViewSet, basename="cycle-count")
router.register("transfers", TransferViewSet, basename="transfer")
router.register("users", UserViewSet, basename="user")
router.register("rules/runs", RuleRunViewSet, basename="rule-run")  # before rules/{id}/
router.register("rules", RuleViewSet, basename="rule")
router.register("holds", HoldViewSet, basename="hold")
router.register("sku-mappings", SkuMappingViewSet, basename="sku-mapping")
router.register("pick-lists", PickListViewSet, basename="pick-list")
router.register("shipments", ShipmentViewSet, basename="shipment")
router.register("box-types", BoxTypeViewSet, basename="box-type")
router.register("manifests", ManifestViewSet, basename="manifest")
router.register("return-policies", ReturnPolicyViewSet, basename="return-policy")
router.register("returns", ReturnViewSet, basename="return")
router.register("price-lists", PriceListViewSet, basename="price-list")
router.register("billable-events", BillableEventViewSet, basename="billable-event")
router.register("invoices", InvoiceViewSet, basename="invoice")

urlpatterns = [
    path("auth/token/", TokenView.as_view(), name="api-token"),
    path("schema/", SchemaView.as_view(), name="api-schema"),
    path("docs/", SwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("redoc/", RedocView.as_view(url_name="api-schema"), name="api-redoc"),
    path("reports/kpis/", KpiView.as_view(), name="report-kpis"),
    path("backlog/", BacklogView.as_view(), name="backlog"),
    path("backlog/jobs/<int:pk>/retry/", JobRetryView.as_view(), name="backlog-job-retry"),
    path("orders/<int:pk>/rates/", OrderRatesView.as_view(), name="order-rates"),
    path("", include(router.urls)),
]
