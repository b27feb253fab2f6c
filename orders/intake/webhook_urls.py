from django.urls import path

from orders.intake import webhooks

app_name = "webhooks"

urlpatterns = [
    path("shopify/<int:channel_id>/", webhooks.shopify_webhook, name="shopify"),
    path("woocommerce/<int:channel_id>/", webhooks.woocommerce_webhook, name="woocommerce"),
]
