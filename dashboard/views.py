from django.shortcuts import render

from customers import permissions

from . import selectors


def home(request):
    """Where everyone lands: their day — next steps overdue, due today and this week, stalled projects,
    their own incomplete records, and the latest key points in their scope."""
    return render(request, "dashboard/home.html", selectors.my_day(request.user))


def pipeline(request):
    """Open deals as cards in the seven stage columns, with counts, values and stall badges; a card moves
    through the project's own confirmation (same service, same requirements), then comes back here."""
    return render(
        request,
        "dashboard/pipeline.html",
        {"columns": selectors.pipeline(request.user), "can_write": permissions.can_write(request.user)},
    )
