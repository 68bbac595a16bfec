"""Two at once on one import, on PostgreSQL: a double confirmation starts one import, and the same import
run twice at once (a retried task, two workers) writes its records once."""

import contextlib
import os
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from customers.models import Customer
from imports import runs, services
from imports.models import ImportJob, ImportStatus
from tests.factories import UserFactory

from .files import workbook
from .test_import import CUSTOMER_HEADER, guide_customer

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql" and not os.environ.get("CI"),
        reason="a race needs a real database server: run with DATABASE_URL=postgres://...",
    ),
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def checked(monkeypatch):
    monkeypatch.setattr(services, "_start", lambda job, step: None)
    lead = UserFactory(username="lead1", role="lead")
    UserFactory(username="rep1", role="rep")
    data = workbook({"客户基础信息": [CUSTOMER_HEADER, guide_customer()]})
    job = services.import_upload(actor=lead, data=data, filename="x.xlsx", language="zh-hans")
    services.import_map(
        job=job, actor=lead, kinds=["customers"], mappings=[job.sheets[0]["mapping"]], default_owner=lead
    )
    return runs.import_check(job_id=job.pk), lead


def held(real, started):
    """The real function, entered after a signal that the first caller is inside (holding its locks)."""

    def wrapper(*args, **kwargs):
        started.set()
        with contextlib.suppress(threading.BrokenBarrierError):
            threading.Barrier(2, timeout=1).wait()  # nobody else comes: a second's head start
        return real(*args, **kwargs)

    return wrapper


def at_once(first, second, started):
    outcomes = []

    def run(step, wait):
        if wait:
            started.wait(5)
        try:
            outcomes.append(step())
        except ValidationError as error:
            outcomes.append(error.code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(first, False)), threading.Thread(target=run, args=(second, True))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


@pytest.mark.parametrize("locked", [True, False], ids=["locked", "without the lock (control)"])
def test_a_double_confirmation_starts_one_import(checked, monkeypatch, locked):
    job, lead = checked
    started = threading.Event()
    starts = []
    monkeypatch.setattr(services, "_start", lambda job, step: starts.append(step))
    if not locked:
        monkeypatch.setattr(services, "_locked", lambda job: ImportJob.objects.get(pk=job.pk))
    monkeypatch.setattr(services, "_refuse_unless", held(services._refuse_unless, started))
    seen = job.changed_at.isoformat()

    def confirm():
        return services.import_confirm(job=ImportJob.objects.get(pk=job.pk), actor=lead, seen=seen).status

    outcomes = at_once(confirm, confirm, started)
    if locked:
        assert sorted(outcomes) == sorted([ImportStatus.IMPORTING, "stale"])
        assert starts == ["import"]
    else:
        assert starts == ["import", "import"]  # what the lock prevents


@pytest.mark.parametrize("locked", [True, False], ids=["locked", "without the lock (control)"])
def test_one_import_run_twice_at_once_writes_once(checked, monkeypatch, locked):
    job, lead = checked
    services.import_confirm(job=job, actor=lead)
    started = threading.Event()
    if not locked:
        monkeypatch.setattr(runs, "_locked", lambda job: ImportJob.objects.get(pk=job.pk))
    monkeypatch.setattr(runs, "write", held(runs.write, started))

    def run():
        return runs.import_run(job_id=job.pk).status

    at_once(run, run, started)
    final = ImportJob.objects.get(pk=job.pk)
    if locked:
        assert final.status == ImportStatus.DONE
        assert Customer.objects.count() == 1
    else:
        # Both wrote: the second met the first's customer and failed over the first's success.
        assert final.status == ImportStatus.FAILED
