from django.urls import path

from orders import views

app_name = "orders"

urlpatterns = [
    path("", views.order_list_view, name="list"),
    path("<int:pk>/", views.order_detail_view, name="detail"),
    path("<int:pk>/cancel/", views.order_cancel_view, name="cancel"),
    path("<int:pk>/hold/", views.order_hold_view, name="hold"),
    path("<int:pk>/release/", views.order_release_view, name="release"),
    path("<int:pk>/reroute/", views.order_reroute_view, name="reroute"),
    path("backorders/", views.backorder_list_view, name="backorders"),
]
