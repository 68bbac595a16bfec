"""Pages and exports speak the page's language down to the punctuation: lists joined with 、 in Chinese
and ", " in English, colons ： and ": ", and one date format per language (签约日期 included)."""

import csv
import io
from datetime import date, datetime

import openpyxl
import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation
from openpyxl.utils import get_column_letter

from customers.models import LostReason, ProjectStatus
from keypoints.models import KeyPoint
from tests.factories import ContactFactory, KeyPointFactory, UserFactory

pytestmark = pytest.mark.django_db

SIGNED = date(2026, 4, 30)
DUE = date(2026, 5, 8)
OCCURRED = datetime(2026, 4, 29, 14, 5)
LOGGED = datetime(2026, 4, 29, 18, 30)


@pytest.fixture
def contract(project, rep):
    """A contract key point with two people on each side and two elements missing."""
    ContactFactory(customer=project.customer, name="王总")
    project.customer.contacts.update(title="")
    keypoint = KeyPointFactory(
        project=project,
        stage=5,
        occurred_at=timezone.make_aware(OCCURRED),
        next_step_due=DUE,
        summary="签约会议",
        contract_number="HT-2026-001",
        signed_amount="620000",
        signing_date=SIGNED,
    )
    keypoint.our_participants.add(UserFactory(username="colleague", display_name="同事甲"))
    keypoint.customer_participants.set(project.customer.contacts.all())
    KeyPoint.objects.filter(pk=keypoint.pk).update(created_at=timezone.make_aware(LOGGED))
    return KeyPoint.objects.get(pk=keypoint.pk)


def page(client, url, language):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def project_url(project):
    return reverse("projects:detail", args=[project.pk])


def export_record(client, language, export_format):
    response = client.get(reverse("keypoints:export"), {"format": export_format}, HTTP_ACCEPT_LANGUAGE=language)
    body = b"".join(response.streaming_content)
    if export_format == "csv":
        rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    else:
        rows = [list(row) for row in openpyxl.load_workbook(io.BytesIO(body), read_only=True).active.values]
    return dict(zip(rows[0], rows[1], strict=True))


# Lists and colons ------------------------------------------------------------------------------------


def test_english_project_page_joins_lists_with_commas_and_colons(client_for, rep, project, contract):
    html = page(client_for(rep), project_url(project), "en")
    assert "、" not in html and "：" not in html
    assert f"{rep}, 同事甲" in html or f"同事甲, {rep}" in html
    assert "李工, 王总" in html
    assert "Missing: Payment schedule, Risks flagged" in html


def test_chinese_project_page_joins_lists_with_the_enumeration_comma(client_for, rep, project, contract):
    html = page(client_for(rep), project_url(project), "zh-hans")
    assert "李工、王总" in html
    assert "缺少：付款计划、风险提示" in html


@pytest.mark.parametrize(
    ("language", "expected"), [("en", "Price above the competition: 竞品便宜"), ("zh-hans", "价格高于竞品：竞品便宜")]
)
def test_a_lost_projects_reason_and_note_take_the_languages_colon(client_for, rep, project, language, expected):
    reason, _created = LostReason.objects.get_or_create(
        name="价格高于竞品", defaults={"name_en": "Price above the competition"}
    )
    project.status, project.lost_reason, project.status_note = ProjectStatus.LOST, reason, "竞品便宜"
    project.save()
    assert expected in page(client_for(rep), project_url(project), language)


@pytest.mark.parametrize(
    ("language", "title"), [("en", "Payment schedule, Risks flagged"), ("zh-hans", "付款计划、风险提示")]
)
def test_ledger_lists_missing_elements_in_the_languages_punctuation(client_for, rep, contract, language, title):
    html = page(client_for(rep), reverse("keypoints:ledger"), language)
    assert f'title="{title}"' in html
    if language == "en":
        assert "、" not in html


@pytest.mark.parametrize("export_format", ["csv", "xlsx"])
def test_english_export_joins_lists_with_commas(client_for, rep, contract, export_format):
    record = export_record(client_for(rep), "en", export_format)
    assert not any("、" in str(value) for value in record.values())
    assert record["Customer participants"] == "李工, 王总"
    assert record["Missing elements"] == "Payment schedule, Risks flagged"


@pytest.mark.parametrize("export_format", ["csv", "xlsx"])
def test_chinese_export_joins_lists_with_the_enumeration_comma(client_for, rep, contract, export_format):
    record = export_record(client_for(rep), "zh-hans", export_format)
    assert record["客户方参与人员"] == "李工、王总"
    assert record["缺失要素"] == "付款计划、风险提示"


@pytest.mark.parametrize("export_format", ["csv", "xlsx"])
def test_export_lists_our_participants_in_login_order_whatever_order_they_joined(
    client_for, rep, contract, export_format
):
    # Made before the others, so first by id, last by login.
    contract.our_participants.add(UserFactory(username="zz-late", display_name="最后登录名"))
    contract.our_participants.add(UserFactory(username="aa-early", display_name="最先登录名"))
    in_login_order = [str(user) for user in contract.our_participants.order_by("username")]
    assert in_login_order[0] == "最先登录名" and in_login_order[-1] == "最后登录名" and len(in_login_order) > 2
    record = export_record(client_for(rep), "zh-hans", export_format)
    assert record["我方参与人员"] == "、".join(in_login_order)


