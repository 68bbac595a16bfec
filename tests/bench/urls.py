"""The app's routes with the benchmark's, as when BENCH is on."""

from django.urls import include, path

from salesrecord.urls import urlpatterns as app_urlpatterns

urlpatterns = [*app_urlpatterns, path("", include("salesrecord.bench"))]
