from django.urls import path

from . import views

app_name = "audit"

urlpatterns = [
    path("", views.audit_log, name="log"),
    path("customers/<id:pk>/", views.customer_history, name="customer"),
    path("projects/<id:pk>/", views.project_history, name="project"),
    path("keypoints/<id:pk>/", views.keypoint_history, name="keypoint"),
]
