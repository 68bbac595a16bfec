"""The stalled-and-overdue page: each person's own scope, quietest first, in a fixed number of queries."""

import datetime

import pytest
from django.utils import timezone

from customers.models import Project
from tests.factories import KeyPointFactory, ProjectFactory, ProjectMemberFactory


def quiet(project, days):
    Project.objects.filter(pk=project.pk).update(stage_entered_at=timezone.now() - datetime.timedelta(days=days))


@pytest.fixture
def book(rep, other_rep, rep_customer, other_customer):
    mine = ProjectFactory(customer=rep_customer, name="我的停滞项目")
    quiet(mine, 20)
    very = ProjectFactory(customer=rep_customer, name="我的久未跟进项目")
    quiet(very, 40)
    fresh = ProjectFactory(customer=rep_customer, name="我的活跃项目")
    step = KeyPointFactory(
        project=fresh,
        occurred_at=timezone.now() - datetime.timedelta(days=2),
        next_step="寄送方案",
        next_step_due=timezone.localdate() - datetime.timedelta(days=1),
    )
    theirs = ProjectFactory(customer=other_customer, name="别人的停滞项目")
    quiet(theirs, 20)
    return {"mine": mine, "very": very, "step": step, "theirs": theirs}


def test_a_rep_sees_their_own_stalled_projects_quietest_first_and_their_overdue_steps(client_for, rep, book):
    page = client_for(rep).get("/reminders/stalled/").content.decode()
    assert page.index("我的久未跟进项目") < page.index("我的停滞项目")
    assert "别人的停滞项目" not in page and "我的活跃项目" in page and "寄送方案" in page
    assert "escalated" in page or "已升级" in page


@pytest.mark.parametrize("role", ["admin", "lead", "manager"])
def test_those_who_see_everything_see_every_stall(client_for, users, book, role):
    page = client_for(users[role]).get("/reminders/stalled/").content.decode()
    assert "别人的停滞项目" in page and "我的停滞项目" in page


def test_other_rep_sees_only_theirs(client_for, other_rep, book):
    page = client_for(other_rep).get("/reminders/stalled/").content.decode()
    assert "别人的停滞项目" in page and "我的" not in page


def test_an_empty_scope_says_so(client_for, rep):
    page = client_for(rep).get("/reminders/stalled/").content.decode()
    assert "没有停滞的项目" in page or "No stalled project" in page


def test_the_page_reads_a_fixed_number_of_queries(client_for, rep, rep_customer, book, django_assert_max_num_queries):
    client = client_for(rep)
    with django_assert_max_num_queries(20) as few:
        client.get("/reminders/stalled/")
    for _ in range(40):
        quiet(ProjectFactory(customer=rep_customer), 25)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get("/reminders/stalled/?stalled_page=2")
    assert response.status_code == 200
    page = response.content.decode()
    assert "stalled_page=1" in page


def test_a_bad_page_number_still_answers(client_for, rep, book):
    assert client_for(rep).get("/reminders/stalled/?stalled_page=abc&overdue_page=-3").status_code == 200


def test_a_project_a_rep_sits_on_the_team_of_shows_there(client_for, other_rep, book):
    ProjectMemberFactory(project=book["mine"], user=other_rep)
    page = client_for(other_rep).get("/reminders/stalled/").content.decode()
    assert "我的停滞项目" in page
