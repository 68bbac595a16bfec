"""Large ledger exports as background jobs: inline below the threshold, a job above it; the job writes
what the inline export would, in the person's scope as it is when it runs; progress, the owner's
download, expiry and cleanup; the finished export in the notification centre."""

import csv
import datetime
import io
import threading

import openpyxl
import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from keypoints import exports, services, tasks
from keypoints.models import ExportStatus, LedgerExport
from salesrecord.celery import app as celery_app
from tests.factories import KeyPointFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_of_its_own(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def eager_celery():
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = False


@pytest.fixture
def records(project, other_project):
    now = timezone.now()
    return [
        *(
            KeyPointFactory(project=project, stage=stage, occurred_at=now - datetime.timedelta(hours=stage))
            for stage in (1, 2, 3, 1)
        ),
        KeyPointFactory(project=other_project, stage=1, summary="乙方的记录"),
    ]


def export(client, export_format="csv", **params):
    return client.get(reverse("keypoints:export"), {"format": export_format, **params})


def body(response):
    return b"".join(response.streaming_content)


def csv_rows(content):
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def xlsx_rows(content):
    workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
    return [list(row) for row in workbook.active.iter_rows(values_only=True)]


def start(user, export_format="csv", query="", language="zh-hans"):
    job, _ = services.ledger_export_start(user=user, export_format=export_format, query=query, language=language)
    return job


def run(job):
    tasks.run_ledger_export.run(job.pk)
    job.refresh_from_db()
    return job


def file_content(job):
    return exports.file_path(job).read_bytes()


# Inline or background -----------------------------------------------------------------------------


def test_an_export_within_the_threshold_streams_at_once(client_for, rep, records, settings):
    settings.EXPORT_INLINE_ROWS = 4
    response = export(client_for(rep))
    assert response.status_code == 200 and response["Content-Disposition"].startswith("attachment")
    assert len(csv_rows(body(response))) == 5
    assert not LedgerExport.objects.exists()


def test_an_export_over_the_threshold_becomes_a_job_with_its_status_page(
    client_for, rep, records, settings, django_capture_on_commit_callbacks
):
    settings.EXPORT_INLINE_ROWS = 3
    with django_capture_on_commit_callbacks() as callbacks:
        response = export(client_for(rep), "xlsx", stage="1")
    # Two rows only: the threshold counts the filtered rows, so this one streams.
    assert response.status_code == 200 and not LedgerExport.objects.exists()
    with django_capture_on_commit_callbacks() as callbacks:
        response = export(client_for(rep), "xlsx", sort="stage", page="3")
    job = LedgerExport.objects.get()
    assert response.status_code == 302 and response.url == reverse("keypoints:export_status", args=[job.pk])
    assert (job.requested_by, job.format, job.query, job.status) == (rep, "xlsx", "sort=stage", ExportStatus.QUEUED)
    assert len(callbacks) == 1
    page = client_for(rep).get(response.url)
    assert "Your export is being prepared" in page.content.decode() or "正在准备" in page.content.decode()
    assert 'hx-trigger="every 2s"' in page.content.decode()


def test_the_same_export_asked_twice_starts_one_job(rep, lead, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        first = start(rep, query="stage=1")
        again = start(rep, query="stage=1")
        other_filter = start(rep, query="stage=2")
        other_person = start(lead, query="stage=1")
    assert again == first
    assert len({first.pk, other_filter.pk, other_person.pk}) == 3
    assert len(callbacks) == 3


def test_a_job_records_what_was_asked_and_only_the_same_ask_while_unfinished_returns_it(rep):
    def ask(**changes):
        asked = {"user": rep, "export_format": "csv", "query": "stage=1", "language": "zh-hans", **changes}
        return services.ledger_export_start(**asked)

    first, started = ask()
    assert started is True
    assert (first.requested_by, first.format, first.query, first.language, first.status) == (
        rep, "csv", "stage=1", "zh-hans", ExportStatus.QUEUED)  # fmt: skip
    assert ask() == (first, False)
    others = [ask(export_format="xlsx"), ask(query="stage=2"), ask(language="en")]
    assert [started for _job, started in others] == [True, True, True]
    assert len({first.pk, *(job.pk for job, _started in others)}) == 4
    # Being prepared, it still answers the same ask; failed or done, a new one starts.
    LedgerExport.objects.filter(pk=first.pk).update(status=ExportStatus.RUNNING)
    assert ask()[0].pk == first.pk
    for status in (ExportStatus.FAILED, ExportStatus.DONE):
        LedgerExport.objects.filter(requested_by=rep, format="csv", query="stage=1", language="zh-hans").update(
            status=status
        )
        job, started = ask()
        assert started is True and job.pk != first.pk
        first = job


def test_a_finished_export_does_not_hold_back_a_new_one(rep, project):
    KeyPointFactory(project=project)
    first = run(start(rep))
    assert first.status == ExportStatus.DONE
    assert start(rep) != first


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_two_submits_at_once_start_one_job(rep):
    barrier = threading.Barrier(2)
    jobs = []

    def submit():
        try:
            barrier.wait()
            jobs.append(start(rep, query="stage=3").pk)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(jobs)) == 1 and LedgerExport.objects.count() == 1


# What the job writes --------------------------------------------------------------------------------


@pytest.mark.parametrize(("export_format", "reader"), [("csv", csv_rows), ("xlsx", xlsx_rows)])
def test_the_job_writes_the_rows_the_inline_export_writes(client_for, rep, records, export_format, reader, settings):
    settings.EXPORT_INLINE_ROWS = 1000
    inline = reader(body(export(client_for(rep), export_format, stage="1", sort="stage")))
    job = run(start(rep, export_format, query="sort=stage&stage=1"))
    assert job.status == ExportStatus.DONE and job.rows_written == 2 == job.rows_total
    written = reader(file_content(job))
    assert written == inline and len(written) == 3


def test_the_job_applies_the_scope_as_it_is_when_it_runs(rep, lead, records, project, rep_customer):
    job = start(rep)
    # The customer is handed to someone else before the worker gets to the job.
    rep_customer.owner = lead
    rep_customer.save()
    project.owner = lead
    project.save()
    job = run(job)
    assert job.status == ExportStatus.DONE
    assert csv_rows(file_content(job))[1:] == []


def test_a_reps_job_never_holds_another_reps_rows(rep, records):
    rows = csv_rows(file_content(run(start(rep))))
    summary = rows[0].index("发生了什么")
    assert len(rows) == 5 and "乙方的记录" not in {row[summary] for row in rows[1:]}


def test_filters_that_no_longer_apply_fail_the_job_with_a_message(rep, records, other_customer):
    job = run(start(rep, query=f"customer={other_customer.pk}"))
    assert job.status == ExportStatus.FAILED and job.error
    assert not job.file


def test_the_job_reports_its_progress(rep, project, monkeypatch):
    for _ in range(7):
        KeyPointFactory(project=project)
    monkeypatch.setattr(exports, "PROGRESS_EVERY", 3)
    monkeypatch.setattr(exports, "CHUNK_SIZE", 2)
    job = start(rep, "xlsx")
    seen = []
    update = LedgerExport.objects.filter(pk=job.pk).update

    def spy(**fields):
        if "rows_written" in fields and fields.get("status") is None:
            seen.append((LedgerExport.objects.get(pk=job.pk).rows_total, fields["rows_written"]))
        return update(**fields)

    monkeypatch.setattr(
        LedgerExport.objects,
        "filter",
        lambda *args, **kwargs: _Spied(LedgerExport._default_manager.get_queryset().filter(*args, **kwargs), spy),
    )
    job = run(job)
    assert seen == [(7, 3), (7, 6)]
    assert (job.status, job.rows_written, job.progress) == (ExportStatus.DONE, 7, 100)


class _Spied:
    def __init__(self, queryset, spy):
        self.queryset, self.spy = queryset, spy

    def update(self, **fields):
        return self.spy(**fields) if self.queryset.query.where else self.queryset.update(**fields)

    def __getattr__(self, name):
        return getattr(self.queryset, name)


def test_progress_is_the_share_of_rows_written():
    job = LedgerExport(status=ExportStatus.RUNNING, rows_total=8, rows_written=2)
    assert job.progress == 25
    assert LedgerExport(status=ExportStatus.QUEUED).progress == 0


def test_running_the_task_twice_writes_one_file(rep, records):
    job = run(start(rep))
    written = job.file
    assert run(job).file == written
    assert len(list(exports.file_path(job).parent.iterdir())) == 1


def test_a_job_lost_with_its_worker_is_taken_again(rep, records):
    job = start(rep)
    LedgerExport.objects.filter(pk=job.pk).update(
        status=ExportStatus.RUNNING, progressed_at=timezone.now() - datetime.timedelta(hours=1)
    )
    assert run(job).status == ExportStatus.DONE


def test_a_job_running_now_is_not_started_again(rep, records):
    job = start(rep)
    LedgerExport.objects.filter(pk=job.pk).update(status=ExportStatus.RUNNING, progressed_at=timezone.now())
    assert run(job).status == ExportStatus.RUNNING


def test_a_failure_while_writing_marks_the_job_failed(rep, records, monkeypatch, settings):
    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(exports, "write_xlsx", broken)
    job = run(start(rep, "xlsx"))
    assert job.status == ExportStatus.FAILED and job.error and "disk full" not in job.error
    assert list((settings.MEDIA_ROOT / exports.EXPORT_FOLDER).iterdir()) == []


# Status page and download ---------------------------------------------------------------------------


def test_the_owner_downloads_the_finished_file(client_for, rep, records):
    job = run(start(rep, "xlsx"))
    response = client_for(rep).get(reverse("keypoints:export_download", args=[job.pk]))
    assert response.status_code == 200 and response["Content-Disposition"].startswith("attachment")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert len(xlsx_rows(body(response))) == 5


@pytest.mark.parametrize("role", ["other_rep", "lead", "admin", "manager"])
def test_no_one_else_sees_or_downloads_an_export(client_for, users, records, role):
    job = run(start(users["rep"]))
    client = client_for(users[role])
    assert client.get(reverse("keypoints:export_status", args=[job.pk])).status_code == 404
    assert client.get(reverse("keypoints:export_download", args=[job.pk])).status_code == 404


def test_the_status_page_shows_the_download_link_once_done(client_for, rep, records):
    job = run(start(rep))
    html = client_for(rep).get(reverse("keypoints:export_status", args=[job.pk])).content.decode()
    assert reverse("keypoints:export_download", args=[job.pk]) in html and "hx-trigger" not in html


@pytest.mark.parametrize("route", ["keypoints:export_status", "keypoints:export_download"])
def test_seeing_a_finished_export_marks_it_read_and_no_other(client_for, rep, other_rep, records, route):
    job, own_other, someone_elses = run(start(rep)), run(start(rep, query="stage=1")), run(start(other_rep))
    unfinished = start(rep, query="stage=2")
    before = timezone.now()
    assert client_for(rep).get(reverse(route, args=[job.pk])).status_code == 200
    read = dict(LedgerExport.objects.values_list("pk", "read_at"))
    assert read[job.pk] is not None and read[job.pk] >= before
    assert (read[own_other.pk], read[someone_elses.pk], read[unfinished.pk]) == (None, None, None)
    # Seen again, it keeps the moment it was first read.
    client_for(rep).get(reverse("keypoints:export_status", args=[job.pk]))
    assert LedgerExport.objects.get(pk=job.pk).read_at == read[job.pk]


def test_an_export_seen_in_two_tabs_at_once_keeps_the_moment_it_was_first_read(rep, records):
    job = run(start(rep))
    second_tab = LedgerExport.objects.get(pk=job.pk)  # read before the first tab marked it
    first = services.ledger_export_mark_read(job=LedgerExport.objects.get(pk=job.pk)).read_at
    services.ledger_export_mark_read(job=second_tab)
    assert LedgerExport.objects.get(pk=job.pk).read_at == first


def test_an_unfinished_export_seen_is_not_read(client_for, rep, records):
    job = start(rep)
    client_for(rep).get(reverse("keypoints:export_status", args=[job.pk]))
    assert LedgerExport.objects.get(pk=job.pk).read_at is None
    assert services.ledger_export_mark_read(job=LedgerExport.objects.get(pk=job.pk)).read_at is None


def test_the_progress_part_alone_answers_htmx_polls(client_for, rep, records):
    job = start(rep)
    response = client_for(rep).get(reverse("keypoints:export_status", args=[job.pk]), HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert 'data-testid="export-job"' in html and "<html" not in html


def test_a_download_before_the_file_is_ready_goes_to_the_status_page(client_for, rep, records):
    job = start(rep)
    response = client_for(rep).get(reverse("keypoints:export_download", args=[job.pk]))
    assert response.status_code == 302 and response.url == reverse("keypoints:export_status", args=[job.pk])


def test_an_expired_export_is_gone(client_for, rep, records):
    job = run(start(rep))
    LedgerExport.objects.filter(pk=job.pk).update(expires_at=timezone.now() - datetime.timedelta(minutes=1))
    response = client_for(rep).get(reverse("keypoints:export_download", args=[job.pk]))
    assert response.status_code == 410


def test_files_expire_after_the_hours_kept_and_the_cleanup_deletes_them(rep, records, settings):
    settings.EXPORT_KEEP_HOURS = 2
    job = run(start(rep))
    assert job.expires_at - job.finished_at == datetime.timedelta(hours=2)
    path = exports.file_path(job)
    assert tasks.delete_expired_exports.run() == 0 and path.exists()
    assert exports.delete_expired(now=job.expires_at) == 1
    job.refresh_from_db()
    assert not path.exists() and job.file == ""
    assert exports.delete_expired(now=job.expires_at + datetime.timedelta(days=8)) == 0
    assert not LedgerExport.objects.filter(pk=job.pk).exists()


def test_the_cleanup_runs_every_hour(settings):
    schedule = settings.CELERY_BEAT_SCHEDULE["delete-expired-exports"]
    assert schedule["task"] == tasks.delete_expired_exports.name and schedule["schedule"] == 3600.0


# End to end ------------------------------------------------------------------------------------------


def test_end_to_end_through_the_view_with_eager_celery(
    client_for, rep, records, settings, eager_celery, django_capture_on_commit_callbacks
):
    settings.EXPORT_INLINE_ROWS = 1
    client = client_for(rep)
    with django_capture_on_commit_callbacks(execute=True):
        response = export(client, "csv", HTTP_ACCEPT_LANGUAGE="en")
    job = LedgerExport.objects.get()
    assert job.status == ExportStatus.DONE and job.rows_written == 4
    page = client.get(response.url).content.decode()
    assert "Download" in page or "下载" in page
    download = client.get(reverse("keypoints:export_download", args=[job.pk]))
    assert len(csv_rows(body(download))) == 5
