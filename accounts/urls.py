from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from . import views

app_name = "accounts"

urlpatterns = [
    path(
        "login/",
        auth_views.LoginView.as_view(template_name="accounts/login.html", redirect_authenticated_user=True),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "password/",
        auth_views.PasswordChangeView.as_view(
            template_name="accounts/password_change.html", success_url=reverse_lazy("accounts:password_done")
        ),
        name="password_change",
    ),
    path(
        "password/done/",
        auth_views.PasswordChangeDoneView.as_view(template_name="accounts/password_done.html"),
        name="password_done",
    ),
    path("users/", views.user_list, name="users"),
    path("users/new/", views.user_create, name="user_create"),
    path("users/<id:pk>/", views.user_edit, name="user_edit"),
    path("users/<id:pk>/password/", views.user_password, name="user_password"),
    path("users/<id:pk>/deactivate/", views.user_deactivate, name="user_deactivate"),
    path("users/<id:pk>/reactivate/", views.user_reactivate, name="user_reactivate"),
    path("users/<id:pk>/unlock/", views.user_unlock, name="user_unlock"),
]
