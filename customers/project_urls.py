from django.urls import path

from . import views

app_name = "projects"

urlpatterns = [
    path("<int:pk>/", views.project_detail, name="detail"),
    path("<int:pk>/edit/", views.project_edit, name="edit"),
    path("<int:project_pk>/members/new/", views.member_create, name="member_create"),
    path("members/<int:pk>/edit/", views.member_edit, name="member_edit"),
    path("members/<int:pk>/remove/", views.member_remove, name="member_remove"),
    path("<int:project_pk>/decision-steps/new/", views.decision_step_create, name="step_create"),
    path("decision-steps/<int:pk>/edit/", views.decision_step_edit, name="step_edit"),
    path("decision-steps/<int:pk>/remove/", views.decision_step_remove, name="step_remove"),
]
