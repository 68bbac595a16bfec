"""The ledger at /keypoints/: scope, every filter, sorting, paging; the CSV and XLSX exports."""

import csv
import io
from datetime import timedelta

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from keypoints.models import NextStepStatus
from tests.factories import KeyPointFactory, ProjectFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def ledger(project, other_project, rep, other_rep):
    now = timezone.now()
    return {
        "own_lead_a": KeyPointFactory(
            project=project, stage=1, lead_rating="A", occurred_at=now - timedelta(days=1), summary="甲方A级线索"
        ),
        "own_needs": KeyPointFactory(
            project=project, stage=2, method="on_site", occurred_at=now - timedelta(days=10), summary="甲方需求调研"
        ),
        "own_overdue": KeyPointFactory(
            project=project,
            stage=3,
            occurred_at=now - timedelta(days=20),
            next_step_due=timezone.localdate() - timedelta(days=2),
            summary="甲方方案逾期",
        ),
        "other": KeyPointFactory(project=other_project, stage=1, lead_rating="B", summary="乙方的记录"),
    }


def summaries(response):
    return {kp.summary for kp in response.context["page"].object_list}


def get(client, **params):
    return client.get(reverse("keypoints:ledger"), params)


def test_rep_sees_only_key_points_of_their_customers(client_for, rep, ledger):
    assert summaries(get(client_for(rep))) == {"甲方A级线索", "甲方需求调研", "甲方方案逾期"}


@pytest.mark.parametrize("role", ["admin", "lead", "manager"])
def test_others_see_every_key_point(client_for, users, ledger, role):
    assert len(summaries(get(client_for(users[role])))) == 4


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"stage": "2"}, {"甲方需求调研"}),
        ({"method": "on_site"}, {"甲方需求调研"}),
        ({"lead_rating": "A"}, {"甲方A级线索"}),
        ({"overdue": "on"}, {"甲方方案逾期"}),
        ({"occurred_from": "DAYS_AGO_15", "occurred_to": "DAYS_AGO_5"}, {"甲方需求调研"}),
    ],
)
def test_each_filter(client_for, lead, ledger, params, expected):
    today = timezone.localdate()
    params = {
        key: (today - timedelta(days=int(value.rsplit("_", 1)[1]))).isoformat()
        if value.startswith("DAYS_AGO")
        else value
        for key, value in params.items()
    }
    assert summaries(get(client_for(lead), **params)) == expected


def test_filter_by_customer_and_owner(client_for, lead, ledger, project, other_project, other_rep):
    client = client_for(lead)
    assert summaries(get(client, customer=other_project.customer_id)) == {"乙方的记录"}
    assert summaries(get(client, owner=other_rep.pk)) == {"乙方的记录"}


def test_the_obstacle_filter_lists_the_obstacle_as_the_dashboard_names_it(client_for, lead, project):
    KeyPointFactory(project=project, obstacles="  价格太高  ", summary="留白的障碍")
    KeyPointFactory(project=project, obstacles="价格太高", summary="障碍")
    KeyPointFactory(project=project, obstacles="价格太高，交期也紧", summary="另一个障碍")
    KeyPointFactory(project=project, obstacles="无", summary="没有障碍")
    client = client_for(lead)
    assert summaries(get(client, obstacle="价格太高")) == {"留白的障碍", "障碍"}
    # An answer that says there is none names no obstacle: the dashboard never counts it.
    assert summaries(get(client, obstacle="无")) == set()


def test_filter_by_a_project_owner_who_owns_no_customer(client_for, rep, rep_customer, ledger):
    helper = UserFactory(username="helper")
    KeyPointFactory(project=ProjectFactory(customer=rep_customer, owner=helper), summary="助手的项目")
    response = get(client_for(rep), owner=helper.pk)
    assert response.status_code == 200
    assert summaries(response) == {"助手的项目"}


def test_rep_owner_dropdown_offers_the_project_owners_in_their_scope(client_for, rep, rep_customer, ledger):
    helper = UserFactory(username="helper")
    ProjectFactory(customer=rep_customer, owner=helper)
    form = get(client_for(rep)).context["filter"].form
    assert set(form.fields["owner"].queryset) == {rep, helper}


def test_incomplete_only_and_mine(client_for, rep, project, ledger):
    KeyPointFactory(
        project=project,
        stage=1,
        author=rep,
        summary="完整的线索",
        source_channel="inbound",
        first_conversation="x",
        need_keywords="y",
        lead_rating="A",
        lead_rating_basis="z",
    )
    client = client_for(rep)
    assert "完整的线索" not in summaries(get(client, incomplete="on", mine="on"))
    assert "甲方A级线索" in summaries(get(client, incomplete="on", mine="on"))


