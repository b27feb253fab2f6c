from django.urls import path

from shipping import tracking_views

app_name = "tracking"

urlpatterns = [
    path("webhooks/tracking/<str:carrier_code>/", tracking_views.tracking_webhook, name="webhook"),
    path("deliveries/", tracking_views.deliveries_view, name="deliveries"),
    path("deliveries/packages/<int:package_id>/resolve/", tracking_views.exception_resolve_view, name="resolve"),
]
