"""What lets the dashboard and home answer at scale without changing a figure: a rep's scope read once
into their projects' ids (the same records as the customer rule), a period read as a range of instants
(its first and last days whole, in the team's time zone), and a fixed number of queries for every role,
whatever the number of records."""

import datetime

import pytest
import time_machine
from django.utils import timezone

from customers.models import Project
from customers.permissions import visible_projects
from dashboard.selectors import resolved_scope
from keypoints.permissions import visible_keypoints
from tests.factories import CustomerFactory, KeyPointFactory, ProjectFactory, ProjectMemberFactory

from .conftest import NOW, Q2, TZ, at, record


def ids(queryset):
    return set(queryset.values_list("pk", flat=True))


@pytest.mark.parametrize("narrowing", [{}, {"customer__industry": "finance"}, {"source": "referral"}])
def test_a_reps_resolved_scope_holds_the_records_of_the_customer_rule(rep, other_rep, book, narrowing):
    # A project of another rep's customer, on whose team the rep sits, is theirs to read too (and so is
    # that customer); the other rep's other customer (O) stays out.
    teamed = ProjectFactory(customer=CustomerFactory(owner=other_rep), name="团队项目", owner=other_rep)
    ProjectMemberFactory(project=teamed, user=rep)
    record(teamed, at(6, 1))
    projects, keypoints = resolved_scope(rep, **narrowing)
    assert ids(projects) == ids(visible_projects(rep).filter(**narrowing))
    assert ids(keypoints) == ids(visible_keypoints(rep).filter(**{f"project__{k}": v for k, v in narrowing.items()}))
    assert teamed.pk in ids(visible_projects(rep)) and book["q2"].pk not in ids(projects)


def test_those_who_see_everything_and_reps_without_projects_read_the_rule_as_defined(users, rep, book):
    assert resolved_scope(users["lead"]) is None and resolved_scope(users["manager"]) is None
    Project.objects.update(archived_at=timezone.now())
    assert resolved_scope(rep) is None


def test_a_period_counts_its_first_and_last_days_whole_in_the_teams_time_zone(client_for, lead, book, at_now):
    p5 = book["p5"]
    for when in (
        datetime.datetime(2026, 3, 31, 23, 59, tzinfo=TZ),  # the day before: out
        datetime.datetime(2026, 4, 1, 0, 0, tzinfo=TZ),  # the first instant: in
        datetime.datetime(2026, 6, 30, 23, 59, 59, tzinfo=TZ),  # the last day's last second: in
        datetime.datetime(2026, 7, 1, 0, 0, tzinfo=TZ),  # the day after: out
    ):
        KeyPointFactory(project=p5, stage=1, occurred_at=when, author=lead, obstacles="边界")
    context = client_for(lead).get("/dashboard/", Q2).context
    assert {row["obstacle"]: row["count"] for row in context["obstacles"]["rows"]}["边界"] == 2
    [row] = [row for row in context["completeness"]["rows"] if row["author"] == lead]
    assert row["total"] == 1 + 2  # P4's record of 10 June, and the two inside


def grow(book, rep, other_rep, lead, count=15):
    """More of everything the figures read: projects, key points of each author (incomplete, so that
    every list of home has rows), overdue steps, stalls."""
    for n in range(count):
        project = ProjectFactory(customer=book["a" if n % 2 else "o"], name=f"更多{n}-{count}")
        Project.objects.filter(pk=project.pk).update(stage_entered_at=at(4, 1))
        for day in (2, 9, 16):
            record(project, at(6, day), author=(rep, other_rep, lead)[n % 3], obstacles=f"障碍{n % 4}",
                   lead_rating="ABC"[n % 3], next_step_due=at(6, 20).date())  # fmt: skip


@pytest.mark.parametrize("role", ["admin", "manager", "rep"])
@pytest.mark.parametrize("params", [{}, {"industry": "manufacturing", "tier": "normal"}])
def test_the_dashboard_reads_a_fixed_number_of_queries_for_every_role(
    client_for, users, rep, other_rep, lead, book, role, params, django_assert_max_num_queries
):
    client = client_for(users[role])
    with time_machine.travel(NOW, tick=False):
        grow(book, rep, other_rep, lead, count=3)
        with django_assert_max_num_queries(22) as few:
            assert client.get("/dashboard/", {**Q2, **params}).status_code == 200
        grow(book, rep, other_rep, lead)
        with django_assert_max_num_queries(len(few.captured_queries)):
            context = client.get("/dashboard/", {**Q2, **params}).context
    assert context["attention"]["stalled_count"] >= 1 and context["activity"]["rows"]


@pytest.mark.parametrize("role", ["admin", "lead"])
def test_home_reads_a_fixed_number_of_queries_for_those_who_see_everything(
    client_for, users, rep, other_rep, lead, book, role, django_assert_max_num_queries
):
    client = client_for(users[role])
    with time_machine.travel(NOW, tick=False):
        grow(book, rep, other_rep, lead, count=3)
        with django_assert_max_num_queries(16) as few:
            assert client.get("/").status_code == 200
        grow(book, rep, other_rep, lead)
        with django_assert_max_num_queries(len(few.captured_queries)):
            context = client.get("/").context
    assert len(context["stalled"]) == 10 and len(context["latest"]) == 10


def test_a_reps_home_lists_only_their_own_and_their_teams_stalls(client_for, rep, other_rep, book, at_now):
    teamed = ProjectFactory(customer=CustomerFactory(owner=other_rep), name="团队停滞", owner=other_rep)
    ProjectMemberFactory(project=teamed, user=rep)
    Project.objects.filter(pk=teamed.pk).update(stage_entered_at=at(4, 1))
    stalled = [project.name for project in client_for(rep).get("/").context["stalled"]]
    # P3 (the rep's, 51 days quiet) and the team's; not Q1, the other rep's on a customer the rep cannot read.
    assert stalled == ["团队停滞", "甲三"]
    assert "乙一" not in stalled
