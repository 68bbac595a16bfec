from django.urls import path

from . import views

app_name = "archive"

urlpatterns = [
    path("", views.archive_list, name="list"),
    path("<slug:kind>/<id:pk>/", views.archive_confirm, name="archive"),
    path("<slug:kind>/<id:pk>/restore/", views.archive_restore, name="restore"),
    path("<slug:kind>/<id:pk>/delete/", views.delete_for_good, name="delete"),
]
