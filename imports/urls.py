from django.urls import path

from . import views

app_name = "imports"

urlpatterns = [
    path("", views.import_list, name="list"),
    path("template/", views.import_template, name="template"),
    path("<id:pk>/", views.import_detail, name="detail"),
    path("<id:pk>/mapping/", views.import_mapping, name="mapping"),
    path("<id:pk>/confirm/", views.import_confirm, name="confirm"),
    path("<id:pk>/rejected/", views.import_rejected, name="rejected"),
]
