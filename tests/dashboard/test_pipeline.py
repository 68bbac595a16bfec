"""The pipeline board: open deals in seven stage columns with exact counts and values, stall badges, the
user's scope only, a fixed number of queries; a card moves through the project's own confirmation and
comes back to the board. Its filters (owner, industry, source, tier, stalled) narrow every column
exactly, keep a rep in their scope, refuse what cannot apply, and each column's count drills into the
opportunity list with the same filters and the same count."""

import datetime
from decimal import Decimal
from html import unescape

import pytest
from django.http import QueryDict
from django.utils import timezone
from django.utils.html import escape

from customers.models import Industry, Project, ProjectStatus, Source, Tier
from dashboard import selectors as dashboard_selectors
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


# Filters ------------------------------------------------------------------------------------------


@pytest.fixture
def spread(rep, other_rep, lead, rep_customer, other_customer):
    """Open deals that differ in owner, industry, source, tier and stall, on both reps' customers."""
    bank = CustomerFactory(owner=rep, legal_name="甲方银行", industry=Industry.FINANCE, tier=Tier.STRATEGIC)
    other_bank = CustomerFactory(owner=other_rep, legal_name="乙方银行", industry=Industry.FINANCE, tier=Tier.STRATEGIC)
    ProjectFactory(customer=rep_customer, name="制造线索", budget_min=None, budget_max=Decimal("300000"))
    ProjectFactory(customer=bank, name="银行线索", source=Source.TRADE_SHOW)
    quiet = ProjectFactory(customer=bank, name="银行方案", owner=lead, source=Source.REFERRAL, stage=3)
    ProjectFactory(customer=rep_customer, name="制造谈判", source=Source.TRADE_SHOW, stage=4)
    ProjectFactory(customer=bank, name="银行丢单", status=ProjectStatus.LOST)
    ProjectFactory(customer=other_customer, name="别人的展会线索", source=Source.TRADE_SHOW)
    other_quiet = ProjectFactory(customer=other_bank, name="别人的银行方案", source=Source.REFERRAL, stage=3)
    long_ago = timezone.now() - datetime.timedelta(days=30)
    Project.objects.filter(pk__in=[quiet.pk, other_quiet.pk]).update(stage_entered_at=long_ago)


def counts(client, **params):
    response = client.get("/pipeline/", params)
    assert response.status_code == 200
    return [column["count"] for column in response.context["columns"]][:4]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, [2, 0, 1, 1]),
        ({"owner": "REP"}, [2, 0, 0, 1]),
        ({"owner": "LEAD"}, [0, 0, 1, 0]),
        ({"industry": "finance"}, [1, 0, 1, 0]),
        ({"source": "trade_show"}, [1, 0, 0, 1]),
        ({"tier": "strategic"}, [1, 0, 1, 0]),
        ({"stalled": "on"}, [0, 0, 1, 0]),
        ({"industry": "manufacturing", "source": "trade_show"}, [0, 0, 0, 1]),
        ({"tier": "normal", "stalled": "on"}, [0, 0, 0, 0]),
    ],
)
def test_each_filter_narrows_a_reps_columns_exactly(client_for, rep, lead, spread, params, expected):
    people = {"REP": rep.pk, "LEAD": lead.pk}
    params = {key: people.get(value, value) for key, value in params.items()}
    assert counts(client_for(rep), **params) == expected


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, [3, 0, 2, 1]),
        ({"owner": "OTHER"}, [1, 0, 1, 0]),
        ({"industry": "finance"}, [1, 0, 2, 0]),
        ({"source": "trade_show"}, [2, 0, 0, 1]),
        ({"tier": "strategic", "stalled": "on"}, [0, 0, 2, 0]),
    ],
)
def test_each_filter_narrows_the_leads_columns_exactly(client_for, lead, other_rep, spread, params, expected):
    params = {key: other_rep.pk if value == "OTHER" else value for key, value in params.items()}
    assert counts(client_for(lead), **params) == expected


def test_column_values_follow_the_filters(client_for, rep, spread):
    response = client_for(rep).get("/pipeline/", {"industry": "finance"})
    columns = {column["stage"].number: column for column in response.context["columns"]}
    assert columns[1]["value"] == Decimal("800000") and columns[3]["value"] == Decimal("800000")
    assert [card.name for card in columns[1]["cards"]] == ["银行线索"]
    assert [card.name for card in columns[3]["cards"]] == ["银行方案"]


def test_a_reps_owner_choices_are_the_owners_in_their_scope(client_for, rep, lead, spread):
    form = client_for(rep).get("/pipeline/").context["filter"].form
    assert set(form.fields["owner"].queryset) == {rep, lead}


REP_FILTERS = [
    {},
    {"industry": "finance"},
    {"industry": "manufacturing"},
    {"source": "trade_show"},
    {"source": "referral"},
    {"tier": "strategic"},
    {"tier": "normal"},
    {"stalled": "on"},
    {"tier": "strategic", "stalled": "on", "source": "referral", "industry": "finance"},
]


