"""The opportunity list at /projects/: every visible deal with where it stands, filtered, sorted, paged."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from customers.models import Project, ProjectStatus
from keypoints.models import NextStepStatus
from tests.factories import CustomerFactory, KeyPointFactory, ProjectFactory, ProjectMemberFactory

pytestmark = pytest.mark.django_db

URL = reverse("projects:list")


def listed(response):
    return [project.name for project in response.context["page"].object_list]


@pytest.fixture
def deals(rep, other_rep, rep_customer, other_customer):
    mine = ProjectFactory(customer=rep_customer, owner=rep, name="我的商机")
    theirs = ProjectFactory(customer=other_customer, owner=other_rep, name="别人的商机")
    on_team = ProjectFactory(customer=CustomerFactory(owner=other_rep), owner=other_rep, name="我参与的商机")
    ProjectMemberFactory(project=on_team, user=rep)
    return {"mine": mine, "theirs": theirs, "on_team": on_team}


def test_a_rep_lists_the_deals_of_the_customers_they_may_see(client_for, rep, deals):
    assert sorted(listed(client_for(rep).get(URL))) == sorted(["我的商机", "我参与的商机"])


@pytest.mark.parametrize("role", ["admin", "lead", "manager"])
def test_admin_lead_and_manager_list_every_deal(client_for, users, deals, role):
    assert sorted(listed(client_for(users[role]).get(URL))) == sorted(["我的商机", "别人的商机", "我参与的商机"])


def test_the_list_is_in_every_roles_menu(client_for, users, deals):
    for user in users.values():
        assert f'href="{URL}"' in client_for(user).get(reverse("customers:list")).content.decode()


def test_a_signed_deal_is_listed_at_its_signed_amount(client_for, rep, deals):
    Project.objects.filter(pk=deals["mine"].pk).update(signed_amount=Decimal("620000"), signed_on=date(2026, 4, 1))
    html = client_for(rep).get(URL, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Signed ¥620,000" in html


def test_each_row_shows_days_in_stage_last_key_point_and_next_step_due(client_for, rep, deals):
    project = deals["mine"]
    Project.objects.filter(pk=project.pk).update(stage_entered_at=timezone.now() - timedelta(days=12))
    due = timezone.localdate() + timedelta(days=3)
    KeyPointFactory(project=project, next_step_due=due)
    KeyPointFactory(project=project, next_step_due=due - timedelta(days=10), next_step_status=NextStepStatus.DONE)
    response = client_for(rep).get(URL, {"stage": "1"})
    row = next(p for p in response.context["page"].object_list if p.pk == project.pk)
    assert row.days_in_stage == 12
    assert row.next_step_due == due  # the nearest open one; a done step does not count
    assert row.last_keypoint_at is not None


def test_filters_by_stage_status_owner_and_tier(client_for, lead, rep, other_rep, deals):
    Project.objects.filter(pk=deals["theirs"].pk).update(status=ProjectStatus.LOST, stage=3)
    client = client_for(lead)
    assert listed(client.get(URL, {"stage": "3"})) == ["别人的商机"]
    assert listed(client.get(URL, {"status": "lost"})) == ["别人的商机"]
    assert sorted(listed(client.get(URL, {"owner": rep.pk}))) == ["我的商机"]
    assert sorted(listed(client.get(URL, {"owner": other_rep.pk}))) == sorted(["别人的商机", "我参与的商机"])


def test_the_owner_filter_offers_only_owners_in_scope(client_for, rep, other_rep, lead, deals):
    ProjectFactory(customer=CustomerFactory(owner=lead), owner=lead)
    choices = set(client_for(rep).get(URL).context["filter"].form.fields["owner"].queryset)
    assert choices == {rep, other_rep}


def test_an_invalid_filter_is_400_with_its_error_and_lists_nothing(client_for, rep, other_rep, deals):
    response = client_for(rep).get(URL, {"stage": "9", "owner": "x"})
    assert response.status_code == 400
    assert response.context["page"] is None
    assert 'data-testid="filter-errors"' in response.content.decode()


def test_sorted_by_latest_activity_by_default_with_quiet_deals_last(client_for, lead, deals):
    KeyPointFactory(project=deals["theirs"], occurred_at=timezone.now() - timedelta(days=1))
    KeyPointFactory(project=deals["mine"], occurred_at=timezone.now() - timedelta(days=5))
    assert listed(client_for(lead).get(URL)) == ["别人的商机", "我的商机", "我参与的商机"]
    assert listed(client_for(lead).get(URL, {"sort": "activity"})) == ["我的商机", "别人的商机", "我参与的商机"]


def test_sorted_by_value(client_for, lead, deals):
    Project.objects.filter(pk=deals["mine"].pk).update(budget_max=Decimal("900000"))
    Project.objects.filter(pk=deals["on_team"].pk).update(signed_amount=Decimal("2000000"), signed_on=date.today())
    assert listed(client_for(lead).get(URL, {"sort": "-value"})) == ["我参与的商机", "我的商机", "别人的商机"]


def test_pages_of_fifty_with_constant_queries(client_for, lead, rep_customer, django_assert_max_num_queries):
    for n in range(3):
        KeyPointFactory(project=ProjectFactory(customer=rep_customer, name=f"商机{n:03d}"))
    client = client_for(lead)
    with django_assert_max_num_queries(8) as few:
        client.get(URL)
    for n in range(60):
        project = ProjectFactory(customer=rep_customer, name=f"商机{n + 3:03d}")
        KeyPointFactory(project=project)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(URL)
    assert len(response.context["page"].object_list) == 50
    assert response.context["page"].paginator.count == 63


def test_empty_list_says_where_deals_come_from(client_for, rep):
    response = client_for(rep).get(URL, HTTP_ACCEPT_LANGUAGE="en")
    assert "No projects yet" in response.content.decode()
