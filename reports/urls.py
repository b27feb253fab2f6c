from django.urls import path

from reports import views

app_name = "reports"

urlpatterns = [
    path("", views.dashboard_view, name="dashboard"),
    path("rebalance/", views.rebalance_view, name="rebalance"),
]
