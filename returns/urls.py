from django.urls import path

from returns.views import customer, desk, feedback, staff

app_name = "returns"

urlpatterns = [
    # customers, no login
    path("start/", customer.customer_start_view, name="start"),
    path("start/<str:token>/", customer.customer_items_view, name="start_items"),
    path("status/<str:token>/", customer.customer_status_view, name="status"),
    path("label/<str:token>/", customer.customer_label_view, name="label"),
    path("feedback/<str:token>/", customer.survey_view, name="survey"),
    # staff
    path("", staff.return_list_view, name="list"),
    path("new/", staff.return_create_view, name="create"),
    path("analytics/", feedback.analytics_view, name="analytics"),
    path("cases/", feedback.case_list_view, name="cases"),
    path("cases/<int:pk>/resolve/", feedback.case_resolve_view, name="case_resolve"),
    path("desk/", desk.receive_scan_view, name="desk"),
    path("<int:pk>/", staff.return_detail_view, name="detail"),
    path("<int:pk>/label.pdf", staff.return_label_view, name="label_pdf"),
    path("<int:pk>/authorise/", staff.return_authorise_view, name="authorise"),
    path("<int:pk>/reject/", staff.return_reject_view, name="reject"),
    path("<int:pk>/close/", staff.return_close_view, name="close"),
    path("<int:pk>/refund/", staff.return_refund_view, name="refund"),
    path("<int:pk>/receive/", desk.receive_view, name="receive"),
    path("<int:pk>/receive/start/", desk.receive_start_view, name="receive_start"),
    path("<int:pk>/receive/finish/", desk.receive_finish_view, name="receive_finish"),
]
