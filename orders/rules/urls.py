from django.urls import path

from orders.rules import views

app_name = "rules"

urlpatterns = [
    path("", views.rule_list_view, name="list"),
    path("new/", views.rule_create_view, name="create"),
    path("rerun/", views.rules_rerun_view, name="rerun"),
    path("runs/<int:pk>/", views.rule_run_view, name="run"),
    path("<int:pk>/", views.rule_edit_view, name="edit"),
    path("<int:pk>/try/", views.rule_try_view, name="try"),
    path("<int:pk>/switch/", views.rule_switch_view, name="switch"),
]
