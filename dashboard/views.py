from django.http import QueryDict
from django.shortcuts import redirect, render

from accounts.models import Role
from customers import permissions
from keypoints.filters import DealFilter

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
    through the project's own confirmation (same service, same requirements), then comes back here.
    The filters (owner, industry, source, tier, stalled) are the opportunity list's, so each column's
    count drills into the list with the same ones."""
    board_filter = DealFilter(
        request.GET or None, queryset=permissions.visible_projects(request.user), user=request.user
    )
    context = {"filter": board_filter, "can_write": permissions.can_write(request.user)}
    if board_filter.is_bound and not board_filter.is_valid():
        # As the lists do: a filter that cannot apply shows no column; the filter bar says what is wrong.
        return render(request, "dashboard/pipeline.html", {**context, "columns": None}, status=400)
    columns = selectors.pipeline(request.user, projects=board_filter.qs if board_filter.is_bound else None)
    drill_down = board_filter.shared_query() if board_filter.is_bound else QueryDict()
    context.update(columns=columns, drill_down=drill_down, matched=sum(column["count"] for column in columns))
    return render(request, "dashboard/pipeline.html", context)


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
