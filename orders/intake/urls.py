from django.urls import path

from orders.intake import views
from orders.stock_sync import views as stock_sync_views

app_name = "intake"

urlpatterns = [
    path("channels/", views.channel_list_view, name="channels"),
    path("channels/<int:pk>/", views.channel_detail_view, name="channel"),
    path("channels/<int:pk>/sync/", views.channel_sync_view, name="channel_sync"),
    path("channels/<int:pk>/stock-sync/", stock_sync_views.stock_sync_settings_view, name="stock_sync_settings"),
    path("channels/<int:pk>/stock-sync/hold-back/", stock_sync_views.stock_sync_hold_back_view,
         name="stock_sync_hold_back"),
    path("channels/<int:pk>/stock-sync/reconcile/", stock_sync_views.stock_sync_reconcile_view,
         name="stock_sync_reconcile"),
    path("deliveries/failed/", views.failed_delivery_list_view, name="failed_deliveries"),
    path("deliveries/<int:pk>/retry/", views.delivery_retry_view, name="delivery_retry"),
    path("import/", views.csv_upload_view, name="csv_upload"),
    path("import/template.csv", views.csv_template_view, name="csv_template"),
    path("<int:pk>/lines/<int:line_pk>/map/", views.order_line_map_view, name="line_map"),
]
