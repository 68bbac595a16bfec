"""Everything under /projects/: the project page and its key points (here), its profile, team and
decision chain (customers). It lives in keypoints, the app that sits above both."""

from django.urls import path

from customers import views

from . import views as keypoint_views

app_name = "projects"

urlpatterns = [
    path("", keypoint_views.project_list, name="list"),
    path("new/<id:customer_pk>/", keypoint_views.project_create, name="create"),
    path("<id:pk>/", keypoint_views.project_detail, name="detail"),
    path("<id:pk>/edit/", views.project_edit, name="edit"),
    path("<id:project_pk>/members/new/", views.member_create, name="member_create"),
    path("members/<id:pk>/edit/", views.member_edit, name="member_edit"),
    path("members/<id:pk>/remove/", views.member_remove, name="member_remove"),
    path("<id:project_pk>/decision-steps/new/", views.decision_step_create, name="step_create"),
    path("decision-steps/<id:pk>/edit/", views.decision_step_edit, name="step_edit"),
    path("decision-steps/<id:pk>/remove/", views.decision_step_remove, name="step_remove"),
    path("<id:project_pk>/keypoints/new/", keypoint_views.keypoint_create, name="keypoint_create"),
    path("<id:pk>/keypoints/", keypoint_views.project_timeline, name="timeline"),
    path("<id:project_pk>/keypoints/stage-fields/", keypoint_views.keypoint_stage_fields, name="stage_fields"),
    path("<id:pk>/stage/advance/", keypoint_views.project_advance, name="advance"),
    path("<id:pk>/stage/change/", keypoint_views.project_stage_change, name="stage_change"),
    path("<id:pk>/stage/lost/", keypoint_views.project_lost, name="lost"),
    path("<id:pk>/stage/hold/", keypoint_views.project_hold, name="hold"),
    path("<id:pk>/stage/complete/", keypoint_views.project_complete, name="complete"),
    path("<id:pk>/stage/reopen/", keypoint_views.project_reopen, name="reopen"),
    path("<id:pk>/review/", keypoint_views.project_review, name="review"),
]
