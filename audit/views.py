"""History pages: a customer's (with its contacts), a project's (with its team, decision chain and key
points), one key point's; and the admin's audit log across everything."""

from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.views.decorators.http import require_GET

from customers import permissions as customer_permissions
from keypoints import permissions as keypoint_permissions

from . import permissions
from .forms import AuditFilterForm
from .registry import KINDS, visible_history
from .selectors import page_of_entries

INVALID = 400


def _sources(user, **filters):
    """Each kind's visible history rows, narrowed by filters given per kind key."""
    return [(KINDS[key], visible_history(KINDS[key], user).filter(**where)) for key, where in filters.items()]


@require_GET
def customer_history(request, pk):
    customer = customer_permissions.get_customer_for_user(request.user, pk, include_archived=True)
    page = page_of_entries(
        _sources(request.user, customer={"id": customer.pk}, contact={"customer_id": customer.pk}),
        request.GET.get("page"),
    )
    return render(request, "audit/history.html", {"record": customer, "page": page, "back": customer})


@require_GET
def project_history(request, pk):
    project = customer_permissions.get_project_for_user(request.user, pk, include_archived=True)
    by_project = {"project_id": project.pk}
    sources = _sources(
        request.user, project={"id": project.pk}, member=by_project, step=by_project, keypoint=by_project
    )
    page = page_of_entries(sources, request.GET.get("page"))
    return render(request, "audit/history.html", {"record": project, "page": page, "back": project})


@require_GET
def keypoint_history(request, pk):
    keypoint = keypoint_permissions.get_keypoint_for_user(request.user, pk, include_archived=True)
    page = page_of_entries(_sources(request.user, keypoint={"id": keypoint.pk}), request.GET.get("page"))
    return render(request, "audit/history.html", {"record": keypoint, "page": page, "back": keypoint.project})


@require_GET
def audit_log(request):
    """Every recorded change in the team, newest first; an admin's."""
    if not permissions.can_read_audit_log(request.user):
        raise PermissionDenied
    form = AuditFilterForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        return render(request, "audit/log.html", {"form": form, "page": None}, status=INVALID)
    data = form.cleaned_data if form.is_bound else {}
    keys = [data["kind"]] if data.get("kind") else list(KINDS)
    filters = {key: _log_filter(KINDS[key], data) for key in keys}
    page = page_of_entries(_sources(request.user, **filters), request.GET.get("page"))
    return render(request, "audit/log.html", {"form": form, "page": page})


def _log_filter(kind, data):
    """The audit log's filters, on where this kind keeps who and when."""
    where = {}
    if data.get("user"):
        where[kind.user_field] = data["user"]
    if data.get("date_from"):
        where[f"{kind.date_field}__date__gte"] = data["date_from"]
    if data.get("date_to"):
        where[f"{kind.date_field}__date__lte"] = data["date_to"]
    return where
