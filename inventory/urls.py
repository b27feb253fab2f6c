from django.urls import include, path

from inventory import views

app_name = "inventory"

urlpatterns = [
    path("", views.stock_view, name="stock"),
    path("product/<int:pk>/", views.stock_product_view, name="product"),
    path("product/<int:pk>/reorder/<int:warehouse_id>/", views.reorder_setting_view, name="reorder"),
    path("turnover/", views.turnover_view, name="turnover"),
    path("", include("inventory.control.urls")),  # receiving, cycle counts, transfers
]
