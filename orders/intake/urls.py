from django.urls import path

from orders.intake import views

app_name = "intake"

urlpatterns = [
    path("channels/", views.channel_list_view, name="channels"),
    path("channels/<int:pk>/", views.channel_detail_view, name="channel"),
    path("channels/<int:pk>/sync/", views.channel_sync_view, name="channel_sync"),
    path("deliveries/failed/", views.failed_delivery_list_view, name="failed_deliveries"),
    path("deliveries/<int:pk>/retry/", views.delivery_retry_view, name="delivery_retry"),
    path("import/", views.csv_upload_view, name="csv_upload"),
    path("import/template.csv", views.csv_template_view, name="csv_template"),
    path("<int:pk>/lines/<int:line_pk>/map/", views.order_line_map_view, name="line_map"),
]
