from django.urls import path

from . import views

app_name = "handovers"

urlpatterns = [
    path("", views.bulk_handover, name="bulk"),
    path("customer/<id:pk>/", views.customer_handover, name="customer"),
    path("person/", views.person_pick, name="person_pick"),
    path("person/<id:pk>/", views.person_handover, name="person"),
]
