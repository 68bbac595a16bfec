"""The team's accounts, run by an admin in the app: who exists, their role, their password, whether
they may still log in."""

from axes.models import AccessAttempt
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q, Sum
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from salesrecord import once

from . import permissions, services
from .forms import UserCreateForm, UserEditForm, UserFilterForm, UserPasswordForm
from .models import User

PAGE_SIZE = 25
INVALID = 400


def _require_admin(user):
    if not permissions.can_manage_accounts(user):
        raise PermissionDenied


def locked_usernames(usernames):
    """The names among these that are locked out of logging in now, counted as django-axes counts
    them: a name's failures from every address within the cool-off time (one query)."""
    since = timezone.now() - settings.AXES_COOLOFF_TIME
    return set(
        AccessAttempt.objects.filter(username__in=list(usernames), attempt_time__gte=since)
        .values("username")
        .annotate(failures=Sum("failures_since_start"))
        .filter(failures__gte=settings.AXES_FAILURE_LIMIT)
        .values_list("username", flat=True)
    )


@require_http_methods(["GET"])
def user_list(request):
    _require_admin(request.user)
    form = UserFilterForm(request.GET or None)
    users = User.objects.order_by("-is_active", "username")
    status = 200
    if form.is_bound and not form.is_valid():
        users, status = users.none(), INVALID
    elif form.is_bound:
        query, role, active = (form.cleaned_data[key] for key in ("q", "role", "active"))
        if query:
            users = users.filter(
                Q(username__icontains=query) | Q(display_name__icontains=query) | Q(email__icontains=query)
            )
        if role:
            users = users.filter(role=role)
        if active:
            users = users.filter(is_active=active == "yes")
    page = Paginator(users, PAGE_SIZE).get_page(request.GET.get("page"))
    locked = locked_usernames(user.username for user in page)
    return render(request, "accounts/users.html", {"form": form, "page": page, "locked": locked}, status=status)


@require_http_methods(["GET", "POST"])
def user_create(request):
    _require_admin(request.user)
    form = UserCreateForm(request.POST or None)
    if request.method == "POST":
        user = once.save_once(
            request,
            form,
            lambda: services.user_create(
                user=form.instance, password=form.cleaned_data["password1"], actor=request.user
            ),
            success=lambda created: _("%(user)s can now log in with the password you set.") % {"user": created},
        )
        if user is not None:
            return redirect("accounts:user_edit", pk=user.pk)
    status = INVALID if form.errors else 200
    return render(request, "accounts/user_create.html", {"form": form}, status=status)


@require_http_methods(["GET", "POST"])
def user_edit(request, pk):
    _require_admin(request.user)
    person = get_object_or_404(User, pk=pk)
    form = UserEditForm(request.POST or None, instance=User.objects.get(pk=pk))
    status = 200
    if request.method == "POST" and form.is_valid():
        values = {name: form.cleaned_data[name] for name in ("role", "display_name", "email")}
        try:
            services.user_update(user=person, actor=request.user, seen=form.seen_version, **values)
        except ValidationError as error:
            form.add_error(None, error)
            if error.code == "stale":
                # Their input stays; the form now carries the current version, so saving again goes through.
                form.refresh_version()
                status = 409
        else:
            messages.success(request, _("Saved."))
            return redirect("accounts:user_edit", pk=person.pk)
    if form.errors and status != 409:
        status = INVALID
    context = {"person": person, "form": form, "locked": person.username in locked_usernames([person.username])}
    return render(request, "accounts/user_edit.html", context, status=status)


@require_http_methods(["GET", "POST"])
def user_password(request, pk):
    _require_admin(request.user)
    person = get_object_or_404(User, pk=pk)
    form = UserPasswordForm(person, request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.set_password(user=person, password=form.cleaned_data["new_password1"], actor=request.user)
        messages.success(
            request, _("New password set for %(user)s; their open sessions have ended.") % {"user": person}
        )
        return redirect("accounts:user_edit", pk=person.pk)
    status = INVALID if form.errors else 200
    return render(request, "accounts/user_password.html", {"person": person, "form": form}, status=status)


@require_http_methods(["GET", "POST"])
def user_deactivate(request, pk):
    """Asks first; once confirmed the person cannot log in and their open session ends on its next
    request. What they held is then on their hand-over page."""
    _require_admin(request.user)
    person = get_object_or_404(User, pk=pk)
    error = None
    if request.method == "POST":
        try:
            services.deactivate(user=person, actor=request.user)
        except ValidationError as refused:
            error = refused.messages[0]
        else:
            messages.success(request, _("%(user)s is deactivated. Hand over what they held below.") % {"user": person})
            return redirect("handovers:person", pk=person.pk)
    status = 409 if error else 200
    return render(request, "accounts/user_deactivate.html", {"person": person, "error": error}, status=status)


@require_POST
def user_reactivate(request, pk):
    _require_admin(request.user)
    person = services.reactivate(user=get_object_or_404(User, pk=pk), actor=request.user)
    messages.success(request, _("%(user)s can log in again.") % {"user": person})
    return redirect("accounts:user_edit", pk=person.pk)


@require_POST
def user_unlock(request, pk):
    _require_admin(request.user)
    person = get_object_or_404(User, pk=pk)
    services.unlock(user=person, actor=request.user)
    messages.success(request, _("%(user)s may try to log in again.") % {"user": person})
    return redirect("accounts:user_edit", pk=person.pk)


def locked_out(request, credentials, *args, **kwargs):
    """What a locked-out login sees (AXES_LOCKOUT_CALLABLE): the login page, saying why and for how
    long, in their language, with 429 Too Many Requests."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    form = AuthenticationForm(request, data=None)
    return render(
        request,
        "accounts/login.html",
        {"form": form, "locked_out": True, "minutes": minutes, "next": request.POST.get("next", "")},
        status=429,
    )
