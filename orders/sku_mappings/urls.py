from django.urls import path

from orders.sku_mappings import views

app_name = "sku_mappings"

urlpatterns = [
    path("", views.sku_mapping_list_view, name="list"),
    path("<int:pk>/delete/", views.sku_mapping_delete_view, name="delete"),
    path("orders/<int:pk>/", views.order_sku_map_view, name="order_map"),
]
