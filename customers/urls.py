from django.urls import path

from . import views

app_name = "customers"

urlpatterns = [
    path("", views.customer_list, name="list"),
    path("new/", views.customer_create, name="create"),
    path("choices/", views.customer_choices, name="choices"),
    path("<id:pk>/", views.customer_detail, name="detail"),
    path("<id:pk>/edit/", views.customer_edit, name="edit"),
    path("<id:customer_pk>/contacts/new/", views.contact_create, name="contact_create"),
    path("contacts/<id:pk>/edit/", views.contact_edit, name="contact_edit"),
]
