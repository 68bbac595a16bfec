"""Home (/): where everyone lands, their day — their next steps overdue, due today and later this week,
their stalled projects, their incomplete records, the latest key points in their scope."""

import datetime

import pytest
import time_machine
from django.utils import timezone

from customers.models import Project, ProjectStatus
from keypoints.stages import StageNumber
from tests.factories import CustomerFactory, KeyPointFactory, ProjectFactory, ProjectMemberFactory

# A Wednesday, 9 a.m. in the team's time zone: "later this week" runs to Sunday the 14th.
WEDNESDAY = datetime.datetime(2026, 10, 7, 9, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=8)))


def day(offset):
    return WEDNESDAY.date() + datetime.timedelta(days=offset)


@pytest.fixture
def book(rep, other_rep, rep_customer, other_customer):
    with time_machine.travel(WEDNESDAY, tick=False):
        mine = ProjectFactory(customer=rep_customer, name="我的项目")
        now = timezone.now()
        late = KeyPointFactory(
            project=mine, occurred_at=now - datetime.timedelta(days=3), next_step="逾期的步骤", next_step_due=day(-1)
        )
        today = KeyPointFactory(
            project=mine, occurred_at=now - datetime.timedelta(days=2), next_step="今天的步骤", next_step_due=day(0)
        )
        week = KeyPointFactory(
            project=mine, occurred_at=now - datetime.timedelta(days=1), next_step="本周的步骤", next_step_due=day(4)
        )
        KeyPointFactory(
            project=mine, occurred_at=now - datetime.timedelta(hours=5), next_step="下周的步骤", next_step_due=day(5)
        )
        incomplete = KeyPointFactory(
            project=mine,
            stage=StageNumber.LEAD,
            occurred_at=now - datetime.timedelta(hours=1),
            lead_rating="",
            next_step="补充评级",
            next_step_due=day(6),
        )
        quiet = ProjectFactory(customer=rep_customer, name="沉默项目")
        Project.objects.filter(pk=quiet.pk).update(stage_entered_at=now - datetime.timedelta(days=30))
        teamed = ProjectFactory(customer=other_customer, name="我在团队的项目")
        ProjectMemberFactory(project=teamed, user=rep)
        Project.objects.filter(pk=teamed.pk).update(stage_entered_at=now - datetime.timedelta(days=30))
        theirs = ProjectFactory(customer=CustomerFactory(owner=other_rep), name="别人的项目")
        Project.objects.filter(pk=theirs.pk).update(stage_entered_at=now - datetime.timedelta(days=30))
        KeyPointFactory(
            project=theirs,
            occurred_at=now - datetime.timedelta(days=20),
            summary="别人的记录",
            next_step_owner=other_rep,
            next_step_due=day(-2),
        )
    return {"late": late, "today": today, "week": week, "incomplete": incomplete}


def section(html, testid):
    start = html.index(f'data-testid="{testid}"')
    return html[start : html.index("</ul>", start)]


def test_a_rep_lands_on_their_day(client_for, rep, book):
    with time_machine.travel(WEDNESDAY, tick=False):
        html = client_for(rep).get("/").content.decode()
    assert "逾期的步骤" in section(html, "overdue") and "今天的步骤" not in section(html, "overdue")
    assert "今天的步骤" in section(html, "due-today")
    assert "本周的步骤" in section(html, "this-week") and "下周的步骤" not in section(html, "this-week")
    stalled = section(html, "my-stalled")
    assert "沉默项目" in stalled and "我在团队的项目" in stalled and "别人的项目" not in stalled
    assert "我的项目" in section(html, "my-incomplete")
    assert "别人的记录" not in html


def test_steps_of_lost_projects_and_done_steps_are_not_on_the_day(client_for, rep, book):
    Project.objects.filter(name="我的项目").update(status=ProjectStatus.LOST)
    with time_machine.travel(WEDNESDAY, tick=False):
        html = client_for(rep).get("/").content.decode()
    assert "逾期的步骤" not in html and "今天的步骤" not in section(html, "due-today")


@pytest.mark.parametrize("role", ["lead", "admin"])
def test_those_who_see_everything_see_the_teams_stalls_and_latest_records(client_for, users, book, role):
    with time_machine.travel(WEDNESDAY, tick=False):
        html = client_for(users[role]).get("/").content.decode()
    assert "别人的项目" in section(html, "my-stalled") and "别人的记录" in html


def test_a_manager_lands_on_the_dashboard(client_for, manager):
    response = client_for(manager).get("/")
    assert response.status_code == 302 and response.url == "/dashboard/"


def test_an_empty_day_says_so(client_for, rep):
    html = client_for(rep).get("/").content.decode()
    for testid in ("overdue", "due-today", "this-week"):
        assert "无。" in section(html, testid)
    assert "没有停滞" in html and "还没有关键点记录" in html


def test_home_reads_a_fixed_number_of_queries(client_for, rep, rep_customer, book, django_assert_max_num_queries):
    client = client_for(rep)
    with time_machine.travel(WEDNESDAY, tick=False):
        with django_assert_max_num_queries(25) as few:
            client.get("/")
        for n in range(12):
            project = ProjectFactory(customer=rep_customer)
            Project.objects.filter(pk=project.pk).update(stage_entered_at=timezone.now() - datetime.timedelta(days=40))
            KeyPointFactory(
                project=project,
                occurred_at=timezone.now() - datetime.timedelta(days=n),
                next_step_due=day(-1),
                lead_rating="",
            )
        with django_assert_max_num_queries(len(few.captured_queries)):
            assert client.get("/").status_code == 200
