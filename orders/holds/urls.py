from django.urls import path

from orders.holds import views

app_name = "holds"

urlpatterns = [
    path("", views.hold_list_view, name="list"),
    path("<int:pk>/release/", views.hold_release_view, name="release"),
    path("<int:pk>/address/", views.hold_address_view, name="address"),
]
