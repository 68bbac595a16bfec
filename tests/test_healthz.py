"""/healthz answers without login and tells whether the database and the broker are reachable, and
how long ago the reminder scans last ran."""

import datetime

import pytest
import time_machine
from django.conf import settings
from django.utils import timezone

from reminders.models import ScanRun
from salesrecord.celery import app as celery_app

pytestmark = pytest.mark.django_db


@pytest.fixture
def frozen_clock():
    """Seconds are counted exactly: the clock stands still while a slow broker check answers (a test
    of an unreachable broker lets it run: the broker's own timeout needs a moving clock)."""
    with time_machine.travel(timezone.now(), tick=False):
        yield


@pytest.fixture
def scans_ran(db):
    def ran(ago):
        ScanRun.objects.all().delete()
        for job in (ScanRun.Job.STALLS, ScanRun.Job.OVERDUE):
            at = timezone.now() - ago
            ScanRun.objects.create(job=job, started_at=at, finished_at=at)

    ran(datetime.timedelta(minutes=5))
    return ran


def test_healthz_answers_200_without_login(frozen_clock, client, scans_ran):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {
        "database": "ok",
        "broker": "ok",
        "reminder_scans": {"last_scan_seconds_ago": 300, "interval_seconds": 3600},
    }


def test_healthz_is_503_once_the_scans_are_older_than_twice_their_interval(frozen_clock, client, scans_ran):
    scans_ran(datetime.timedelta(minutes=119))
    assert client.get("/healthz").status_code == 200
    scans_ran(datetime.timedelta(minutes=121))
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["reminder_scans"]["last_scan_seconds_ago"] == 121 * 60


def test_healthz_is_503_when_the_scans_never_ran_or_failed(client, scans_ran):
    ScanRun.objects.all().delete()
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["reminder_scans"]["last_scan_seconds_ago"] is None
    scans_ran(datetime.timedelta(minutes=1))
    ScanRun.objects.filter(job=ScanRun.Job.OVERDUE).update(error="OperationalError()")
    assert client.get("/healthz").status_code == 503


def test_healthz_reports_an_unreachable_broker_but_stays_up(client, monkeypatch, scans_ran):
    monkeypatch.setattr(celery_app.conf, "broker_url", "redis://127.0.0.1:1/0")
    monkeypatch.setitem(celery_app.conf, "broker_transport", None)  # not the file broker: Redis, unreachable
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["broker"] == "unreachable"


def test_healthz_is_503_when_the_database_is_down(client, monkeypatch):
    from salesrecord import health

    monkeypatch.setattr(health, "database_ok", lambda: False)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "unreachable"


def test_ci_runs_against_the_real_services():
    """Under CI the suite must talk to PostgreSQL and Redis, never the laptop defaults."""
    import os

    if not os.environ.get("CI"):
        pytest.skip("only meaningful under CI (.ci/run sets CI=1)")
    assert settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
    assert settings.CELERY_BROKER_URL.startswith("redis://")
    from django.core.cache import cache

    cache.set("ci-probe", "ok", 5)
    assert cache.get("ci-probe") == "ok"
    assert settings.CACHES["default"]["BACKEND"].endswith("RedisCache")
