"""The dashboard (/dashboard/): every figure exact on the hand-built book (tests/dashboard/conftest.py),
over the user's scope, narrowed by its filters, in a fixed number of queries."""

import datetime
import importlib
from decimal import Decimal

import pytest
from django.apps import apps as django_apps
from django.db.models import F

from customers.models import Project
from keypoints.models import KeyPoint
from tests.factories import ProjectFactory

from .conftest import Q2, TZ, at, record


@pytest.fixture
def figures(client_for, book, at_now):
    def read(user, **params):
        response = client_for(user).get("/dashboard/", {**Q2, **params})
        assert response.status_code == 200
        return response.context

    return read


def column(rows, key="count"):
    return [row[key] for row in rows]


# 1. Pipeline ---------------------------------------------------------------------------------------


def test_pipeline_counts_values_and_weights_the_open_deals_by_stage(figures, lead):
    pipeline = figures(lead)["pipeline"]
    # Open: P3 (stage 1, 200,000), P1 (stage 3, 1,000,000), P4 and Q1 (stage 6, signed 500,000 and 900,000).
    assert column(pipeline["rows"]) == [1, 0, 1, 0, 0, 2, 0]
    assert column(pipeline["rows"], "value") == [Decimal("200000"), None, Decimal("1000000"), None, None,
                                                 Decimal("1400000"), None]  # fmt: skip
    # Weighted by the stage's win probability: 10 %, 40 %, 100 %.
    assert column(pipeline["rows"], "weighted") == [Decimal("20000"), None, Decimal("400000"), None, None,
                                                    Decimal("1400000"), None]  # fmt: skip
    assert column(pipeline["rows"], "probability") == [10, 20, 40, 60, 80, 100, 100]
    assert pipeline["total"]["count"] == 4
    assert pipeline["total"]["value"] == Decimal("2600000") and pipeline["total"]["weighted"] == Decimal("1820000")
    assert pipeline["chart"]["kind"] == "bar" and pipeline["chart"]["unit"] == "money"
    assert pipeline["chart"]["series"][1]["values"] == [20000, None, 400000, None, None, 1400000, None]
    assert pipeline["chart"]["series"][0]["links"][2] == "/projects/?stage=3&status=open"


# 2. Conversion --------------------------------------------------------------------------------------


def test_conversion_counts_the_projects_created_in_the_period_that_reached_each_stage(figures, lead):
    conversion = figures(lead)["conversion"]
    # Created in Q2: P1 (reached 3), P2 (skipped to 4), P3 (1), P5 (1), Q1 (skipped to 5, then 6), Q2 (1).
    assert column(conversion["rows"]) == [6, 3, 3, 2, 1, 1, 0]
    assert column(conversion["rows"], "share") == [None, 50.0, 100.0, 66.7, 50.0, 100.0, 0.0]
    assert conversion["chart"]["kind"] == "funnel" and conversion["chart"]["series"][0]["values"] == [
        6,
        3,
        3,
        2,
        1,
        1,
        0,
    ]


def test_a_stage_nobody_reached_before_has_no_share(figures, lead):
    conversion = figures(lead, date_from="2026-06-01")["conversion"]
    # Created in June: P5 and Q2, both lost in stage 1.
    assert column(conversion["rows"]) == [2, 0, 0, 0, 0, 0, 0]
    assert column(conversion["rows"], "share") == [None, 0.0, None, None, None, None, None]


# 3. Time in stage -----------------------------------------------------------------------------------


def test_days_in_stage_are_the_mean_and_median_of_the_cohorts_finished_stays(figures, lead):
    rows = figures(lead)["durations"]["rows"]
    # Stage 1: P1 4, P2 2, P5 5, Q1 10, Q2 3 days (P3 is still there); stage 2: P1 6, Q1 10;
    # stage 4: P2 17 (then lost); stage 5: Q1 20. P4 was created before the period.
    assert column(rows) == [5, 2, 0, 1, 1, 0, 0]
    assert column(rows, "mean") == [4.8, 8.0, None, 17.0, 20.0, None, None]
    assert column(rows, "median") == [4.0, 8.0, None, 17.0, 20.0, None, None]


# 4. Signed by month ---------------------------------------------------------------------------------