# Dates: one format per language -----------------------------------------------------------------------


def test_english_project_page_shows_english_dates(client_for, rep, project, contract):
    html = page(client_for(rep), project_url(project), "en")
    assert "30 Apr 2026" in html  # the signing date among the stage's elements
    assert "8 May 2026" in html  # the next step's due date
    assert "29 Apr 2026 14:05" in html  # when it happened
    assert "2026-04-30" not in html and "2026-05-08" not in html


def test_chinese_project_page_shows_iso_dates(client_for, rep, project, contract):
    html = page(client_for(rep), project_url(project), "zh-hans")
    assert "2026-04-30" in html and "2026-05-08" in html and "2026-04-29 14:05" in html
    assert "2026年" not in html and "Apr" not in html


def test_stage_values_show_the_signing_date_in_the_languages_format(contract):
    with translation.override("en"):
        assert ("Signing date", "30 Apr 2026") in contract.stage_values()
    with translation.override("zh-hans"):
        assert ("签约日期", "2026-04-30") in contract.stage_values()


@pytest.mark.parametrize(
    ("language", "occurred", "due"), [("en", "29 Apr 2026", "8 May 2026"), ("zh-hans", "2026-04-29", "2026-05-08")]
)
def test_ledger_dates_follow_the_language(client_for, rep, contract, language, occurred, due):
    html = page(client_for(rep), reverse("keypoints:ledger"), language)
    assert occurred in html and due in html


def test_english_csv_writes_english_dates(client_for, rep, contract):
    record = export_record(client_for(rep), "en", "csv")
    assert record["Signing date"] == "30 Apr 2026"
    assert record["Next step due"] == "8 May 2026"
    assert record["When"] == "29 Apr 2026 14:05"
    assert record["Logged at"] == "29 Apr 2026 18:30"


def test_chinese_csv_writes_iso_dates(client_for, rep, contract):
    record = export_record(client_for(rep), "zh-hans", "csv")
    assert record["签约日期"] == "2026-04-30"
    assert record["下一步截止日期"] == "2026-05-08"
    assert record["时间"] == "2026-04-29 14:05"
    assert record["录入时间"] == "2026-04-29 18:30"


def xlsx_sheet(client, language):
    response = client.get(reverse("keypoints:export"), {"format": "xlsx"}, HTTP_ACCEPT_LANGUAGE=language)
    return openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active


@pytest.mark.parametrize(
    ("language", "date_format", "datetime_format"),
    [("zh-hans", "yyyy-mm-dd", "yyyy-mm-dd hh:mm"), ("en", "d mmm yyyy", "d mmm yyyy hh:mm")],
)
def test_xlsx_dates_are_real_dates_shown_in_the_languages_format(
    client_for, rep, contract, language, date_format, datetime_format
):
    sheet = xlsx_sheet(client_for(rep), language)
    cells = {header.value: cell for header, cell in zip(sheet[1], sheet[2], strict=True)}
    signing = cells["签约日期" if language == "zh-hans" else "Signing date"]
    when = cells["时间" if language == "zh-hans" else "When"]
    assert signing.value == datetime(2026, 4, 30) and signing.number_format == date_format
    assert when.value == datetime(2026, 4, 29, 14, 5) and when.number_format == datetime_format


def test_xlsx_keeps_its_header_in_view_with_a_filter_row_and_sensible_widths(client_for, rep, contract):
    sheet = xlsx_sheet(client_for(rep), "en")
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == f"A1:{get_column_letter(sheet.max_column)}2"
    widths = {header.value: sheet.column_dimensions[header.column_letter].width for header in sheet[1]}
    assert widths["What happened"] > widths["Stage"] and widths["Customer"] > widths["Stage"]


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_a_records_elements_are_written_as_the_template_loop_wrote_them(contract, language):
    """keypoint_item.html writes a record's elements with the term_rows filter: the same terms and
    descriptions, escaped, as the {% for %} it replaces."""
    from django.template import Context, Template
    from django.test.html import parse_html

    contract.contract_number = 'HT-<2026> & "001"'
    loop = Template(
        '{% for label, value in keypoint.stage_values %}<dt class="col-sm-3">{{ label }}</dt>'
        '<dd class="col-sm-9 kp-text">{{ value }}</dd>{% endfor %}'
    )
    rows = Template("{% load salesrecord %}{{ keypoint.stage_values|term_rows }}")
    with translation.override(language):
        context = Context({"keypoint": contract})
        expected, written = loop.render(context), rows.render(context)
    assert parse_html(written) == parse_html(expected)
    assert "HT-&lt;2026&gt; &amp; &quot;001&quot;" in written and written.count("<dt") == 3
