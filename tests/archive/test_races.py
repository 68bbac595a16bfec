"""Archiving while someone logs a key point on the same project, at the same moment, on PostgreSQL:
never a live key point left on an archived project."""

import contextlib
import os
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from customers.models import Project
from keypoints import services
from keypoints.models import KeyPoint
from tests.archive.test_archive import _keypoint_fields
from tests.factories import ProjectFactory


@pytest.mark.skipif(
    connection.vendor != "postgresql" and not os.environ.get("CI"),
    reason="a race needs a real database server: run with DATABASE_URL=postgres://...",
)
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("first", ["log", "archive"])
def test_a_key_point_logged_while_its_project_is_archived_is_archived_with_it_or_refused(
    rep, lead, rep_customer, monkeypatch, first
):
    project = ProjectFactory(customer=rep_customer)
    outcomes = {}
    # Whichever goes first holds the project's row; the other starts once it does, and must wait for
    # it. Without the lock the archive would finish first and the key point be saved live after it.
    started = threading.Event()
    save_keypoint = services._save_keypoint
    archive_projects = services._archive_projects

    def hold(real):
        def held(*args, **kwargs):
            started.set()
            with contextlib.suppress(threading.BrokenBarrierError):
                threading.Barrier(2, timeout=1).wait()  # nobody else comes: a second's head start
            return real(*args, **kwargs)

        return held

    if first == "log":
        monkeypatch.setattr(services, "_save_keypoint", hold(save_keypoint))
    else:
        monkeypatch.setattr(services, "_archive_projects", hold(archive_projects))

    def log():
        if first != "log":
            started.wait(5)
        try:
            services.keypoint_create(
                keypoint=KeyPoint(project=Project.objects.get(pk=project.pk), **_keypoint_fields(rep)),
                actor=rep,
                our_participants=[rep],
                customer_participants=[],
            )
            outcomes["log"] = "saved"
        except ValidationError as error:
            outcomes["log"] = error.code
        finally:
            connections.close_all()

    def archive():
        if first != "archive":
            started.wait(5)
        try:
            services.project_archive(project=Project.objects.get(pk=project.pk), actor=lead)
            outcomes["archive"] = "archived"
        finally:
            connections.close_all()

    threads = [threading.Thread(target=log), threading.Thread(target=archive)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert outcomes["archive"] == "archived"
    assert Project.all_objects.get(pk=project.pk).archived_at is not None
    assert not KeyPoint.objects.filter(project_id=project.pk).exists()  # nothing live under it
    if first == "log":
        assert outcomes["log"] == "saved"
        assert KeyPoint.all_objects.get(project_id=project.pk).archive_batch == (
            Project.all_objects.get(pk=project.pk).archive_batch
        )
    else:
        assert outcomes["log"] == "archived"
        assert not KeyPoint.all_objects.filter(project_id=project.pk).exists()
