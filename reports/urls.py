from django.urls import path

from reports import views

app_name = "reports"

urlpatterns = [
    path("", views.dashboard_view, name="dashboard"),
    path("rebalance/", views.rebalance_view, name="rebalance"),
    path("backlog/", views.backlog_view, name="backlog"),
    path("backlog/jobs/<int:pk>/retry/", views.backlog_job_retry_view, name="backlog_retry"),
]