def test_done_next_steps_are_never_overdue(client_for, lead, ledger):
    ledger["own_overdue"].next_step_status = NextStepStatus.DONE
    ledger["own_overdue"].save()
    assert summaries(get(client_for(lead), overdue="on")) == set()


def test_rep_customer_dropdown_holds_only_their_customers(client_for, rep, ledger, project):
    form = get(client_for(rep)).context["filter"].form
    assert list(form.fields["customer"].queryset) == [project.customer]


def test_rep_filtering_by_a_hidden_customer_shows_nothing_of_it(client_for, rep, ledger, other_project):
    response = get(client_for(rep), customer=other_project.customer_id)
    assert "乙方的记录" not in response.content.decode()


def test_sorting(client_for, lead, ledger):
    client = client_for(lead)
    newest_first = [kp.summary for kp in get(client).context["page"].object_list]
    oldest_first = [kp.summary for kp in get(client, sort="occurred").context["page"].object_list]
    assert newest_first[-1] == "甲方方案逾期" and oldest_first[0] == "甲方方案逾期"
    by_stage = [kp.stage for kp in get(client, sort="-stage").context["page"].object_list]
    assert by_stage == sorted(by_stage, reverse=True)


def test_unknown_sort_is_ignored_not_an_error(client_for, lead, ledger):
    client = client_for(lead)
    response = get(client, sort="password")
    assert response.status_code == 200
    assert len(response.context["page"].object_list) == 4
    assert export(client, "csv", sort="password").status_code == 200


def filter_bar(response):
    html = response.content.decode()
    return html[html.index('role="search"') : html.index("</form>", html.index('role="search"'))]


@pytest.mark.parametrize(
    "params",
    [{"occurred_from": "not-a-date"}, {"stage": "99"}, {"owner": "abc"}, {"method": "fax", "stage": "2"}],
)
def test_an_invalid_filter_shows_its_error_in_the_filter_bar_and_lists_nothing(client_for, lead, ledger, params):
    client = client_for(lead)
    response = get(client, **params)
    assert response.status_code == 400
    errors = response.context["filter"].form.errors
    assert errors
    bar = filter_bar(response)
    assert 'data-testid="filter-errors"' in bar
    for messages in errors.values():
        assert all(escape(message) in bar for message in messages)
    assert response.context["page"] is None
    html = response.content.decode()
    assert not any(keypoint.summary in html for keypoint in ledger.values())
    # The export refuses the same input.
    assert export(client, "csv", **params).status_code == 400


def test_ledger_is_paginated(client_for, lead, project):
    for _ in range(55):
        KeyPointFactory(project=project)
    client = client_for(lead)
    first = get(client).context["page"]
    assert len(first.object_list) == 50
    assert len(get(client, after=first.next_cursor).context["page"].object_list) == 5


def test_ledger_queries_stay_constant_as_rows_grow(client_for, rep, project, django_assert_max_num_queries):
    client = client_for(rep)
    KeyPointFactory(project=project)
    with django_assert_max_num_queries(12) as few:
        get(client, incomplete="on")
    for stage in (1, 2, 3, 4, 5, 6, 7) * 4:
        KeyPointFactory(project=ProjectFactory(customer=project.customer), stage=stage)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = get(client, incomplete="on")
    assert len(response.context["page"].object_list) == 29


# Exports -----------------------------------------------------------------------------------------


def read_csv(response):
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(body)))


def read_xlsx(response):
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    return [list(row) for row in workbook.active.iter_rows(values_only=True)]


def export(client, export_format, **params):
    return client.get(reverse("keypoints:export"), {"format": export_format, **params})


@pytest.mark.parametrize(("export_format", "reader"), [("csv", read_csv), ("xlsx", read_xlsx)])
def test_export_holds_exactly_the_rows_the_rep_may_see(client_for, rep, ledger, export_format, reader):
    response = export(client_for(rep), export_format)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    rows = reader(response)
    summary_col = rows[0].index("发生了什么")
    assert {row[summary_col] for row in rows[1:]} == {"甲方A级线索", "甲方需求调研", "甲方方案逾期"}


@pytest.mark.parametrize(("export_format", "reader"), [("csv", read_csv), ("xlsx", read_xlsx)])
def test_export_applies_the_ledger_filters(client_for, lead, ledger, export_format, reader):
    rows = reader(export(client_for(lead), export_format, stage="1"))
    assert len(rows) == 3  # header + 甲方A级线索 + 乙方的记录


