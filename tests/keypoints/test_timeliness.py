"""Timeliness: how soon after its event each key point was written. The per-author shares the dashboard
reads (exact, at the 24-hour boundary, within the caller's scope, in two queries), the ledger's phrase,
filter and sort, and the export's hours column."""

import csv
import io
from datetime import datetime, timedelta
from decimal import Decimal

import openpyxl
import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from keypoints import selectors
from keypoints.models import KeyPoint
from keypoints.permissions import visible_keypoints
from tests.factories import KeyPointFactory, UserFactory

pytestmark = pytest.mark.django_db

# An afternoon meeting; each record below is written some time after it.
EVENT = timezone.make_aware(datetime(2026, 3, 16, 14, 0))


def written(summary, *, project, author, after, occurred_at=EVENT):
    keypoint = KeyPointFactory(project=project, author=author, occurred_at=occurred_at, summary=summary)
    KeyPoint.objects.filter(pk=keypoint.pk).update(created_at=occurred_at + after)
    return keypoint


@pytest.fixture
def records(project, other_project, rep, other_rep, lead):
    """rep writes five on their project, lead one on it; other_rep writes two on theirs."""
    rep.display_name, lead.display_name, other_rep.display_name = "Wang Fang", "Chen Jie", "Li Lei"
    for user in (rep, lead, other_rep):
        user.save(update_fields=["display_name"])
    written("提前录入", project=project, author=rep, after=-timedelta(hours=2))  # ahead of the event: no delay
    written("当晚", project=project, author=rep, after=timedelta(hours=5))
    written("整一天", project=project, author=rep, after=timedelta(hours=24))
    written("晚一秒", project=project, author=rep, after=timedelta(hours=24, seconds=1))
    written("十天后", project=project, author=rep, after=timedelta(days=10))
    written("负责人补录", project=project, author=lead, after=timedelta(days=3))
    written("别人的当天", project=other_project, author=other_rep, after=timedelta(hours=1))
    written("别人的迟到", project=other_project, author=other_rep, after=timedelta(days=8))


# The per-author selector -----------------------------------------------------------------------------


def figures(rows):
    return [(str(row["author"]), row["count"], row["within_day"], row["share"]) for row in rows]


def test_shares_per_author_are_exact_and_ordered_by_name(records, django_assert_num_queries):
    with django_assert_num_queries(2):
        rows = selectors.timeliness_by_author(KeyPoint.objects.all())
    assert figures(rows) == [
        ("Chen Jie", 1, 0, 0.0),
        ("Li Lei", 2, 1, 0.5),
        # ahead of the event, 5 hours, exactly 24 hours: within a day; 24 hours and a second, 10 days: not.
        ("Wang Fang", 5, 3, 0.6),
    ]


def test_a_day_is_24_hours_to_the_second(project, rep):
    on_the_dot = written("整一天", project=project, author=rep, after=timedelta(hours=24))
    [row] = selectors.timeliness_by_author(KeyPoint.objects.filter(pk=on_the_dot.pk))
    assert (row["count"], row["within_day"], row["share"]) == (1, 1, 1.0)
    a_second_late = written("晚一秒", project=project, author=rep, after=timedelta(hours=24, seconds=1))
    [row] = selectors.timeliness_by_author(KeyPoint.objects.filter(pk=a_second_late.pk))
    assert (row["count"], row["within_day"], row["share"]) == (1, 0, 0.0)


def test_a_reps_scope_never_counts_another_reps_key_points(records, rep, other_rep):
    rows = selectors.timeliness_by_author(visible_keypoints(rep))
    assert figures(rows) == [("Chen Jie", 1, 0, 0.0), ("Wang Fang", 5, 3, 0.6)]
    assert all(row["author"] != other_rep for row in rows)
    assert figures(selectors.timeliness_by_author(visible_keypoints(other_rep))) == [("Li Lei", 2, 1, 0.5)]


def test_the_queries_stay_two_however_many_authors(records, project, django_assert_num_queries):
    for index in range(6):
        written(f"新人{index}", project=project, author=UserFactory(), after=timedelta(hours=index * 10))
    with django_assert_num_queries(2):
        rows = selectors.timeliness_by_author(KeyPoint.objects.all())
    assert len(rows) == 9 and sum(row["count"] for row in rows) == 14
    assert sum(row["within_day"] for row in rows) == 4 + 3  # hours 0, 10, 20 of the six newcomers


