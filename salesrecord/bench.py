"""What `make bench` needs from the running app, wired in only when the BENCH setting is on.

- The floor: a login-required page that renders the base template and makes one query of its own.
  Every page's latency is read against it, so that the figures say what a page costs beyond what any
  page of ours costs (session, user, the base template and its context processors).
- A count of the SQL queries each request made, in an `X-Queries` response header.
"""

from django.db import connection
from django.shortcuts import render
from django.urls import path
from django.views.decorators.http import require_GET


@require_GET
def floor(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return render(request, "salesrecord/bench_floor.html")


urlpatterns = [path("bench/floor/", floor, name="bench_floor")]


class QueryCountMiddleware:
    """Counts every query a request makes, the session's and the user's included."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        count = 0

        def counted(execute, sql, params, many, context):
            nonlocal count
            count += 1
            return execute(sql, params, many, context)

        with connection.execute_wrapper(counted):
            response = self.get_response(request)
        # A streamed response runs its queries after this returns: the header counts those made before.
        response["X-Queries"] = str(count)
        return response
