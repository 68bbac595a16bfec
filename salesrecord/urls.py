from django.conf import settings
from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path, register_converter
from django.views.i18n import set_language

from dashboard import views as dashboard_views

from .forms import IdConverter
from .health import healthz

register_converter(IdConverter, "id")

urlpatterns = [
    path("", dashboard_views.home, name="home"),
    path("pipeline/", dashboard_views.pipeline, name="pipeline"),
    path("dashboard/", dashboard_views.dashboard, name="dashboard"),
    path("dashboard/export/", dashboard_views.dashboard_export, name="dashboard_export"),
    path("accounts/", include("accounts.urls")),
    path("customers/", include("customers.urls")),
    path("projects/", include("keypoints.project_urls")),
    path("keypoints/", include("keypoints.urls")),
    path("handovers/", include("handovers.urls")),
    path("notifications/", include("reminders.notification_urls")),
    path("reminders/", include("reminders.urls")),
    path("history/", include("audit.urls")),
    path("archive/", include("archive.urls")),
    path("imports/", include("imports.urls")),
    path("healthz", healthz, name="healthz"),
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    path("admin/", admin.site.urls),
]

if settings.BENCH:
    urlpatterns.append(path("", include("salesrecord.bench")))
