"""/healthz: can this process reach its database and its broker, and are the apps' own checks well?

Apps register their checks (`register`) when they are ready; this module knows none of them.
"""

from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import JsonResponse
from django.utils.module_loading import import_string
from django.views.decorators.http import require_GET

from .celery import app as celery_app

# name -> the dotted path of a callable answering (what to report, whether it is healthy)
CHECKS = {}


def register(name, check_path):
    CHECKS[name] = check_path


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
    report = {"database": "ok" if database else "unreachable", "broker": "ok" if broker else "unreachable"}
    healthy = database
    if database:
        for name, check_path in CHECKS.items():
            report[name], ok = import_string(check_path)()
            healthy = healthy and ok
    # The web can serve while the broker is down (reminders wait); without a database it cannot, and an
    # app whose own check fails (reminder scans that stopped) is not healthy either.
    return JsonResponse(report, status=200 if healthy else 503)
