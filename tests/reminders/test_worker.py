"""The scans run in a real Celery worker: one against the real Redis, enqueued from here; one started
as `make run` starts it (file broker, its own scheduler), firing the beat schedule by itself."""

import datetime
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from customers.models import Project
from reminders import tasks
from reminders.models import Channel, Reminder, ScanRun
from tests.factories import ProjectFactory

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent

pytestmark = [
    pytest.mark.django_db(transaction=True),
    # The worker is another process: it needs a database server it can reach (CI runs on PostgreSQL).
    pytest.mark.skipif(
        connection.vendor != "postgresql" and not os.environ.get("CI"),
        reason="a worker in another process needs DATABASE_URL=postgres://...",
    ),
]


def database_url_of_the_test_database():
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def worker_env(**extra):
    env = {key: value for key, value in os.environ.items() if not key.startswith("PYTEST")}
    env.update(
        DATABASE_URL=database_url_of_the_test_database(),
        SALESRECORD_TESTING="1",
        LOG_LEVEL="WARNING",
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        **extra,
    )
    return env


def stalled_project():
    project = ProjectFactory(name="停滞项目")
    Project.objects.filter(pk=project.pk).update(stage_entered_at=timezone.now() - datetime.timedelta(days=20))
    return project


def wait_for(condition, seconds=60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.5)
    return False


def stop(process):
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.mark.skipif(not settings.CELERY_BROKER_URL.startswith("redis://"), reason="needs REDIS_URL")
def test_a_real_worker_on_redis_runs_the_enqueued_scan():
    project = stalled_project()
    # A queue of its own, so that no other worker on this Redis takes the task (the worker's own
    # deliveries go to it too: CELERY_QUEUE is its default queue).
    queue = f"test-{uuid.uuid4().hex[:12]}"
    worker = subprocess.Popen(
        [
            str(VENV_BIN / "celery"),
            "-A",
            "salesrecord",
            "worker",
            "--concurrency=1",
            "--pool=solo",
            "--without-heartbeat",
            "--without-mingle",
            "--without-gossip",
            "--loglevel=WARNING",
        ],
        cwd=ROOT,
        env=worker_env(CELERY_QUEUE=queue),
    )
    try:
        tasks.scan_stalls.apply_async(queue=queue)
        assert wait_for(lambda: Reminder.objects.filter(project=project, channel=Channel.APP).exists())
        # The email it found went through the delivery task, in the same worker.
        assert wait_for(
            lambda: Reminder.objects.filter(project=project, channel=Channel.EMAIL, sent_at__isnull=False).exists()
        )
    finally:
        stop(worker)


def test_make_runs_worker_fires_the_beat_schedule_on_the_file_broker(tmp_path):
    # `make run` runs scripts/run-dev, which starts this very script beside the web app.
    assert "./scripts/run-dev" in (ROOT / "Makefile").read_text(encoding="utf-8").split("\nrun:", 1)[1].split("\n\n")[0]
    assert "./scripts/run-worker &" in (ROOT / "scripts" / "run-dev").read_text(encoding="utf-8")
    project = stalled_project()
    env = worker_env(VAR_DIR=str(tmp_path), REMINDER_SCAN_MINUTES="0.05", VENV=str(VENV_BIN.parent))
    env.pop("REDIS_URL", None)
    worker = subprocess.Popen([str(ROOT / "scripts" / "run-worker")], cwd=ROOT, env=env)
    try:
        # One scan when the scheduler starts, then every three seconds by the schedule itself.
        assert wait_for(lambda: ScanRun.objects.filter(job=ScanRun.Job.STALLS).count() >= 3, seconds=90)
        assert ScanRun.objects.filter(job=ScanRun.Job.OVERDUE).exists()
        assert Reminder.objects.filter(project=project, channel=Channel.APP).count() == 1
    finally:
        stop(worker)
