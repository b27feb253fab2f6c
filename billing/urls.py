from django.urls import path

from billing import views

app_name = "billing"

urlpatterns = [
    path("invoices/", views.invoice_list_view, name="invoices"),
    path("invoices/<int:pk>/", views.invoice_detail_view, name="invoice"),
    path("invoices/<int:pk>/rebuild/", views.invoice_rebuild_view, name="invoice_rebuild"),
    path("invoices/<int:pk>/finalise/", views.invoice_finalise_view, name="invoice_finalise"),
    path("invoices/<int:pk>/invoice.pdf", views.invoice_pdf_view, name="invoice_pdf"),
    path("invoices/<int:pk>/detail.csv", views.invoice_csv_view, name="invoice_csv"),
    path("estimate/", views.estimate_view, name="estimate"),
    path("price-lists/", views.price_list_list_view, name="price_lists"),
    path("price-lists/<int:pk>/", views.price_list_detail_view, name="price_list"),
    path("price-lists/<int:pk>/rates/", views.price_list_rates_view, name="price_list_rates"),
    path("value-added/", views.vas_view, name="vas"),
    path("unbilled/", views.unbilled_view, name="unbilled"),
]
