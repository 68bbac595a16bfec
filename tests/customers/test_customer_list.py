"""The customer list: scope, search, filters (and their dropdowns), sorting, open deals, pagination, queries."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from customers import selectors
from customers.models import Customer, Project, ProjectStatus, Tier
from keypoints.models import NextStepStatus
from keypoints.stages import StageNumber
from tests.factories import (
    ContactFactory,
    CustomerFactory,
    HandOverFactory,
    KeyPointFactory,
    ProjectFactory,
    ProjectMemberFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def listed(response):
    return {customer.legal_name for customer in response.context["page"].object_list}


def test_rep_lists_only_customers_they_own_or_work_on(client_for, rep, other_rep):
    own = CustomerFactory(owner=rep)
    on_team = CustomerFactory(owner=other_rep)
    ProjectMemberFactory(project=ProjectFactory(customer=on_team), user=rep)
    hidden = CustomerFactory(owner=other_rep)
    names = listed(client_for(rep).get(reverse("customers:list")))
    assert names == {own.legal_name, on_team.legal_name}
    assert hidden.legal_name not in names


@pytest.mark.parametrize("role", ["admin", "lead", "manager"])
def test_everyone_else_lists_every_customer(client_for, users, rep_customer, other_customer, role):
    assert listed(client_for(users[role]).get(reverse("customers:list"))) == {
        rep_customer.legal_name,
        other_customer.legal_name,
    }


def test_search_by_contact_phone_stays_in_scope(client_for, rep, rep_customer, other_customer):
    ContactFactory(customer=rep_customer, phone="13911112222")
    ContactFactory(customer=other_customer, phone="13911113333")
    response = client_for(rep).get(reverse("customers:list"), {"q": "1391111"})
    assert listed(response) == {rep_customer.legal_name}


def test_search_by_contact_name(client_for, lead, rep_customer, other_customer):
    ContactFactory(customer=other_customer, name="张总")
    assert listed(client_for(lead).get(reverse("customers:list"), {"q": "张总"})) == {other_customer.legal_name}


def test_search_by_part_of_the_name(client_for, lead, rep_customer, other_customer):
    assert listed(client_for(lead).get(reverse("customers:list"), {"q": "甲方"})) == {rep_customer.legal_name}


def test_filter_by_industry_tier_and_owner(client_for, lead, rep, other_rep):
    wanted = CustomerFactory(owner=rep, industry="finance", tier="key")
    CustomerFactory(owner=rep, industry="finance", tier="normal")
    CustomerFactory(owner=other_rep, industry="finance", tier="key")
    response = client_for(lead).get(reverse("customers:list"), {"industry": "finance", "tier": "key", "owner": rep.pk})
    assert listed(response) == {wanted.legal_name}


def test_filter_by_project_stage_lists_each_customer_once(client_for, lead, rep_customer, other_customer):
    ProjectFactory.create_batch(2, customer=rep_customer, stage=StageNumber.NEGOTIATION)
    ProjectFactory(customer=other_customer, stage=StageNumber.LEAD)
    response = client_for(lead).get(reverse("customers:list"), {"stage": StageNumber.NEGOTIATION})
    assert [c.legal_name for c in response.context["page"].object_list] == [rep_customer.legal_name]


def test_rep_owner_dropdown_lists_only_owners_they_can_see(client_for, rep, other_rep, rep_customer, other_customer):
    response = client_for(rep).get(reverse("customers:list"))
    choices = set(response.context["filter"].form.fields["owner"].queryset)
    assert choices == {rep}
    assert str(other_rep) not in response.content.decode()


def test_rep_filtering_by_a_hidden_owner_is_refused_not_leaked(client_for, rep, other_rep, other_customer):
    response = client_for(rep).get(reverse("customers:list"), {"owner": other_rep.pk})
    assert response.status_code == 400
    assert other_customer.legal_name not in response.content.decode()
    assert response.context["filter"].form.has_error("owner", "invalid_choice")


@pytest.mark.parametrize("params", [{"industry": "mining"}, {"stage": "99"}, {"tier": "gold", "q": "甲方"}])
def test_an_invalid_filter_shows_its_error_in_the_filter_bar_and_lists_nothing(
    client_for, lead, rep_customer, other_customer, params
):
    response = client_for(lead).get(reverse("customers:list"), params)
    assert response.status_code == 400
    html = response.content.decode()
    bar = html[html.index('role="search"') : html.index("</form>", html.index('role="search"'))]
    errors = response.context["filter"].form.errors
    assert errors and 'data-testid="filter-errors"' in bar
    for messages in errors.values():
        assert all(escape(message) in bar for message in messages)
    assert rep_customer.legal_name not in html and other_customer.legal_name not in html
    assert "No customer matches these filters." not in html


def test_list_is_paginated_by_twenty(client_for, lead, rep):
    CustomerFactory.create_batch(45, owner=rep)
    client = client_for(lead)
    first = client.get(reverse("customers:list"))
    third = client.get(reverse("customers:list"), {"page": 3})
    assert len(first.context["page"].object_list) == 20
    assert len(third.context["page"].object_list) == 5
    assert 'rel="next"' in first.content.decode()


def test_pagination_keeps_the_filters(client_for, lead, rep):
    CustomerFactory.create_batch(25, owner=rep, industry="finance")
    html = client_for(lead).get(reverse("customers:list"), {"industry": "finance"}).content.decode()
    assert "?industry=finance&amp;page=2" in html


def test_out_of_range_page_shows_the_last_page(client_for, lead, rep):
    CustomerFactory.create_batch(3, owner=rep)
    response = client_for(lead).get(reverse("customers:list"), {"page": "999"})
    assert response.status_code == 200
    assert len(response.context["page"].object_list) == 3


def test_empty_list_invites_the_first_customer(client_for, rep):
    html = client_for(rep).get(reverse("customers:list")).content.decode()
    assert reverse("customers:create") in html


def populate(owner, count):
    for customer in CustomerFactory.create_batch(count, owner=owner):
        ContactFactory(customer=customer)
        for project in ProjectFactory.create_batch(2, customer=customer):
            KeyPointFactory(project=project)


@pytest.mark.parametrize("role", ["lead", "rep"])
def test_customer_list_queries_do_not_grow_with_rows(client_for, users, django_assert_max_num_queries, role):
    user = users[role]
    owner = users["rep"]
    client = client_for(user)
    populate(owner, 2)
    with django_assert_max_num_queries(9) as few:
        client.get(reverse("customers:list"), {"q": "客户", "stage": "1"})
    populate(owner, 18)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("customers:list"), {"q": "客户", "stage": "1"})
    assert len(response.context["page"].object_list) == 20


@pytest.mark.parametrize("sort", ["-activity", "name", "-tier", "owner"])
def test_queries_stay_the_same_from_5_to_60_customers_with_deals_in_every_sort(
    client_for, lead, rep, django_assert_max_num_queries, sort
):
    client = client_for(lead)
    populate(rep, 5)
    with django_assert_max_num_queries(9) as few:
        response = client.get(reverse("customers:list"), {"sort": sort})
    assert all(customer.open_deals.count == 2 for customer in response.context["page"].object_list)
    populate(rep, 55)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("customers:list"), {"sort": sort, "page": 2})
    assert len(response.context["page"].object_list) == 20
    assert all(customer.open_deals.count == 2 for customer in response.context["page"].object_list)


def test_customer_detail_queries_do_not_grow_with_contacts_and_projects(
    client_for, lead, rep_customer, django_assert_max_num_queries
):
    client = client_for(lead)
    ContactFactory(customer=rep_customer)
    ProjectFactory(customer=rep_customer)
    HandOverFactory(customer=rep_customer)
    with django_assert_max_num_queries(9) as few:
        client.get(reverse("customers:detail", args=[rep_customer.pk]))
    ContactFactory.create_batch(10, customer=rep_customer)
    ProjectFactory.create_batch(10, customer=rep_customer)
    HandOverFactory.create_batch(10, customer=rep_customer)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("customers:detail", args=[rep_customer.pk]))


def test_project_detail_queries_do_not_grow_with_team_and_chain(
    client_for, lead, rep_customer, django_assert_max_num_queries
):
    from tests.factories import DecisionStepFactory

    project = ProjectFactory(customer=rep_customer)
    client = client_for(lead)
    ProjectMemberFactory(project=project)
    DecisionStepFactory(project=project, position=1)
    with django_assert_max_num_queries(17) as few:
        client.get(reverse("projects:detail", args=[project.pk]))
    for position in range(2, 12):
        ProjectMemberFactory(project=project)
        DecisionStepFactory(project=project, position=position)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("projects:detail", args=[project.pk]))


def names(response):
    return [customer.legal_name for customer in response.context["page"].object_list]


def header(html, key):
    start = html.index(f'data-sort-key="{key}"')
    return html[html.rindex("<th", 0, start) : html.index("</th>", start)]


def row(html, name):
    start = html.index(name)
    return html[html.rindex("<tr", 0, start) : html.index("</tr>", start)]


def test_customers_are_listed_by_latest_activity_newest_first(client_for, lead, rep):
    now = timezone.now()
    quiet = CustomerFactory(owner=rep, legal_name="北京安静客户有限公司")
    busy = CustomerFactory(owner=rep, legal_name="上海活跃客户有限公司")
    new = CustomerFactory(owner=rep, legal_name="深圳新客户有限公司")
    KeyPointFactory(project=ProjectFactory(customer=quiet), occurred_at=now - timedelta(days=30))
    busy_project = ProjectFactory(customer=busy)
    KeyPointFactory(project=busy_project, occurred_at=now - timedelta(days=40))
    KeyPointFactory(
        project=ProjectFactory(customer=busy, status=ProjectStatus.LOST), occurred_at=now - timedelta(days=2)
    )
    # No key point at all: its own last change counts, here ten days ago.
    Customer.objects.filter(pk=new.pk).update(updated_at=now - timedelta(days=10))
    response = client_for(lead).get(reverse("customers:list"))
    assert names(response) == [busy.legal_name, new.legal_name, quiet.legal_name]
    assert 'aria-sort="descending"' in header(response.content.decode(), "activity")
    oldest_first = client_for(lead).get(reverse("customers:list"), {"sort": "activity"})
    assert names(oldest_first) == [quiet.legal_name, new.legal_name, busy.legal_name]


def test_sorting_by_name_follows_pinyin_not_code_points(client_for, lead, rep):
    for name in ["深圳湾科技有限公司", "上海浦江有限公司", "北京燕山有限公司", "Acme Precision (Shanghai) Co., Ltd."]:
        CustomerFactory(owner=rep, legal_name=name)
    client = client_for(lead)
    expected = ["Acme Precision (Shanghai) Co., Ltd.", "北京燕山有限公司", "上海浦江有限公司", "深圳湾科技有限公司"]
    assert names(client.get(reverse("customers:list"), {"sort": "name"})) == expected
    assert names(client.get(reverse("customers:list"), {"sort": "-name"})) == expected[::-1]


def test_sorting_by_tier_puts_strategic_accounts_first(client_for, lead, rep):
    CustomerFactory(owner=rep, legal_name="普通客户有限公司", tier=Tier.NORMAL)
    CustomerFactory(owner=rep, legal_name="战略客户有限公司", tier=Tier.STRATEGIC)
    CustomerFactory(owner=rep, legal_name="重点客户有限公司", tier=Tier.KEY)
    client = client_for(lead)
    by_tier = ["战略客户有限公司", "重点客户有限公司", "普通客户有限公司"]
    assert names(client.get(reverse("customers:list"), {"sort": "tier"})) == by_tier
    assert names(client.get(reverse("customers:list"), {"sort": "-tier"})) == by_tier[::-1]


def test_sorting_by_owner(client_for, lead):
    alice = UserFactory(username="alice", display_name="Alice")
    bob = UserFactory(username="bob", display_name="")
    CustomerFactory(owner=bob, legal_name="乙客户有限公司")
    CustomerFactory(owner=alice, legal_name="甲客户有限公司")
    client = client_for(lead)
    assert names(client.get(reverse("customers:list"), {"sort": "owner"})) == ["甲客户有限公司", "乙客户有限公司"]
    assert names(client.get(reverse("customers:list"), {"sort": "-owner"})) == ["乙客户有限公司", "甲客户有限公司"]


def test_an_unknown_sort_falls_back_to_latest_activity(client_for, lead, rep_customer, other_customer):
    Customer.objects.filter(pk=rep_customer.pk).update(updated_at=timezone.now() - timedelta(days=3))
    response = client_for(lead).get(reverse("customers:list"), {"sort": "legal_name; drop table"})
    assert response.status_code == 200
    assert names(response) == [other_customer.legal_name, rep_customer.legal_name]


def test_column_headers_sort_keep_the_filters_and_reverse_on_a_second_click(client_for, lead, rep_customer):
    client = client_for(lead)
    html = client.get(reverse("customers:list"), {"industry": "manufacturing", "page": "2"}).content.decode()
    name = header(html, "name")
    assert "aria-sort" not in name and 'href="?industry=manufacturing&amp;sort=name"' in name
    assert 'href="?industry=manufacturing&amp;sort=activity"' in header(html, "activity")
    html = client.get(reverse("customers:list"), {"industry": "manufacturing", "sort": "name"}).content.decode()
    name = header(html, "name")
    assert 'aria-sort="ascending"' in name and "▲" in name
    assert 'href="?industry=manufacturing&amp;sort=-name"' in name
    assert html.count("aria-sort=") == 1
    for key in ("tier", "owner"):
        assert "aria-sort" not in header(html, key)


def test_each_row_sums_up_the_customers_open_deals(client_for, lead, rep_customer):
    today = timezone.localdate()
    negotiation = ProjectFactory(
        customer=rep_customer, stage=StageNumber.NEGOTIATION, budget_min=Decimal("100000"), budget_max=Decimal("300000")
    )
    ProjectFactory(customer=rep_customer, stage=StageNumber.NEGOTIATION, budget_min=None, budget_max=Decimal("200000"))
    signed = ProjectFactory(customer=rep_customer, budget_max=Decimal("9000000"))
    # Lost and completed deals are not open: neither their stage nor their value counts.
    ProjectFactory(customer=rep_customer, status=ProjectStatus.LOST, budget_max=Decimal("7000000"))
    ProjectFactory(customer=rep_customer, status=ProjectStatus.COMPLETED, budget_max=Decimal("7000000"))
    KeyPointFactory(project=negotiation, next_step_due=today + timedelta(days=5))
    KeyPointFactory(project=signed, next_step_due=today + timedelta(days=2))
    KeyPointFactory(project=signed, next_step_due=today - timedelta(days=9), next_step_status=NextStepStatus.DONE)
    Project.objects.filter(pk=signed.pk).update(
        stage=StageNumber.FULFILMENT, signed_amount=Decimal("450000"), signed_on=today
    )
    response = client_for(lead).get(reverse("customers:list"), HTTP_ACCEPT_LANGUAGE="en")
    deals = response.context["page"].object_list[0].open_deals
    assert deals.count == 3
    assert deals.value == Decimal("950000")  # 300,000 + 200,000 + 450,000 signed
    assert deals.next_step_due == today + timedelta(days=2)  # the nearest open one; a done step does not count
    html = row(response.content.decode(), rep_customer.legal_name)
    assert "Business negotiation ×2" in html and "Fulfilment follow-up" in html
    assert "Lead acquisition" not in html
    assert "¥950,000" in html
    assert "overdue" not in html


def test_an_overdue_next_step_is_red_and_says_so(client_for, lead, rep_customer):
    project = ProjectFactory(customer=rep_customer)
    KeyPointFactory(project=project, next_step_due=timezone.localdate() - timedelta(days=1))
    html = row(client_for(lead).get(reverse("customers:list"), HTTP_ACCEPT_LANGUAGE="en").content.decode(), "甲方")
    due = html[html.index('data-testid="next-step-due"') :]
    assert "text-danger" in due and "overdue" in due


def test_a_customer_without_open_deals_says_none(client_for, lead, rep_customer):
    ProjectFactory(customer=rep_customer, status=ProjectStatus.LOST)
    response = client_for(lead).get(reverse("customers:list"), HTTP_ACCEPT_LANGUAGE="en")
    deals = response.context["page"].object_list[0].open_deals
    assert deals.count == 0 and deals.value is None and deals.next_step_due is None
    html = row(response.content.decode(), rep_customer.legal_name)
    assert "None" in html


def test_the_open_next_step_status_is_the_key_points_own():
    assert selectors.OPEN_NEXT_STEP == NextStepStatus.OPEN


def test_the_rep_still_lists_only_their_customers_in_every_sort(client_for, rep, other_rep, rep_customer):
    hidden = CustomerFactory(owner=other_rep, legal_name="北京隐藏客户有限公司")
    KeyPointFactory(project=ProjectFactory(customer=hidden))
    for sort in ("name", "-activity", "tier", "owner"):
        assert names(client_for(rep).get(reverse("customers:list"), {"sort": sort})) == [rep_customer.legal_name]


def filter_fold(html):
    start = html.index('data-testid="filter-fold"')
    return html[html.rindex("<details", 0, start) : html.index(">", start) + 1]


def test_the_filter_bar_folds_behind_a_toggle_counting_the_filters_in_use(client_for, lead, rep_customer):
    client = client_for(lead)
    html = client.get(reverse("customers:list"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert " open" not in filter_fold(html)
    assert ">Filters</span>" in html
    params = {"industry": "manufacturing", "tier": "normal", "q": "", "sort": "name"}
    html = client.get(reverse("customers:list"), params, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Filters (2 active)" in html  # an empty search and the sort narrow nothing
    assert " open" not in filter_fold(html)


def test_an_invalid_filter_opens_the_folded_filter_bar(client_for, lead, rep_customer):
    html = client_for(lead).get(reverse("customers:list"), {"tier": "gold"}).content.decode()
    assert " open" in filter_fold(html)


def test_the_sort_dropdown_is_kept_for_phones_where_headers_are_hidden(client_for, lead, rep_customer):
    html = client_for(lead).get(reverse("customers:list"), {"sort": "-tier"}).content.decode()
    select = html[html.index('name="sort"') : html.index("</select>", html.index('name="sort"'))]
    assert '<option value="-tier" selected>' in select
    wrapper = html[html.rindex("<div", 0, html.index('for="id_sort"')) : html.index('for="id_sort"')]
    assert "d-md-none" in wrapper


def test_every_cell_of_a_row_says_what_it_is_for_the_phone_cards(client_for, lead, rep_customer):
    ProjectFactory(customer=rep_customer)
    html = client_for(lead).get(reverse("customers:list")).content.decode()
    body = html[html.index("<tbody>") : html.index("</tbody>")]
    assert 'class="table table-hover mb-0 stack-on-phone' in html
    assert body.count("<td") == body.count("data-label=") == 7
