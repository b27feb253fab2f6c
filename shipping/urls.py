from django.urls import path

from shipping import views

app_name = "shipping"

urlpatterns = [
    path("", views.pick_list_index, name="pick_lists"),
    path("release/", views.pick_list_release_view, name="release"),
    path("open/", views.pick_list_open_view, name="open"),
    path("floor/", views.floor_layout_view, name="floor"),
    path("<int:pk>/", views.pick_list_detail, name="detail"),
    path("<int:pk>/print/", views.pick_list_print, name="print"),
    path("<int:pk>/pdf/", views.pick_list_pdf, name="pdf"),
    path("<int:pk>/start/", views.pick_list_start_view, name="start"),
    path("<int:pk>/scan/", views.pick_list_scan_view, name="scan"),
    path("<int:pk>/short/", views.pick_list_short_view, name="short"),
    path("<int:pk>/complete/", views.pick_list_complete_view, name="complete"),
    path("<int:pk>/sort/", views.pick_list_sort_view, name="sort"),
    path("<int:pk>/cancel/", views.pick_list_cancel_view, name="cancel"),
    path("waves/<int:pk>/", views.wave_detail, name="wave"),
    path("waves/<int:pk>/print/", views.wave_print, name="wave_print"),
    path("waves/<int:pk>/pdf/", views.wave_pdf, name="wave_pdf"),
]