def test_signed_deals_are_summed_by_month_of_the_period(figures, lead):
    signed = figures(lead)["signed"]
    assert [row["month"].month for row in signed["rows"]] == [4, 5, 6]
    assert column(signed["rows"]) == [0, 2, 0]
    assert column(signed["rows"], "amount") == [Decimal("0"), Decimal("1400000"), Decimal("0")]
    assert signed["total"]["count"] == 2 and signed["total"]["amount"] == Decimal("1400000")
    assert signed["rows"][1]["link"] == "/projects/?signed_from=2026-05-01&signed_to=2026-05-31"
    assert signed["chart"]["series"][0]["values"] == [0, 1400000, 0]


def test_a_month_cut_by_the_period_links_to_its_part(figures, lead):
    signed = figures(lead, date_from="2026-05-21")["signed"]
    # Only Q1 (25 May) is in; P4 was signed on the 20th.
    assert column(signed["rows"]) == [1, 0]
    assert signed["rows"][0]["link"] == "/projects/?signed_from=2026-05-21&signed_to=2026-05-31"


# 5. Stalled projects and overdue next steps -----------------------------------------------------------


def test_stalled_projects_and_overdue_next_steps_are_counted_and_listed(figures, lead, book):
    attention = figures(lead)["attention"]
    # P3: 51 days in stage 1 (limit 14); Q1: 36 days in fulfilment (limit 30), quietest first.
    assert attention["stalled_count"] == 2
    assert [project.name for project in attention["stalled"]] == ["甲三", "乙一"]
    assert attention["stalled"][0].stall.days == 51
    # Due 25 June on P1 and 1 June on Q1; P2's, due 10 May, is on a lost project.
    assert attention["overdue_count"] == 2
    assert [step.next_step for step in attention["overdue"]] == ["别人的步骤", "发报价"]


def test_the_page_writes_each_overdue_step_with_its_customer_owner_and_due_date(client_for, lead, book, at_now):
    # The list reads only what it shows of a step, its project's customer and its owner.
    html = client_for(lead).get("/dashboard/", Q2).content.decode()
    listed = html.split('id="overdue-title"')[1].split("</ul>")[0]
    steps = KeyPoint.objects.filter(next_step__in=["别人的步骤", "发报价"]).select_related("project__customer")
    assert len(steps) == 2
    for step in steps:
        assert f'href="/projects/{step.project_id}/#kp-{step.pk}">{step.next_step}</a>' in listed
        owner = step.next_step_owner or step.author
        assert f"{step.project.customer.legal_name} · {owner}" in listed
    assert ">2026-06-25<" in listed and ">2026-06-01<" in listed


# 6. Lead ratings ------------------------------------------------------------------------------------


def test_lead_ratings_take_each_projects_newest_rated_lead_record(figures, lead):
    ratings = figures(lead)["ratings"]
    # P1 A (its newer record; the older said B), Q1 A, P2 C; P3, P5 and Q2 have no rated lead record.
    assert column(ratings["rows"], "label") == ["A", "B", "C", "未评级"]
    assert column(ratings["rows"]) == [2, 0, 1, 3]
    assert column(ratings["rows"], "share") == [33.3, 0.0, 16.7, 50.0]
    assert ratings["chart"]["kind"] == "pie"


# 7. Key points per person per week --------------------------------------------------------------------


def test_key_points_are_counted_per_author_and_week(figures, lead, rep, other_rep):
    activity = figures(lead)["activity"]
    # Weeks from Monday 30 March to Monday 29 June.
    assert len(activity["weeks"]) == 14 and activity["weeks"][0] == "3月30日"
    counts = {row["author"]: [cell["count"] for cell in row["cells"]] for row in activity["rows"]}
    #                 30/3 6/4 13/4 20/4 27/4 4/5 11/5 18/5 25/5 1/6 8/6 15/6 22/6 29/6
    assert counts[rep] == [0, 2, 0, 0, 1, 0, 0, 0, 0, 1, 0, 1, 0, 0]
    assert counts[lead] == [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0]
    assert counts[other_rep] == [0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0]
    assert {row["author"]: row["total"] for row in activity["rows"]} == {rep: 5, lead: 1, other_rep: 2}
    assert activity["chart"]["kind"] == "stacked" and len(activity["chart"]["series"]) == 3
    # The first week is cut by the period: its link starts on 1 April.
    first = next(row for row in activity["rows"] if row["author"] == rep)["cells"][0]["link"]
    assert "occurred_from=2026-04-01&occurred_to=2026-04-05" in first


