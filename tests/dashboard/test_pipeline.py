"""The pipeline board: open deals in seven stage columns with exact counts and values, stall badges, the
user's scope only, a fixed number of queries; a card moves through the project's own confirmation and
comes back to the board."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from customers.models import Project, ProjectStatus
from keypoints.stages import StageNumber
from tests.factories import CustomerFactory, ProjectFactory


def board(client):
    response = client.get("/pipeline/")
    assert response.status_code == 200
    return {column["stage"].number: column for column in response.context["columns"]}


@pytest.fixture
def deals(rep, other_rep, rep_customer, other_customer):
    ProjectFactory(customer=rep_customer, name="线索甲", budget_min=None, budget_max=Decimal("300000"))
    ProjectFactory(customer=rep_customer, name="线索乙", budget_min=Decimal("100000"), budget_max=None)
    signed = ProjectFactory(customer=rep_customer, name="已签约", stage=StageNumber.FULFILMENT)
    Project.objects.filter(pk=signed.pk).update(signed_amount=Decimal("620000"), signed_on=timezone.localdate())
    ProjectFactory(customer=rep_customer, name="丢单", status=ProjectStatus.LOST)
    ProjectFactory(customer=rep_customer, name="暂停", status=ProjectStatus.ON_HOLD)
    quiet = ProjectFactory(customer=rep_customer, name="沉默的方案", stage=StageNumber.SOLUTION)
    Project.objects.filter(pk=quiet.pk).update(stage_entered_at=timezone.now() - datetime.timedelta(days=30))
    ProjectFactory(customer=other_customer, name="别人的线索", budget_max=Decimal("999999"))


def test_columns_count_and_value_the_open_deals_exactly(client_for, rep, deals):
    columns = board(client_for(rep))
    assert [columns[n]["count"] for n in range(1, 8)] == [2, 0, 1, 0, 0, 1, 0]
    assert columns[1]["value"] == Decimal("400000")  # the top of one budget, the bottom of the other
    assert columns[6]["value"] == Decimal("620000")  # signed: its signed amount
    assert columns[2]["value"] is None
    names = [card.name for column in columns.values() for card in column["cards"]]
    assert sorted(names) == sorted(["已签约", "沉默的方案", "线索乙", "线索甲"])
    [quiet] = columns[3]["cards"]
    assert quiet.stall.days == 30 and quiet.stall.threshold == 21


@pytest.mark.parametrize("role", ["lead", "manager", "admin"])
def test_those_who_see_everything_see_every_open_deal(client_for, users, deals, role):
    columns = board(client_for(users[role]))
    assert columns[1]["count"] == 3 and columns[1]["value"] == Decimal("1399999")


def test_another_reps_deal_appears_nowhere_on_a_reps_board(client_for, other_rep, deals):
    html = client_for(other_rep).get("/pipeline/").content.decode()
    assert "别人的线索" in html and "线索甲" not in html and "沉默的方案" not in html


def test_a_card_moves_through_the_projects_confirmation_and_back_to_the_board(client_for, rep, deals):
    client = client_for(rep)
    project = Project.objects.get(name="线索甲")
    html = client.get("/pipeline/").content.decode()
    link = f"/projects/{project.pk}/stage/advance/?next=/pipeline/"
    assert link in html
    confirm = client.get(link).content.decode()
    assert 'name="next" value="/pipeline/"' in confirm
    response = client.post(
        f"/projects/{project.pk}/stage/advance/",
        {"seen_stage": 1, "seen_status": "open", "confirm": "1", "next": "/pipeline/"},
    )
    assert response.status_code == 302 and response.url == "/pipeline/"
    project.refresh_from_db()
    assert project.stage == StageNumber.NEEDS


def test_a_move_never_sends_anyone_off_site(client_for, rep, deals):
    project = Project.objects.get(name="线索乙")
    response = client_for(rep).post(
        f"/projects/{project.pk}/stage/advance/",
        {"seen_stage": 1, "seen_status": "open", "confirm": "1", "next": "https://evil.example/"},
    )
    assert response.url == f"/projects/{project.pk}/"


def test_the_manager_reads_the_board_without_moving_cards(client_for, manager, deals):
    assert 'data-testid="move-card"' not in client_for(manager).get("/pipeline/").content.decode()


def test_the_board_reads_a_fixed_number_of_queries_and_caps_its_columns(
    client_for, lead, deals, django_assert_max_num_queries
):
    client = client_for(lead)
    with django_assert_max_num_queries(15) as few:
        client.get("/pipeline/")
    customer = CustomerFactory()
    for _ in range(30):
        ProjectFactory(customer=customer)
    with django_assert_max_num_queries(len(few.captured_queries)):
        columns = board(client)
    assert columns[1]["count"] == 33 and len(columns[1]["cards"]) == 20
