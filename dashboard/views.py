from django.shortcuts import redirect, render

from accounts.models import Role
from customers import permissions

from . import exports, metrics, selectors
from .filters import DashboardFilter


def home(request):
    """Where everyone lands: their day — next steps overdue, due today and this week, stalled projects,
    their own incomplete records, and the latest key points in their scope. Managers land on the dashboard."""
    if request.user.role == Role.MANAGER:
        return redirect("dashboard")
    return render(request, "dashboard/home.html", selectors.my_day(request.user))


def pipeline(request):
    """Open deals as cards in the seven stage columns, with counts, values and stall badges; a card moves
    through the project's own confirmation (same service, same requirements), then comes back here."""
    return render(
        request,
        "dashboard/pipeline.html",
        {"columns": selectors.pipeline(request.user), "can_write": permissions.can_write(request.user)},
    )


def dashboard(request):
    """The figures for decisions over the user's scope (a rep: their own), filtered by period, owner,
    industry, source and tier; each number links to the list it counts."""
    dashboard_filter = DashboardFilter(request.GET, user=request.user)
    if not dashboard_filter.is_valid():
        return render(request, "dashboard/dashboard.html", {"filter": dashboard_filter}, status=400)
    scope = metrics.Scope.from_filter(dashboard_filter)
    context = {"filter": dashboard_filter, "scope": scope, **metrics.figures(scope)}
    return render(request, "dashboard/dashboard.html", context)


def dashboard_export(request):
    """The dashboard's tables, with the same filters, as an XLSX workbook."""
    dashboard_filter = DashboardFilter(request.GET, user=request.user)
    if not dashboard_filter.is_valid():
        return render(request, "dashboard/dashboard.html", {"filter": dashboard_filter}, status=400)
    return exports.export_response(metrics.figures(metrics.Scope.from_filter(dashboard_filter)))
