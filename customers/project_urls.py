from django.urls import path

from keypoints import views as keypoint_views

from . import views

app_name = "projects"

urlpatterns = [
    path("<int:pk>/", keypoint_views.project_detail, name="detail"),
    path("<int:pk>/edit/", views.project_edit, name="edit"),
    path("<int:project_pk>/members/new/", views.member_create, name="member_create"),
    path("members/<int:pk>/edit/", views.member_edit, name="member_edit"),
    path("members/<int:pk>/remove/", views.member_remove, name="member_remove"),
    path("<int:project_pk>/decision-steps/new/", views.decision_step_create, name="step_create"),
    path("decision-steps/<int:pk>/edit/", views.decision_step_edit, name="step_edit"),
    path("decision-steps/<int:pk>/remove/", views.decision_step_remove, name="step_remove"),
    path("<int:project_pk>/keypoints/new/", keypoint_views.keypoint_create, name="keypoint_create"),
    path("<int:project_pk>/keypoints/stage-fields/", keypoint_views.keypoint_stage_fields, name="stage_fields"),
    path("<int:pk>/stage/advance/", keypoint_views.project_advance, name="advance"),
    path("<int:pk>/stage/change/", keypoint_views.project_stage_change, name="stage_change"),
    path("<int:pk>/stage/lost/", keypoint_views.project_lost, name="lost"),
    path("<int:pk>/stage/hold/", keypoint_views.project_hold, name="hold"),
    path("<int:pk>/stage/reopen/", keypoint_views.project_reopen, name="reopen"),
]
