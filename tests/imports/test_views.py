"""The import as a lead or admin uses it: upload, columns, check, confirm, result; refused to the others."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from customers.models import Contact, Customer, Project
from imports.models import ImportJob, ImportStatus
from keypoints.models import KeyPoint
from salesrecord.celery import app as celery_app
from tests.factories import CustomerFactory, UserFactory

from .files import csv_bytes, workbook
from .test_import import CUSTOMER_HEADER, KEYPOINT_HEADER, guide_customer, guide_keypoint

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def rep1(db):
    return UserFactory(username="rep1", role="rep", display_name="张三")


def upload_file(client, data, name="台账.xlsx"):
    return client.post(reverse("imports:list"), {"file": io_file(data, name)})


def io_file(data, name):
    handle = io.BytesIO(data)
    handle.name = name
    return handle


def guide_data():
    return workbook(
        {"客户基础信息": [CUSTOMER_HEADER, guide_customer()], "关键点记录明细": [KEYPOINT_HEADER, guide_keypoint()]}
    )


def mapping_post(job, **changes):
    data = {"seen": job.changed_at.isoformat(), "default_owner": job.default_owner_id or ""}
    for index, sheet in enumerate(job.sheets):
        data[f"kind-{index}"] = sheet["kind"]
        for column, key in enumerate(sheet["mapping"]):
            data[f"map-{index}-{column}"] = key
    data.update(changes)
    return data


@pytest.mark.parametrize("role", ["lead", "admin"])
def test_a_lead_or_admin_imports_the_guides_file_and_sees_the_new_customer(
    client, request, role, rep1, django_capture_on_commit_callbacks
):
    person = request.getfixturevalue(role)
    client.force_login(person)
    assert client.get(reverse("imports:list")).status_code == 200
    response = upload_file(client, guide_data())
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response.url == reverse("imports:detail", args=[job.pk])
    page = client.get(response.url)
    assert page.status_code == 200
    assert b'data-testid="mapping-form"' in page.content
    # An admin owns no customers: they choose who owns what names no owner; a lead is chosen already.
    assert job.default_owner == (person if role == "lead" else None)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("imports:mapping", args=[job.pk]), mapping_post(job, default_owner=rep1.pk))
    assert response.status_code == 302
    page = client.get(reverse("imports:detail", args=[job.pk]))
    assert b'data-testid="import-preview"' in page.content
    assert Customer.objects.count() == 0
    job.refresh_from_db()
    assert job.status == ImportStatus.CHECKED
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("imports:confirm", args=[job.pk]), {"seen": job.changed_at.isoformat()})
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE, job.error
    assert "上海华信科技有限公司" in client.get(reverse("customers:list")).content.decode()
    assert (Contact.objects.count(), Project.objects.count(), KeyPoint.objects.count()) == (1, 1, 1)
    assert b'data-testid="import-result"' in client.get(reverse("imports:detail", args=[job.pk])).content


@pytest.mark.parametrize("role", ["rep", "manager"])
def test_reps_and_the_manager_cannot_reach_the_import(client, request, role, lead, django_capture_on_commit_callbacks):
    client.force_login(lead)
    upload_file(client, guide_data())
    job = ImportJob.objects.get()
    client.force_login(request.getfixturevalue(role))
    for url in ("imports:list", "imports:template"):
        assert client.get(reverse(url)).status_code == 403
    assert upload_file(client, guide_data()).status_code == 403
    for url in ("imports:detail", "imports:rejected"):
        assert client.get(reverse(url, args=[job.pk])).status_code == 403
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(reverse("imports:mapping", args=[job.pk]), mapping_post(job)).status_code == 403
        assert client.post(reverse("imports:confirm", args=[job.pk]), {"seen": "x"}).status_code == 403
    assert ImportJob.objects.get().status == ImportStatus.MAPPING
    assert ImportJob.objects.count() == 1
    assert "imports/" not in client.get(reverse("home")).content.decode()


def test_anonymous_is_sent_to_log_in(client):
    response = client.get(reverse("imports:list"))
    assert response.status_code == 302 and "login" in response.url


@pytest.mark.parametrize(
    ("data", "name", "words"),
    [
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "old.xls", ".xls"),
        (workbook({"S": [["客户全称"], ["=1+1"]]}), "f.xlsx", "A2"),
        (workbook({"S": [["客户全称"], ["x"]]}), "m.xlsm", "宏"),
        (b"PK\x03\x04" + b"\x00" * 50, "c.xlsx", "损坏"),
        ("客户全称\n".encode("utf-16"), "e.csv", "GB18030"),
        (workbook({"S": [["客户全称"]]}), "h.xlsx", "没有"),
    ],
    ids=["old format", "formula", "macro", "corrupt", "encoding", "header only"],
)
def test_a_file_that_cannot_be_imported_is_refused_with_its_reason_and_nothing_is_kept(client, lead, data, name, words):
    client.force_login(lead)
    response = upload_file(client, data, name)
    assert response.status_code == 400
    assert words in response.content.decode()
    assert ImportJob.objects.count() == 0


def test_a_file_over_the_limit_is_refused_before_it_is_read(client, lead, settings):
    settings.IMPORT_MAX_BYTES = 2048
    client.force_login(lead)
    response = upload_file(client, csv_bytes([CUSTOMER_HEADER] + [guide_customer()] * 40), "big.csv")
    assert response.status_code == 400
    assert "MB" in response.content.decode()
    assert ImportJob.objects.count() == 0


def test_no_file_is_a_clear_400(client, lead):
    client.force_login(lead)
    response = client.post(reverse("imports:list"), {})
    assert response.status_code == 400
    assert ImportJob.objects.count() == 0


def test_a_mapping_without_the_legal_name_is_refused_and_keeps_the_choices(
    client, lead, django_capture_on_commit_callbacks
):
    client.force_login(lead)
    upload_file(client, guide_data())
    job = ImportJob.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("imports:mapping", args=[job.pk]), mapping_post(job, **{"map-0-0": ""}))
    assert response.status_code == 400
    assert "客户全称" in response.content.decode() or "法定名称" in response.content.decode()
    assert ImportJob.objects.get().status == ImportStatus.MAPPING


def test_a_stale_mapping_is_refused_with_who_changed_it(client, lead, django_capture_on_commit_callbacks):
    client.force_login(lead)
    upload_file(client, guide_data())
    job = ImportJob.objects.get()
    stale = mapping_post(job)
    other = UserFactory(username="lead2", role="lead", display_name="另一位主管")
    client.force_login(other)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("imports:mapping", args=[job.pk]), mapping_post(job))
    client.force_login(lead)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("imports:mapping", args=[job.pk]), stale)
    assert response.status_code == 409
    assert "另一位主管" in response.content.decode()


def test_a_double_confirm_imports_once(client, lead, rep1, django_capture_on_commit_callbacks):
    client.force_login(lead)
    upload_file(client, guide_data())
    job = ImportJob.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("imports:mapping", args=[job.pk]), mapping_post(job))
    job.refresh_from_db()
    seen = {"seen": job.changed_at.isoformat()}
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("imports:confirm", args=[job.pk]), seen)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("imports:confirm", args=[job.pk]), seen, follow=True)
    assert response.status_code == 200
    assert "已经确认" in response.content.decode() or "already confirmed" in response.content.decode()
    assert Customer.objects.count() == 1 and KeyPoint.objects.count() == 1


def test_the_template_has_both_sheets_and_imports_cleanly_as_it_is(client, lead, django_capture_on_commit_callbacks):
    client.force_login(lead)
    response = client.get(reverse("imports:template"))
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["客户基础信息", "关键点记录明细"]
    assert [cell.value for cell in book["客户基础信息"][1]][:3] == ["客户全称", "统一社会信用代码", "所属行业"]
    assert book["关键点记录明细"].max_row == 3
    upload_file(client, response.content, "模板.xlsx")
    job = ImportJob.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("imports:mapping", args=[job.pk]), mapping_post(job))
    job.refresh_from_db()
    assert job.preview["counts"]["rejected"] == 0, job.preview["rejected"]
    assert job.preview["counts"]["keypoints_new"] == 2


def test_rejected_rows_download_and_a_404_when_there_are_none(client, lead, rep1, django_capture_on_commit_callbacks):
    client.force_login(lead)
    data = workbook(
        {"客户": [CUSTOMER_HEADER, guide_customer(), guide_customer(**{"客户全称": "坏公司", "联系方式": "1"})]}
    )
    upload_file(client, data)
    job = ImportJob.objects.get()
    assert client.get(reverse("imports:rejected", args=[job.pk])).status_code == 404
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("imports:mapping", args=[job.pk]), mapping_post(job))
    page = client.get(reverse("imports:detail", args=[job.pk])).content.decode()
    assert 'data-testid="rejected"' in page and "坏公司" not in page.split('data-testid="rejected"')[0][-50:]
    response = client.get(reverse("imports:rejected", args=[job.pk]))
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert book.active.max_row == 2 and book.active["C2"].value == "坏公司"


def test_a_large_file_is_checked_and_imported_by_the_worker(
    client, lead, rep1, settings, django_capture_on_commit_callbacks
):
    settings.IMPORT_INLINE_ROWS = 1
    celery_app.conf.task_always_eager = True
    try:
        client.force_login(lead)
        upload_file(client, guide_data())
        job = ImportJob.objects.get()
        with django_capture_on_commit_callbacks(execute=True):
            client.post(reverse("imports:mapping", args=[job.pk]), mapping_post(job))
        job.refresh_from_db()
        assert job.status == ImportStatus.CHECKED and job.rows_done == job.rows_total == 2
        with django_capture_on_commit_callbacks(execute=True):
            client.post(reverse("imports:confirm", args=[job.pk]), {"seen": job.changed_at.isoformat()})
    finally:
        celery_app.conf.task_always_eager = False
    assert ImportJob.objects.get().status == ImportStatus.DONE
    assert Customer.objects.count() == 1


def test_a_running_import_polls_its_progress_and_reloads_when_done(client, lead):
    client.force_login(lead)
    upload_file(client, guide_data())
    job = ImportJob.objects.get()
    ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.CHECKING, rows_done=1)
    response = client.get(reverse("imports:detail", args=[job.pk]), headers={"hx-request": "true"})
    assert 'data-testid="import-progress"' in response.content.decode() and "<html" not in response.content.decode()
    ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.CHECKED)
    response = client.get(reverse("imports:detail", args=[job.pk]), headers={"hx-request": "true"})
    assert response.headers["HX-Refresh"] == "true"


def test_pages_make_a_constant_number_of_queries(client, lead, django_assert_max_num_queries):
    client.force_login(lead)
    for index in range(3):
        upload_file(client, workbook({"客户": [CUSTOMER_HEADER, guide_customer(**{"客户全称": f"客户{index}"})]}))
    job = ImportJob.objects.first()
    CustomerFactory.create_batch(3)
    with django_assert_max_num_queries(12):
        assert client.get(reverse("imports:list")).status_code == 200
    with django_assert_max_num_queries(12):
        assert client.get(reverse("imports:detail", args=[job.pk])).status_code == 200


def test_row_counts_read_in_the_singular_and_plural_of_the_page_language(client, lead):
    client.force_login(lead)
    upload_file(client, guide_data())  # one row on each of its two sheets
    job = ImportJob.objects.get()
    url = reverse("imports:detail", args=[job.pk])
    english = client.get(url, headers={"accept-language": "en"}).content.decode()
    assert "Sheet “客户基础信息” · 1 row<" in english and " · 2 rows · " in english
    ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.CHECKING, rows_done=1, rows_total=1)
    assert "1 of 1 row read." in client.get(url, headers={"accept-language": "en"}).content.decode()
    chinese = client.get(url, headers={"accept-language": "zh-hans"}).content.decode()
    assert "已读取 1 / 1 行。" in chinese


def test_english_column_names_begin_with_a_capital_in_the_choices_and_the_template(client, lead):
    client.force_login(lead)
    upload_file(client, guide_data())
    job = ImportJob.objects.get()
    context = client.get(reverse("imports:detail", args=[job.pk]), headers={"accept-language": "en"}).context
    form = context["mapping"] or context["remap"]
    labels = [str(label) for _key, label in form.fields["map-0-0"].choices[1:]]
    assert "Legal name" in labels and all(label[0].isupper() for label in labels)
    template = client.get(reverse("imports:template"), headers={"accept-language": "en"})
    header = [cell.value for cell in next(load_workbook(io.BytesIO(template.content)).worksheets[0].iter_rows())]
    assert "Legal name" in header and all(str(name)[0].isupper() for name in header)
