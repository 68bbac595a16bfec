from django.urls import path

from . import views

app_name = "keypoints"

urlpatterns = [
    path("", views.ledger, name="ledger"),
    path("export/", views.ledger_export, name="export"),
    path("exports/<id:pk>/", views.export_status, name="export_status"),
    path("exports/<id:pk>/download/", views.export_download, name="export_download"),
    path("<id:pk>/edit/", views.keypoint_edit, name="edit"),
    path("<id:pk>/next-step/", views.next_step_toggle, name="next_step"),
]
