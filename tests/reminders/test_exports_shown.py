"""A ledger export prepared in the background is delivered to its owner's notification centre: listed
with its download link (or why it failed), counted by the bell until opened, gone once expired."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from keypoints import services, tasks
from keypoints.models import ExportStatus, LedgerExport
from reminders import selectors
from tests.factories import KeyPointFactory, ProjectFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_of_its_own(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def finished(rep, rep_customer):
    KeyPointFactory(project=ProjectFactory(customer=rep_customer, owner=rep))
    job, _ = services.ledger_export_start(user=rep, export_format="csv", query="", language="zh-hans")
    tasks.run_ledger_export.run(job.pk)
    job.refresh_from_db()
    assert job.status == ExportStatus.DONE
    return job


def bell(client):
    page = client.get(reverse("customers:list")).content.decode()
    if 'data-testid="unread-count">' not in page:
        return 0
    return int(page.split('data-testid="unread-count">', 1)[1].split("<", 1)[0])


def test_a_finished_export_is_listed_with_its_download_link(client_for, rep, finished):
    listing = client_for(rep).get(reverse("notifications:list")).content.decode()
    assert 'data-testid="export-notification"' in listing
    assert reverse("keypoints:export_download", args=[finished.pk]) in listing


def test_the_bell_counts_a_finished_export_until_it_is_downloaded(client_for, rep, finished):
    client = client_for(rep)
    assert bell(client) == 1
    assert client.get(reverse("keypoints:export_download", args=[finished.pk])).status_code == 200
    assert bell(client) == 0
    assert 'data-testid="export-notification"' in client.get(reverse("notifications:list")).content.decode()


def test_an_export_still_being_prepared_is_not_announced(client_for, rep):
    job, _ = services.ledger_export_start(user=rep, export_format="csv", query="", language="zh-hans")
    assert job.status == ExportStatus.QUEUED
    assert bell(client_for(rep)) == 0
    assert not selectors.finished_exports(rep).exists()


def test_mark_all_read_includes_exports(client_for, rep, finished):
    client = client_for(rep)
    client.post(reverse("notifications:read_all"))
    finished.refresh_from_db()
    assert finished.read_at is not None and bell(client) == 0


def test_a_failed_export_is_listed_with_its_reason(client_for, rep, rep_customer, other_customer):
    job, _ = services.ledger_export_start(
        user=rep, export_format="xlsx", query=f"customer={other_customer.pk}", language="zh-hans"
    )
    tasks.run_ledger_export.run(job.pk)
    job.refresh_from_db()
    client = client_for(rep)
    assert job.status == ExportStatus.FAILED and bell(client) == 1
    listing = client.get(reverse("notifications:list")).content.decode()
    assert job.error in listing and reverse("keypoints:export_status", args=[job.pk]) in listing
    client.get(reverse("keypoints:export_status", args=[job.pk]))
    assert bell(client) == 0


def test_an_expired_export_leaves_the_list_and_the_count(client_for, rep, finished):
    LedgerExport.objects.filter(pk=finished.pk).update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    client = client_for(rep)
    assert bell(client) == 0
    assert 'data-testid="export-notification"' not in client.get(reverse("notifications:list")).content.decode()


@pytest.mark.parametrize("role", ["other_rep", "lead", "admin", "manager"])
def test_an_export_is_announced_to_its_owner_only(client_for, users, finished, role):
    client = client_for(users[role])
    assert bell(client) == 0
    assert 'data-testid="export-notification"' not in client.get(reverse("notifications:list")).content.decode()


def test_the_bell_is_one_query_with_exports_too(rep, finished, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert selectors.unread_count(rep) == 1
