from django.urls import path

from shipping.packing import printer_views, views

app_name = "packing"

urlpatterns = [
    path("", views.pack_station, name="station"),
    path("orders/<int:order_pk>/", views.pack_order, name="pack_order"),
    path("<int:pk>/", views.shipment_detail, name="shipment"),
    path("<int:pk>/scan/", views.shipment_scan, name="scan"),
    path("<int:pk>/confirm/", views.shipment_confirm, name="confirm"),
    path("<int:pk>/label/", views.shipment_buy_label, name="label"),
    path("<int:pk>/void-label/", views.shipment_void_label_view, name="void_label"),
    path("<int:pk>/commercial-invoice.pdf", views.shipment_commercial_invoice, name="commercial_invoice"),
    path("<int:pk>/ship/", views.shipment_hand_over, name="ship"),
    path("<int:pk>/packing-slip.pdf", views.shipment_packing_slip, name="packing_slip"),
    path("packages/<int:pk>/label.pdf", views.package_label_pdf, name="label_pdf"),
    path("packages/<int:pk>/label.zpl", views.package_label_zpl, name="label_zpl"),
    path("labels.pdf", views.labels_batch_pdf, name="labels_pdf"),
    path("manifests/", views.manifest_list_view, name="manifests"),
    path("manifests/<int:pk>.pdf", views.manifest_pdf, name="manifest_pdf"),
    path("boxes/", views.box_types_view, name="boxes"),
    path("gateway-accounts/", views.gateway_accounts_view, name="gateway_accounts"),
    path("gateway-accounts/<int:pk>/", views.gateway_account_edit_view, name="gateway_account"),
    path("rate-cards/", views.rate_cards_view, name="rate_cards"),
    path("printers/", printer_views.printers_view, name="printers"),
    path("packages/<int:pk>/reprint/", printer_views.package_reprint_view, name="reprint"),
    path("print/", printer_views.document_print_view, name="print_document"),
    path("mispicks/", views.mispicks_view, name="mispicks"),
    path("notifications/", views.notifications_view, name="notifications"),
    path("notifications/<int:pk>/resend/", views.notification_resend_view, name="notification_resend"),
]