def test_no_key_points_no_rows(db, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert selectors.timeliness_by_author(KeyPoint.objects.all()) == []


def test_the_callers_filters_are_kept(records, rep):
    rows = selectors.timeliness_by_author(visible_keypoints(rep).filter(author=rep).order_by("summary"))
    assert figures(rows) == [("Wang Fang", 5, 3, 0.6)]


# The ledger -----------------------------------------------------------------------------------------


def ledger(client, language="en", **params):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client.get(reverse("keypoints:ledger"), params)


def summaries(response):
    return {keypoint.summary for keypoint in response.context["page"].object_list}


@pytest.mark.parametrize(
    ("timeliness", "expected"),
    [
        ("on_time", {"提前录入", "当晚", "整一天", "别人的当天"}),
        ("late", {"晚一秒", "十天后", "负责人补录", "别人的迟到"}),
        ("week_late", {"十天后", "别人的迟到"}),
    ],
)
def test_the_ledger_filters_on_timeliness(client_for, lead, records, timeliness, expected):
    response = ledger(client_for(lead), timeliness=timeliness)
    assert response.status_code == 200
    assert summaries(response) == expected


def test_a_reps_timeliness_filter_stays_in_their_scope(client_for, rep, records):
    assert summaries(ledger(client_for(rep), timeliness="late")) == {"晚一秒", "十天后", "负责人补录"}


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_an_unknown_timeliness_is_refused_with_a_message(client_for, lead, records, language):
    client = client_for(lead)
    response = ledger(client, language, timeliness="soon")
    assert response.status_code == 400
    assert response.context["page"] is None
    [message] = response.context["filter"].form.errors["timeliness"]
    assert "soon" in message
    html = response.content.decode()
    assert 'data-testid="filter-errors"' in html and "十天后" not in html
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    assert client.get(reverse("keypoints:export"), {"format": "csv", "timeliness": "soon"}).status_code == 400


def phrases(response):
    html = response.content.decode()
    found = {}
    for keypoint in response.context["page"].object_list:
        row = html[html.index(f"#kp-{keypoint.pk}") :]
        cell = row[row.index('data-testid="recorded-after"') :]
        found[keypoint.summary] = " ".join(cell[cell.index(">") + 1 : cell.index("</span>")].split())
    return found


def test_the_ledger_says_how_long_after_the_event_each_was_written(client_for, rep, records):
    shown = phrases(ledger(client_for(rep)))
    assert shown == {
        "提前录入": "the same day",
        "当晚": "the same day",  # 19:00 the same day
        "整一天": "the next day",
        "晚一秒": "the next day",
        "十天后": "10 days later",
        "负责人补录": "3 days later",
    }
    chinese = phrases(ledger(client_for(rep), "zh-hans"))
    assert chinese["当晚"] == "当天" and chinese["整一天"] == "次日" and chinese["十天后"] == "10 天后"


def test_late_records_are_marked_past_the_24_hours(client_for, rep, records):
    html = ledger(client_for(rep)).content.decode()
    marked = {
        keypoint.summary: "text-warning-emphasis" in html[html.index(f"#kp-{keypoint.pk}") :].split("</tr>")[0]
        for keypoint in KeyPoint.objects.filter(project__customer__owner=rep)
    }
    assert marked == {
        "提前录入": False,
        "当晚": False,
        "整一天": False,
        "晚一秒": True,
        "十天后": True,
        "负责人补录": True,
    }


def test_the_ledger_sorts_by_delay(client_for, rep, records):
    client = client_for(rep)
    latest_first = [kp.summary for kp in ledger(client, sort="-delay").context["page"].object_list]
    assert latest_first == ["十天后", "负责人补录", "晚一秒", "整一天", "当晚", "提前录入"]
    soonest_first = [kp.summary for kp in ledger(client, sort="delay").context["page"].object_list]
    assert soonest_first == ["提前录入", "当晚", "整一天", "晚一秒", "负责人补录", "十天后"]


def test_the_ledger_keeps_its_query_count_with_the_timeliness_filter(
    client_for, rep, project, django_assert_max_num_queries
):
    client = client_for(rep)
    written("一条", project=project, author=rep, after=timedelta(days=2))
    with django_assert_max_num_queries(12) as few:
        ledger(client, timeliness="late", sort="-delay")
    for days in range(1, 25):
        written(f"第{days}条", project=project, author=rep, after=timedelta(days=days, hours=1))
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = ledger(client, timeliness="late", sort="-delay")
    assert len(response.context["page"].object_list) == 25


# The export -----------------------------------------------------------------------------------------


def export(client, export_format, language="en", **params):
    response = client.get(
        reverse("keypoints:export"), {"format": export_format, **params}, HTTP_ACCEPT_LANGUAGE=language
    )
    assert response.status_code == 200
    body = b"".join(response.streaming_content)
    if export_format == "csv":
        rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    else:
        rows = [list(row) for row in openpyxl.load_workbook(io.BytesIO(body), read_only=True).active.values]
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def test_the_xlsx_export_gives_the_hours_after_the_event_as_numbers(client_for, rep, records):
    hours = {row["What happened"]: row["Logged after the event (hours)"] for row in export(client_for(rep), "xlsx")}
    assert hours == {"提前录入": 0, "当晚": 5, "整一天": 24, "晚一秒": 24, "十天后": 240, "负责人补录": 72}
    assert all(isinstance(value, int | float) for value in hours.values())


def test_the_csv_export_gives_hours_to_a_tenth(client_for, rep, project):
    written("一个半小时", project=project, author=rep, after=timedelta(minutes=90))
    written("26.25 小时", project=project, author=rep, after=timedelta(hours=26, minutes=15))
    [first, second] = export(client_for(rep), "csv", "zh-hans", sort="delay")
    assert (first["发生了什么"], first["事后多久记录（小时）"]) == ("一个半小时", "1.5")
    assert (second["发生了什么"], second["事后多久记录（小时）"]) == ("26.25 小时", "26.3")
    assert Decimal(second["事后多久记录（小时）"]) > 24


@pytest.mark.parametrize("export_format", ["csv", "xlsx"])
def test_the_export_honours_the_timeliness_filter(client_for, lead, records, export_format):
    rows = export(client_for(lead), export_format, timeliness="week_late")
    assert {row["What happened"] for row in rows} == {"十天后", "别人的迟到"}
