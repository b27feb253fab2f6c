from django.urls import path

from shipping.tracking import views

app_name = "tracking"

urlpatterns = [
    path("webhooks/tracking/<str:carrier_code>/", views.tracking_webhook, name="webhook"),
    path("webhooks/easypost/<int:account_id>/", views.easypost_webhook, name="easypost_webhook"),
    path("deliveries/", views.deliveries_view, name="deliveries"),
    path("deliveries/packages/<int:package_id>/resolve/", views.exception_resolve_view, name="resolve"),
]
