from django.urls import path

from . import views

app_name = "handovers"

urlpatterns = [
    path("", views.bulk_handover, name="bulk"),
    path("customer/<id:pk>/", views.customer_handover, name="customer"),
]
