from django.urls import path

from . import views

app_name = "reminders"

urlpatterns = [
    path("stalled/", views.attention, name="attention"),
    path("settings/", views.reminder_settings, name="settings"),
    path("robots/new/", views.webhook_edit, name="webhook_create"),
    path("robots/<id:pk>/", views.webhook_edit, name="webhook_edit"),
    path("robots/<id:pk>/delete/", views.webhook_delete, name="webhook_delete"),
    path("robots/<id:pk>/test/", views.webhook_test, name="webhook_test"),
]
