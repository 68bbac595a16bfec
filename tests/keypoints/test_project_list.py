"""The opportunity list at /projects/: every visible deal with where it stands, filtered, sorted, paged."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from customers.models import Customer, Industry, Project, ProjectStatus, Source
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


def test_the_last_key_point_is_the_newest_and_the_next_step_the_nearest_dated_open_one(client_for, rep, deals):
    project = deals["mine"]
    now = timezone.now()
    due = timezone.localdate() + timedelta(days=4)
    KeyPointFactory(project=project, occurred_at=now - timedelta(days=9), next_step_due=due)
    newest = KeyPointFactory(
        project=project, occurred_at=now - timedelta(days=2), next_step_due=due + timedelta(days=1)
    )
    KeyPointFactory(project=project, occurred_at=now - timedelta(days=5), next_step_due=due + timedelta(days=6))
    KeyPointFactory(project=project, occurred_at=now - timedelta(days=7), next_step_due=due - timedelta(days=3),
                    next_step_status=NextStepStatus.DONE)  # fmt: skip
    row = next(p for p in client_for(rep).get(URL).context["page"].object_list if p.pk == project.pk)
    assert row.last_keypoint_at == newest.occurred_at
    assert row.next_step_due == due  # a done step, due sooner, is not the nearest


def test_filters_by_stage_status_owner_and_tier(client_for, lead, rep, other_rep, deals):
    Project.objects.filter(pk=deals["theirs"].pk).update(status=ProjectStatus.LOST, stage=3)
    client = client_for(lead)
    assert listed(client.get(URL, {"stage": "3"})) == ["别人的商机"]
    assert listed(client.get(URL, {"status": "lost"})) == ["别人的商机"]
    assert sorted(listed(client.get(URL, {"owner": rep.pk}))) == ["我的商机"]
    assert sorted(listed(client.get(URL, {"owner": other_rep.pk}))) == sorted(["别人的商机", "我参与的商机"])


def test_filters_by_the_customers_industry_and_the_projects_source(client_for, lead, deals):
    Customer.objects.filter(pk=deals["on_team"].customer_id).update(industry=Industry.FINANCE)
    Project.objects.filter(pk=deals["theirs"].pk).update(source=Source.REFERRAL)
    client = client_for(lead)
    assert listed(client.get(URL, {"industry": Industry.FINANCE})) == ["我参与的商机"]
    assert listed(client.get(URL, {"source": Source.REFERRAL})) == ["别人的商机"]
    assert listed(client.get(URL, {"industry": Industry.FINANCE, "source": Source.REFERRAL})) == []


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


@pytest.mark.parametrize("role", ["admin", "lead", "manager", "rep"])
def test_pages_of_fifty_with_constant_queries(client_for, users, rep_customer, django_assert_max_num_queries, role):
    for n in range(3):
        KeyPointFactory(project=ProjectFactory(customer=rep_customer, name=f"商机{n:03d}"))
    client = client_for(users[role])
    # The admin's pages also ask whether the reminder scans run (one query more); the page's ids are
    # ranked before its rows are read (salesrecord/paging.py).
    with django_assert_max_num_queries(10 if role == "admin" else 9) as few:
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


def value_deals(deals):
    Project.objects.filter(pk=deals["mine"].pk).update(budget_min=Decimal("100000"), budget_max=Decimal("300000"))
    Project.objects.filter(pk=deals["theirs"].pk).update(budget_max=Decimal("900000"))
    # Signed: worth its signed amount, whatever its budget said.
    Project.objects.filter(pk=deals["on_team"].pk).update(
        budget_max=Decimal("5000000"), signed_amount=Decimal("450000"), signed_on=date(2026, 3, 1)
    )


def test_value_range_filters_on_the_signed_amount_once_signed_else_the_budget(client_for, lead, deals):
    value_deals(deals)
    client = client_for(lead)
    assert sorted(listed(client.get(URL, {"value_min": "400000"}))) == sorted(["别人的商机", "我参与的商机"])
    assert listed(client.get(URL, {"value_min": "400000", "value_max": "500000"})) == ["我参与的商机"]
    assert listed(client.get(URL, {"value_max": "300000"})) == ["我的商机"]
    # A deal without any amount has no value to compare: a range leaves it out.
    ProjectFactory(customer=deals["mine"].customer, name="无预算", budget_min=None, budget_max=None)
    assert "无预算" not in listed(client.get(URL, {"value_min": "0"}))


def test_quiet_days_lists_deals_without_a_key_point_for_that_long(client_for, lead, deals):
    now = timezone.now()
    KeyPointFactory(project=deals["mine"], occurred_at=now - timedelta(days=40))
    KeyPointFactory(project=deals["theirs"], occurred_at=now - timedelta(days=40))
    KeyPointFactory(project=deals["theirs"], occurred_at=now - timedelta(days=3))
    # No key point yet: quiet since it entered its stage.
    Project.objects.filter(pk=deals["on_team"].pk).update(stage_entered_at=now - timedelta(days=31))
    fresh = ProjectFactory(customer=deals["mine"].customer, name="新商机")
    client = client_for(lead)
    assert sorted(listed(client.get(URL, {"quiet_days": "30"}))) == sorted(["我的商机", "我参与的商机"])
    assert listed(client.get(URL, {"quiet_days": "35"})) == ["我的商机"]
    assert sorted(listed(client.get(URL, {"quiet_days": "2"}))) == sorted(["我的商机", "别人的商机", "我参与的商机"])
    assert fresh.name not in listed(client.get(URL, {"quiet_days": "1"}))


def test_quiet_days_and_value_keep_the_rep_in_scope(client_for, rep, deals):
    Project.objects.filter(pk=deals["theirs"].pk).update(stage_entered_at=timezone.now() - timedelta(days=90))
    assert "别人的商机" not in listed(client_for(rep).get(URL, {"quiet_days": "60", "value_min": "0"}))


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"value_min": "-1"}, "value_min"),
        ({"value_max": "1e20"}, "value_max"),
        ({"value_min": "lots"}, "value_min"),
        ({"value_max": "NaN"}, "value_max"),
        ({"quiet_days": "-5"}, "quiet_days"),
        ({"quiet_days": "0"}, "quiet_days"),
        ({"quiet_days": "99999999999999999999"}, "quiet_days"),
        ({"quiet_days": "2.5"}, "quiet_days"),
        ({"value_min": "500000", "value_max": "100000"}, "__all__"),
    ],
)
def test_a_bad_value_range_or_quiet_spell_is_400_with_its_message_in_the_filter_bar(
    client_for, lead, deals, params, field
):
    response = client_for(lead).get(URL, params)
    assert response.status_code == 400
    assert response.context["page"] is None
    form = response.context["filter"].form
    assert field in form.errors
    html = response.content.decode()
    bar = html[html.index('role="search"') : html.index("</form>", html.index('role="search"'))]
    assert all(escape(message) in bar for message in form.errors[field])
    assert "我的商机" not in html


def test_the_range_error_says_which_end_is_wrong(client_for, lead, deals):
    response = client_for(lead).get(URL, {"value_min": "500000", "value_max": "100000"}, HTTP_ACCEPT_LANGUAGE="en")
    assert "The lowest value cannot be above the highest." in response.content.decode()


def test_an_unknown_sort_falls_back_to_latest_activity(client_for, lead, deals):
    KeyPointFactory(project=deals["theirs"], occurred_at=timezone.now() - timedelta(days=1))
    KeyPointFactory(project=deals["mine"], occurred_at=timezone.now() - timedelta(days=5))
    response = client_for(lead).get(URL, {"sort": "password"})
    assert response.status_code == 200
    assert listed(response) == ["别人的商机", "我的商机", "我参与的商机"]


def test_sorted_by_days_in_stage_longest_first(client_for, lead, deals):
    now = timezone.now()
    Project.objects.filter(pk=deals["theirs"].pk).update(stage_entered_at=now - timedelta(days=50))
    Project.objects.filter(pk=deals["mine"].pk).update(stage_entered_at=now - timedelta(days=20))
    Project.objects.filter(pk=deals["on_team"].pk).update(stage_entered_at=now - timedelta(days=1))
    client = client_for(lead)
    assert listed(client.get(URL, {"sort": "-days"})) == ["别人的商机", "我的商机", "我参与的商机"]
    assert listed(client.get(URL, {"sort": "days"})) == ["我参与的商机", "我的商机", "别人的商机"]


def test_sorted_by_customer_in_pinyin_order(client_for, lead, deals):
    # 测试 (ceshi), 甲方 (jiafang), 乙方 (yifang): not the code points' order (乙 < 测 < 甲).
    client = client_for(lead)
    assert listed(client.get(URL, {"sort": "customer"})) == ["我参与的商机", "我的商机", "别人的商机"]
    assert listed(client.get(URL, {"sort": "-customer"})) == ["别人的商机", "我的商机", "我参与的商机"]


def test_sorted_by_status_alive_first(client_for, lead, deals):
    Project.objects.filter(pk=deals["theirs"].pk).update(status=ProjectStatus.LOST)
    Project.objects.filter(pk=deals["on_team"].pk).update(status=ProjectStatus.ON_HOLD)
    ProjectFactory(customer=deals["mine"].customer, name="已完成的商机", status=ProjectStatus.COMPLETED)
    client = client_for(lead)
    assert listed(client.get(URL, {"sort": "status"})) == ["我的商机", "我参与的商机", "已完成的商机", "别人的商机"]
    assert listed(client.get(URL, {"sort": "-status"})) == ["别人的商机", "已完成的商机", "我参与的商机", "我的商机"]


def test_sorted_by_owner_name(client_for, lead, rep, other_rep, deals):
    User = type(rep)
    User.objects.filter(pk=rep.pk).update(display_name="zhou")
    # Without a display name, the login stands for the person.
    User.objects.filter(pk=other_rep.pk).update(display_name="")
    client = client_for(lead)
    assert listed(client.get(URL, {"sort": "owner"}))[-1] == "我的商机"  # "rep2" before "zhou"
    assert listed(client.get(URL, {"sort": "-owner"}))[0] == "我的商机"
    User.objects.filter(pk=other_rep.pk).update(display_name="zz")
    assert listed(client.get(URL, {"sort": "owner"}))[0] == "我的商机"


def test_every_column_of_the_list_sorts(client_for, lead, deals):
    html = client_for(lead).get(URL).content.decode()
    head = html[html.index("<thead>") : html.index("</thead>")]
    assert head.count("<th ") == head.count("data-sort-key=") == 8


def header(html, key):
    start = html.index(f'data-sort-key="{key}"')
    return html[html.rindex("<th", 0, start) : html.index("</th>", start)]


def test_column_headers_sort_keep_the_filters_and_go_back_to_the_first_page(client_for, lead, deals):
    html = client_for(lead).get(URL, {"stage": "1", "page": "2"}).content.decode()
    # Sorted by latest activity, newest first, by default: that header says so.
    activity = header(html, "activity")
    assert 'aria-sort="descending"' in activity and "▼" in activity
    assert 'href="?stage=1&amp;sort=activity"' in activity
    value = header(html, "value")
    assert "aria-sort" not in value
    # Value: largest first on the first click; customer: A to Z.
    assert 'href="?stage=1&amp;sort=-value"' in value
    assert 'href="?stage=1&amp;sort=customer"' in header(html, "customer")


def test_a_second_click_on_a_sorted_header_reverses_it(client_for, lead, deals):
    html = client_for(lead).get(URL, {"sort": "-value"}).content.decode()
    value = header(html, "value")
    assert 'aria-sort="descending"' in value and 'href="?sort=value"' in value
    html = client_for(lead).get(URL, {"sort": "value"}).content.decode()
    value = header(html, "value")
    assert 'aria-sort="ascending"' in value and "▲" in value and 'href="?sort=-value"' in value
    assert html.count("aria-sort=") == 1
