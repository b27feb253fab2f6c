from django.urls import path

from orders import views

app_name = "orders"

urlpatterns = [
    path("", views.order_list_view, name="list"),
    path("<int:pk>/", views.order_detail_view, name="detail"),
    path("<int:pk>/cancel/", views.order_cancel_view, name="cancel"),
    path("<int:pk>/hold/", views.order_hold_view, name="hold"),
    path("<int:pk>/release/", views.order_release_view, name="release"),
]