@pytest.mark.parametrize("params", REP_FILTERS)
def test_a_reps_board_never_shows_another_reps_deal_whatever_the_filter(client_for, rep, spread, params):
    html = client_for(rep).get("/pipeline/", params).content.decode()
    assert "别人的" not in html and "乙方" not in html


def test_a_rep_filtering_by_another_reps_ownership_is_refused(client_for, rep, other_rep, spread):
    response = client_for(rep).get("/pipeline/", {"owner": other_rep.pk})
    assert response.status_code == 400
    assert "别人的" not in response.content.decode()


@pytest.mark.parametrize(
    "params",
    [{"owner": "abc"}, {"industry": "mining"}, {"source": "carrier-pigeon"}, {"tier": "gold"}, {"owner": "9" * 30}],
)
def test_an_invalid_filter_answers_400_with_the_filter_bars_message(client_for, lead, spread, params):
    response = client_for(lead).get("/pipeline/", params)
    assert response.status_code == 400
    assert response.context["columns"] is None
    html = response.content.decode()
    assert 'data-testid="filter-errors"' in html and 'data-testid="pipeline"' not in html
    [name] = params
    assert response.context["filter"].form.errors[name]
    for message in response.context["filter"].form.errors[name]:
        assert escape(message) in html


def test_a_filter_that_matches_nothing_says_so(client_for, rep, spread):
    html = client_for(rep).get("/pipeline/", {"tier": "key"}).content.decode()
    assert 'data-testid="no-match"' in html
    assert 'data-testid="no-match"' not in client_for(rep).get("/pipeline/").content.decode()


def drill_downs(html):
    links = {}
    for number in range(1, 8):
        start = html.index(f'data-testid="drill-down-{number}"')
        anchor = html[html.rindex("<a ", 0, start) : start]
        links[number] = unescape(anchor[anchor.index('href="') + 6 : anchor.index('"', anchor.index('href="') + 6)])
    return links


@pytest.mark.parametrize(
    ("role", "params"),
    [
        ("rep", {}),
        ("rep", {"industry": "finance", "stalled": "on"}),
        ("rep", {"source": "trade_show", "tier": "normal"}),
        ("rep", {"owner": "LEAD"}),
        ("lead", {"owner": "OTHER", "industry": "finance"}),
        ("lead", {"stalled": "on"}),
    ],
)
def test_each_columns_count_drills_into_the_list_with_the_same_filters(client_for, users, spread, role, params):
    people = {"LEAD": users["lead"].pk, "OTHER": users["other_rep"].pk}
    params = {key: people.get(value, value) for key, value in params.items()}
    client = client_for(users[role])
    response = client.get("/pipeline/", params)
    columns = {column["stage"].number: column["count"] for column in response.context["columns"]}
    links = drill_downs(response.content.decode())
    for number, link in links.items():
        path, query = link.split("?")
        assert path == "/projects/"
        assert QueryDict(query).dict() == {
            **{key: str(value) for key, value in params.items()},
            "stage": str(number),
            "status": "open",
        }
        listed = client.get(link)
        assert listed.status_code == 200
        assert listed.context["page"].paginator.count == columns[number], (number, link)
    if role == "rep":
        for link in links.values():
            assert "别人的" not in client.get(link).content.decode()


def test_a_card_moved_from_a_filtered_board_comes_back_to_it(client_for, rep, spread):
    client = client_for(rep)
    project = Project.objects.get(name="银行线索")
    html = client.get("/pipeline/", {"industry": "finance"}).content.decode()
    assert f"/projects/{project.pk}/stage/advance/?next=/pipeline/%3Findustry%3Dfinance" in html
    response = client.post(
        f"/projects/{project.pk}/stage/advance/",
        {"seen_stage": 1, "seen_status": "open", "confirm": "1", "next": "/pipeline/?industry=finance"},
    )
    assert response.status_code == 302 and response.url == "/pipeline/?industry=finance"


def test_the_filtered_board_reads_a_fixed_number_of_queries(client_for, lead, spread, django_assert_max_num_queries):
    client = client_for(lead)
    params = {"industry": "finance", "stalled": "on", "owner": lead.pk, "tier": "strategic", "source": "referral"}
    with django_assert_max_num_queries(16) as few:
        client.get("/pipeline/", params)
    bank = Project.objects.get(name="银行方案").customer
    for _ in range(30):
        deal = ProjectFactory(customer=bank, owner=lead, source=Source.REFERRAL, stage=3)
        Project.objects.filter(pk=deal.pk).update(stage_entered_at=timezone.now() - datetime.timedelta(days=40))
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get("/pipeline/", params)
    assert [column["count"] for column in response.context["columns"]][:4] == [0, 0, 31, 0]


def test_the_selector_keeps_a_narrowing_within_the_users_scope(rep, spread):
    columns = dashboard_selectors.pipeline(rep, projects=Project.objects.all())
    names = {card.name for column in columns for card in column["cards"]}
    assert names == {"制造线索", "银行线索", "银行方案", "制造谈判"}
