from django.shortcuts import render

from . import selectors


def home(request):
    """Where everyone lands: their day — next steps overdue, due today and this week, stalled projects,
    their own incomplete records, and the latest key points in their scope."""
    return render(request, "dashboard/home.html", selectors.my_day(request.user))
