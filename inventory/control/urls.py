# Included by inventory/urls.py without a namespace of its own, so the names stay inventory:inbound_list etc.
from django.urls import path

from inventory.control import views

urlpatterns = [
    path("inbound/", views.inbound_list_view, name="inbound_list"),
    path("inbound/new/", views.inbound_create_view, name="inbound_create"),
    path("inbound/<int:pk>/", views.inbound_detail_view, name="inbound_detail"),
    path("inbound/<int:pk>/close/", views.inbound_close_view, name="inbound_close"),
    path("inbound/<int:pk>/reverse/", views.inbound_reverse_view, name="inbound_reverse"),
    path("counts/", views.count_list_view, name="count_list"),
    path("counts/<int:pk>/", views.count_detail_view, name="count_detail"),
    path("counts/<int:pk>/submit/", views.count_submit_view, name="count_submit"),
    path("counts/<int:pk>/approve/", views.count_approve_view, name="count_approve"),
    path("transfers/", views.transfer_list_view, name="transfer_list"),
    path("transfers/<int:pk>/", views.transfer_detail_view, name="transfer_detail"),
    path("transfers/<int:pk>/<str:action>/", views.transfer_action_view, name="transfer_action"),
]
