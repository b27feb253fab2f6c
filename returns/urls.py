from django.urls import path

from returns import views

app_name = "returns"

urlpatterns = [
    # customers, no login
    path("start/", views.customer_start_view, name="start"),
    path("start/<str:token>/", views.customer_items_view, name="start_items"),
    path("status/<str:token>/", views.customer_status_view, name="status"),
    path("label/<str:token>/", views.customer_label_view, name="label"),
    path("feedback/<str:token>/", views.survey_view, name="survey"),
    # staff
    path("", views.return_list_view, name="list"),
    path("new/", views.return_create_view, name="create"),
    path("analytics/", views.analytics_view, name="analytics"),
    path("cases/", views.case_list_view, name="cases"),
    path("cases/<int:pk>/resolve/", views.case_resolve_view, name="case_resolve"),
    path("desk/", views.receive_scan_view, name="desk"),
    path("<int:pk>/", views.return_detail_view, name="detail"),
    path("<int:pk>/label.pdf", views.return_label_view, name="label_pdf"),
    path("<int:pk>/authorise/", views.return_authorise_view, name="authorise"),
    path("<int:pk>/reject/", views.return_reject_view, name="reject"),
    path("<int:pk>/close/", views.return_close_view, name="close"),
    path("<int:pk>/refund/", views.return_refund_view, name="refund"),
    path("<int:pk>/receive/", views.receive_view, name="receive"),
    path("<int:pk>/receive/start/", views.receive_start_view, name="receive_start"),
    path("<int:pk>/receive/finish/", views.receive_finish_view, name="receive_finish"),
]
