from django.urls import path

from inventory import views, views_control

app_name = "inventory"

urlpatterns = [
    path("", views.stock_view, name="stock"),
    path("product/<int:pk>/", views.stock_product_view, name="product"),
    path("product/<int:pk>/reorder/<int:warehouse_id>/", views.reorder_setting_view, name="reorder"),
    path("turnover/", views.turnover_view, name="turnover"),
    path("inbound/", views_control.inbound_list_view, name="inbound_list"),
    path("inbound/new/", views_control.inbound_create_view, name="inbound_create"),
    path("inbound/<int:pk>/", views_control.inbound_detail_view, name="inbound_detail"),
    path("inbound/<int:pk>/close/", views_control.inbound_close_view, name="inbound_close"),
    path("counts/", views_control.count_list_view, name="count_list"),
    path("counts/<int:pk>/", views_control.count_detail_view, name="count_detail"),
    path("counts/<int:pk>/submit/", views_control.count_submit_view, name="count_submit"),
    path("counts/<int:pk>/approve/", views_control.count_approve_view, name="count_approve"),
    path("transfers/", views_control.transfer_list_view, name="transfer_list"),
    path("transfers/<int:pk>/", views_control.transfer_detail_view, name="transfer_detail"),
    path("transfers/<int:pk>/<str:action>/", views_control.transfer_action_view, name="transfer_action"),
]
