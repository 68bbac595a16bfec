"""The customer list: scope, search, filters (and their dropdowns), pagination, query counts."""

import pytest
from django.urls import reverse
from django.utils.html import escape

from keypoints.stages import StageNumber
from tests.factories import ContactFactory, CustomerFactory, HandOverFactory, ProjectFactory, ProjectMemberFactory

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
        ProjectFactory.create_batch(2, customer=customer)


@pytest.mark.parametrize("role", ["lead", "rep"])
def test_customer_list_queries_do_not_grow_with_rows(client_for, users, django_assert_max_num_queries, role):
    user = users[role]
    owner = users["rep"]
    client = client_for(user)
    populate(owner, 2)
    with django_assert_max_num_queries(6) as few:
        client.get(reverse("customers:list"), {"q": "客户", "stage": "1"})
    populate(owner, 18)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("customers:list"), {"q": "客户", "stage": "1"})
    assert len(response.context["page"].object_list) == 20


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
    with django_assert_max_num_queries(16) as few:
        client.get(reverse("projects:detail", args=[project.pk]))
    for position in range(2, 12):
        ProjectMemberFactory(project=project)
        DecisionStepFactory(project=project, position=position)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("projects:detail", args=[project.pk]))
