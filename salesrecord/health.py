"""/healthz: can this process reach its database and its broker?"""

from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.http import require_GET

from .celery import app as celery_app


def database_ok():
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:
        return False


def broker_ok():
    try:
        with celery_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=2)
        return True
    except Exception:
        return False


@login_not_required
@require_GET
def healthz(request):
    database, broker = database_ok(), broker_ok()
    # The web can serve while the broker is down (reminders wait); without a database it cannot.
    return JsonResponse(
        {"database": "ok" if database else "unreachable", "broker": "ok" if broker else "unreachable"},
        status=200 if database else 503,
    )