def test_a_week_runs_from_monday_midnight_to_monday_midnight_in_local_time(figures, lead, book):
    # Sunday 7 June 23:59 in Beijing (15:59 UTC) is in the week of 1 June; Monday 8 June 00:00 in Beijing
    # (16:00 UTC on Sunday) is in the week of 8 June.
    late_sunday = record(book["p1"], at(6, 7), author=lead)
    monday = record(book["p1"], at(6, 8), author=lead)
    KeyPoint.objects.filter(pk=late_sunday.pk).update(occurred_at=datetime.datetime(2026, 6, 7, 23, 59, tzinfo=TZ))
    KeyPoint.objects.filter(pk=monday.pk).update(occurred_at=datetime.datetime(2026, 6, 8, 0, 0, tzinfo=TZ))
    activity = figures(lead)["activity"]
    counts = {row["author"]: [cell["count"] for cell in row["cells"]] for row in activity["rows"]}
    #                  30/3 6/4 13/4 20/4 27/4 4/5 11/5 18/5 25/5 1/6 8/6 15/6 22/6 29/6
    assert counts[lead] == [0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 0, 0, 0]


def test_a_period_within_one_week_has_one_column(figures, lead, rep):
    activity = figures(lead, date_from="2026-04-07", date_to="2026-04-12")["activity"]
    assert activity["weeks"] == ["4月6日"]
    assert {row["author"]: [cell["count"] for cell in row["cells"]] for row in activity["rows"]} == {rep: [2]}


# 8. Lost reasons ------------------------------------------------------------------------------------


def test_lost_reasons_count_the_projects_lost_in_the_period(figures, lead, book):
    lost = figures(lead)["lost"]
    assert [(str(row["reason"]), row["count"]) for row in lost["rows"]] == [("测试：价格", 2), ("测试：预算", 1)]
    assert lost["rows"][0]["link"] == (
        f"/projects/?lost_reason={book['price'].pk}&lost_from=2026-04-01&lost_to=2026-06-30"
    )


def test_lost_reasons_count_only_the_projects_in_scope(figures, lead, rep, book):
    # The rep sees P2 (price) and P5 (budget), not their colleague's Q2 (price).
    lost = figures(rep)["lost"]
    assert [(str(row["reason"]), row["count"]) for row in lost["rows"]] == [("测试：价格", 1), ("测试：预算", 1)]
    # An archived project's loss leaves every scope.
    Project.all_objects.filter(pk=book["p2"].pk).update(archived_at=F("created_at"))
    lost = figures(lead)["lost"]
    assert [(str(row["reason"]), row["count"]) for row in lost["rows"]] == [("测试：价格", 1), ("测试：预算", 1)]


def test_a_loss_outside_the_period_is_not_counted(figures, lead):
    lost = figures(lead, date_to="2026-05-31")["lost"]
    assert [(str(row["reason"]), row["count"]) for row in lost["rows"]] == [("测试：价格", 1)]


# 9. Completeness ------------------------------------------------------------------------------------


def test_completeness_is_the_share_of_each_authors_complete_records(figures, lead, rep, other_rep):
    rows = {row["author"]: row for row in figures(lead)["completeness"]["rows"]}
    assert (rows[rep]["total"], rows[rep]["incomplete"], rows[rep]["share"]) == (5, 2, 60.0)
    assert (rows[lead]["total"], rows[lead]["incomplete"], rows[lead]["share"]) == (1, 0, 100.0)
    assert (rows[other_rep]["total"], rows[other_rep]["incomplete"], rows[other_rep]["share"]) == (2, 2, 0.0)


