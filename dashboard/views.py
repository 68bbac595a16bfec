from django.http import QueryDict
from django.shortcuts import render

from customers import permissions
from keypoints.filters import DealFilter

from . import selectors


def home(request):
    """Where everyone lands: their day — next steps overdue, due today and this week, stalled projects,
    their own incomplete records, and the latest key points in their scope."""
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