def test_export_headers_follow_the_users_language(client_for, lead, ledger):
    rows = read_csv(client_for(lead).get(reverse("keypoints:export"), {"format": "csv"}, HTTP_ACCEPT_LANGUAGE="en"))
    assert rows[0][:3] == ["When", "Customer", "Project"]
    rows = read_xlsx(client_for(lead).get(reverse("keypoints:export"), {"format": "xlsx"}))
    assert rows[0][:3] == ["时间", "客户", "项目"]


def test_export_values_are_readable(client_for, rep, project, ledger):
    rows = read_csv(export(client_for(rep), "csv", lead_rating="A"))
    record = dict(zip(rows[0], rows[1], strict=True))
    assert record["阶段"] == "线索获取" and record["客户"] == project.customer.legal_name
    assert record["线索评级"].startswith("A")


@pytest.mark.parametrize("summary", ['=HYPERLINK("http://evil")', "＝1+1", "@SUM(A1)", "-2+3", "\t=1"])
def test_export_writes_formula_like_text_as_text(client_for, rep, project, summary):
    KeyPointFactory(project=project, summary=summary)
    response = export(client_for(rep), "xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    summary_col = [cell.value for cell in sheet[1]].index("发生了什么")
    cell = sheet.cell(row=2, column=summary_col + 1)
    assert (cell.value, cell.data_type, cell.quotePrefix) == (summary, "s", True)
    rows = read_csv(export(client_for(rep), "csv"))
    assert rows[1][summary_col] == "'" + summary


def test_export_with_unknown_format_is_400(client_for, rep, ledger):
    assert export(client_for(rep), "pdf").status_code == 400


def test_export_with_bad_filter_is_400(client_for, rep, ledger):
    assert export(client_for(rep), "csv", occurred_from="not-a-date").status_code == 400


def test_manager_may_export(client_for, manager, ledger):
    rows = read_csv(export(client_for(manager), "csv"))
    assert len(rows) == 5


def test_export_streams_in_chunks(client_for, lead, project, monkeypatch, django_assert_max_num_queries):
    from keypoints import exports

    for _ in range(7):
        KeyPointFactory(project=project)
    monkeypatch.setattr(exports, "CHUNK_SIZE", 3)
    response = export(client_for(lead), "csv")
    assert response.streaming
    assert len(read_csv(response)) == 8


def sort_header(html, key):
    start = html.index(f'data-sort-key="{key}"')
    return html[html.rindex("<th", 0, start) : html.index("</th>", start)]


def test_column_headers_sort_the_ledger_and_keep_its_filters(client_for, lead, ledger):
    client = client_for(lead)
    html = get(client).content.decode()
    date_header = sort_header(html, "occurred")
    assert 'aria-sort="descending"' in date_header and 'href="?sort=occurred"' in date_header
    html = get(client, stage="1", page="2").content.decode()
    stage_header = sort_header(html, "stage")
    assert "aria-sort" not in stage_header and 'href="?stage=1&amp;sort=stage"' in stage_header
    response = get(client, stage="1", sort="stage")
    assert 'aria-sort="ascending"' in sort_header(response.content.decode(), "stage")
    assert 'href="?stage=1&amp;sort=-stage"' in sort_header(response.content.decode(), "stage")


def test_an_unknown_sort_leaves_the_date_header_sorted_newest_first(client_for, lead, ledger):
    html = get(client_for(lead), sort="password").content.decode()
    assert 'aria-sort="descending"' in sort_header(html, "occurred")
    assert html.count("aria-sort=") == 1


def test_date_filters_take_whole_days_in_the_sites_time_zone(client_for, lead, project):
    day = timezone.localdate() - timedelta(days=3)
    start = timezone.make_aware(timezone.datetime.combine(day, timezone.datetime.min.time()))
    KeyPointFactory(project=project, occurred_at=start - timedelta(microseconds=1), summary="前一天深夜")
    KeyPointFactory(project=project, occurred_at=start, summary="当天零点")
    KeyPointFactory(project=project, occurred_at=start + timedelta(days=1, microseconds=-1), summary="当天深夜")
    KeyPointFactory(project=project, occurred_at=start + timedelta(days=1), summary="次日零点")
    client = client_for(lead)
    that_day = {"occurred_from": day.isoformat(), "occurred_to": day.isoformat()}
    assert summaries(get(client, **that_day)) == {"当天零点", "当天深夜"}
    assert summaries(get(client, occurred_from=day.isoformat())) == {"当天零点", "当天深夜", "次日零点"}
    assert summaries(get(client, occurred_to=day.isoformat())) == {"前一天深夜", "当天零点", "当天深夜"}


def test_date_filters_at_the_ends_of_the_calendar_bound_nothing(client_for, lead, ledger):
    response = get(client_for(lead), occurred_from="0001-01-01", occurred_to="9999-12-31")
    assert response.status_code == 200
    assert len(summaries(response)) == 4