# 9b. Timeliness -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("after", "late", "share"),
    [(datetime.timedelta(hours=2), 0, 100.0), (datetime.timedelta(hours=24), 0, 100.0),
     (datetime.timedelta(hours=24, seconds=1), 5, 0.0)],
)  # fmt: skip
def test_timeliness_is_each_authors_share_written_within_24_hours(figures, lead, rep, other_rep, after, late, share):
    KeyPoint.objects.filter(author=rep).update(created_at=F("occurred_at") + after)
    KeyPoint.objects.filter(author=other_rep).update(created_at=F("occurred_at") + datetime.timedelta(days=3))
    rows = {row["author"]: row for row in figures(lead)["timeliness"]["rows"]}
    assert (rows[rep]["total"], rows[rep]["late"], rows[rep]["share"]) == (5, late, share)
    assert (rows[other_rep]["total"], rows[other_rep]["late"], rows[other_rep]["share"]) == (2, 2, 0.0)


# 10. Obstacles --------------------------------------------------------------------------------------


def test_obstacles_are_counted_trimmed_without_the_answers_that_say_none(figures, lead):
    rows = figures(lead)["obstacles"]["rows"]
    # "无" and "None" say there is none; " 价格太高 " is 价格太高; P4's January record is outside the period.
    assert [(row["obstacle"], row["count"]) for row in rows] == [("价格太高", 3), ("预算未批", 2), ("竞争对手", 1)]


def test_only_the_ten_most_frequent_obstacles_are_shown(figures, lead, book):
    for n in range(12):
        record(book["p1"], at(6, 1), obstacles=f"障碍{n:02d}")
    rows = figures(lead)["obstacles"]["rows"]
    assert len(rows) == 10 and rows[0]["obstacle"] == "价格太高"


def test_the_obstacle_counted_follows_an_edit_of_the_record(figures, lead, book):
    keypoint = record(book["p1"], at(6, 1), obstacles="无")
    assert "交付周期" not in [row["obstacle"] for row in figures(lead)["obstacles"]["rows"]]
    keypoint.obstacles = "  交付周期  "
    keypoint.save()
    keypoint.refresh_from_db()
    assert keypoint.named_obstacle == "交付周期"
    assert ("交付周期", 1) in [(row["obstacle"], row["count"]) for row in figures(lead)["obstacles"]["rows"]]


@pytest.mark.parametrize("text", ["无", " 没有 ", "NONE", "N/A", "  -  ", "", "暂无", "None."])
def test_an_answer_that_says_there_is_no_obstacle_names_none(book, text):
    keypoint = record(book["p1"], at(6, 1), obstacles=text)
    keypoint.refresh_from_db()
    assert keypoint.named_obstacle == ""


def test_the_migration_names_the_obstacle_of_existing_records_as_save_does(book):
    texts = ["无", " 没有 ", "NONE", "N/A", " 价格太高 ", "\t价格\t", "None of it", "  ", "暂无。"]
    keypoints = [record(book["p1"], at(6, 1), obstacles=text) for text in texts]
    saved = {keypoint.pk: keypoint.named_obstacle for keypoint in keypoints}
    KeyPoint.all_objects.filter(pk__in=saved).update(named_obstacle="stale")
    migration = importlib.import_module("keypoints.migrations.0009_obstacle_stored")
    migration.fill_named_obstacle(django_apps, None)
    assert dict(KeyPoint.all_objects.filter(pk__in=saved).values_list("pk", "named_obstacle")) == saved
    assert sorted(set(saved.values())) == ["", "\t价格\t", "None of it", "价格太高", "暂无。"]


def test_a_long_obstacle_named_whole_before_is_named_by_its_first_characters_as_save_does(book):
    long, short = (record(book["p1"], at(6, 1), obstacles=" " + "审批" * 150) for _ in range(2))
    assert long.named_obstacle == "审批" * 100
    KeyPoint.all_objects.filter(pk=long.pk).update(named_obstacle="审批" * 150)  # as saved before
    KeyPoint.all_objects.filter(pk=short.pk).update(named_obstacle="stale but short")
    migration = importlib.import_module("keypoints.migrations.0013_obstacle_key")
    migration.shorten_named_obstacles(django_apps, None)
    named = dict(KeyPoint.all_objects.values_list("pk", "named_obstacle"))
    assert (named[long.pk], named[short.pk]) == ("审批" * 100, "stale but short")  # only the long ones


# Filters --------------------------------------------------------------------------------------------


def test_the_owner_filter_narrows_every_figure_to_their_projects(figures, lead, other_rep):
    context = figures(lead, owner=other_rep.pk)
    assert [row["count"] for row in context["pipeline"]["rows"]] == [0, 0, 0, 0, 0, 1, 0]
    assert [row["count"] for row in context["conversion"]["rows"]] == [2, 1, 1, 1, 1, 1, 0]
    assert context["signed"]["total"]["amount"] == Decimal("900000")
    assert (context["attention"]["stalled_count"], context["attention"]["overdue_count"]) == (1, 1)
    assert [(row["obstacle"], row["count"]) for row in context["obstacles"]["rows"]] == [
        ("价格太高", 1),
        ("竞争对手", 1),
    ]
    assert [row["author"] for row in context["completeness"]["rows"]] == [other_rep]
    assert all(f"owner={other_rep.pk}" in row["link"] for row in context["pipeline"]["rows"])


@pytest.mark.parametrize(
    "params",
    [{"industry": "finance"}, {"tier": "key"}, {"source": "referral", "industry": "finance"}],
    ids=lambda p: ",".join(p),
)
def test_industry_tier_and_source_narrow_to_the_projects_that_match(figures, lead, params):
    context = figures(lead, **params)
    # Customer B (finance, key): P4 (referral, open, signed in May) and P5 (inbound, lost in June).
    referral = "source" in params
    assert context["pipeline"]["total"]["count"] == 1
    assert context["signed"]["total"]["amount"] == Decimal("500000")
    assert [row["count"] for row in context["conversion"]["rows"]][0] == (0 if referral else 1)
    assert [row["count"] for row in context["lost"]["rows"]] == ([] if referral else [1])


def test_the_period_presets_cover_their_calendar(client_for, lead, book, at_now):
    client = client_for(lead)
    for period, start, end in [
        ("this_month", "2026-06-01", "2026-06-30"),
        ("this_quarter", "2026-04-01", "2026-06-30"),
        ("this_year", "2026-01-01", "2026-12-31"),
        ("last_90_days", "2026-04-02", "2026-06-30"),
    ]:
        scope = client.get("/dashboard/", {"period": period}).context["scope"]
        assert (str(scope.start), str(scope.end)) == (start, end), period
    default = client.get("/dashboard/").context["scope"]
    assert (str(default.start), str(default.end)) == ("2026-04-02", "2026-06-30")
    # This month: only June's loss.
    lost = client.get("/dashboard/", {"period": "this_month"}).context["lost"]["rows"]
    assert sorted(row["count"] for row in lost) == [1, 1]


@pytest.mark.parametrize(
    "params",
    [
        {"period": "someday"},
        {"owner": "x"},
        {"owner": "99999999"},
        {"industry": "mining"},
        {"period": "custom"},
        {"period": "custom", "date_from": "2026-05-01"},
        {"period": "custom", "date_from": "2026-06-01", "date_to": "2026-05-01"},
        {"period": "custom", "date_from": "2020-01-01", "date_to": "2026-05-01"},
        {"period": "custom", "date_from": "1999-01-01", "date_to": "1999-02-01"},
        {"period": "custom", "date_from": "2026-13-01", "date_to": "2026-05-01"},
        {"period": "this_month", "date_from": "2026-05-01"},
    ],
)
def test_invalid_filters_answer_400_with_the_filter_bar_saying_why(client_for, lead, params):
    response = client_for(lead).get("/dashboard/", params)
    assert response.status_code == 400
    html = response.content.decode()
    assert 'data-testid="filter-errors"' in html and 'data-testid="dashboard"' not in html


def test_a_rep_cannot_filter_by_an_owner_outside_their_scope(client_for, rep, other_rep, book):
    assert client_for(rep).get("/dashboard/", {"owner": other_rep.pk}).status_code == 400
    html = client_for(rep).get("/dashboard/").content.decode()
    assert f'<option value="{other_rep.pk}"' not in html


# Who opens it ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["admin", "lead", "manager", "rep", "other_rep"])
def test_every_role_opens_the_dashboard(client_for, users, role):
    response = client_for(users[role]).get("/dashboard/")
    assert response.status_code == 200
    assert 'data-testid="dashboard"' in response.content.decode()


def test_the_dashboard_asks_for_a_login(client):
    response = client.get("/dashboard/")
    assert response.status_code == 302 and response.url.startswith("/accounts/login/")


def test_the_header_links_the_dashboard_for_everyone(client_for, rep):
    assert 'href="/dashboard/"' in client_for(rep).get("/").content.decode()


def test_the_page_emits_each_chart_with_its_spec_and_an_accessible_table(client_for, lead, book, at_now):
    html = client_for(lead).get("/dashboard/", Q2).content.decode()
    for chart_id in ("pipeline", "conversion", "durations", "signed", "ratings", "activity", "lost", "completeness",
                     "timeliness", "obstacles"):  # fmt: skip
        assert f'data-chart="{chart_id}" role="img" aria-label="' in html
        assert f'<script id="chart-{chart_id}" type="application/json">' in html
    assert html.count("<caption") == 10 and 'th scope="col"' in html and 'tabindex="0" role="region"' in html


# Queries --------------------------------------------------------------------------------------------


def test_the_dashboard_reads_a_fixed_number_of_queries(client_for, lead, rep, other_rep, book, at_now,
                                                       django_assert_max_num_queries):  # fmt: skip
    client = client_for(lead)
    with django_assert_max_num_queries(30) as few:
        assert client.get("/dashboard/", Q2).status_code == 200
    for n in range(15):
        project = ProjectFactory(customer=book["a" if n % 2 else "o"], name=f"更多{n}")
        for day in (2, 9, 16):
            record(project, at(6, day), author=(rep, other_rep, lead)[n % 3], obstacles=f"障碍{n % 4}",
                   lead_rating="ABC"[n % 3], next_step_due=at(6, 20).date())  # fmt: skip
    with django_assert_max_num_queries(len(few.captured_queries)):
        context = client.get("/dashboard/", Q2).context
    # The new projects were created now, on the period's last day.
    assert context["conversion"]["rows"][0]["count"] == 21 and len(context["activity"]["rows"]) == 3


COMPLETENESS_LOOP = """{% for row in rows %}<tr>
  <th scope="row" class="fw-normal nowrap">{{ row.author }}</th>
  <td class="text-end"><a href="{{ row.link }}">{{ row.total }}</a></td>
  <td class="text-end"><a href="{{ row.incomplete_link }}">{{ row.incomplete }}</a></td>
  <td class="text-end">{{ row.share }}%</td>
</tr>{% endfor %}"""
TIMELINESS_LOOP = """{% for row in rows %}<tr>
  <th scope="row" class="fw-normal nowrap">{{ row.author }}</th>
  <td class="text-end"><a href="{{ row.link }}">{{ row.total }}</a></td>
  <td class="text-end"><a href="{{ row.late_link }}">{{ row.late }}</a></td>
  <td class="text-end">{% if row.share is not None %}{{ row.share }}%{% else %}—{% endif %}</td>
</tr>{% endfor %}"""


@pytest.mark.parametrize(
    ("figure", "loop"), [("completeness", COMPLETENESS_LOOP), ("timeliness", TIMELINESS_LOOP)], ids=["c", "t"]
)
def test_the_tables_per_person_are_written_as_their_template_loops_wrote_them(figures, lead, rep, figure, loop):
    """dashboard.html writes these two tables with a filter each (dashboard/templatetags): the same rows,
    escaped, as the loops they replace; a share that is None reads —."""
    from django.template import Context, Template
    from django.test.html import parse_html

    rep.display_name = '<b>"王" & 李</b>'
    rep.save(update_fields=["display_name"])
    rows = figures(lead)[figure]["rows"]
    rows = [*rows, {**rows[0], "share": None}] if figure == "timeliness" else rows
    context = Context({"rows": rows})
    written = Template("{% load dashboard %}{{ rows|" + figure + "_rows }}").render(context)
    assert parse_html(written) == parse_html(Template(loop).render(context))
    assert "&lt;b&gt;&quot;王&quot; &amp; 李&lt;/b&gt;" in written and "&amp;occurred_from=" in written
    assert written.count("<tr>") == len(rows) >= 3
