"""The duplicate-customer check names the owner of any customer, so each answer about a customer
outside the asker's scope is kept for the audit log."""

import pytest
from django.urls import reverse

from customers import forms as customer_forms
from customers.models import DuplicateLookup
from tests.factories import ProjectFactory, ProjectMemberFactory

pytestmark = pytest.mark.django_db


def customer_data(**overrides):
    data = {"legal_name": "上海新客户有限公司", "credit_code": "", "industry": "manufacturing", "tier": "normal"}
    data.update(overrides)
    return data


def create(client, **overrides):
    return client.post(reverse("customers:create"), customer_data(**overrides), HTTP_ACCEPT_LANGUAGE="en")


def test_a_rep_told_of_another_reps_customer_leaves_an_entry_naming_it(client_for, rep, other_rep, other_customer):
    response = create(client_for(rep), legal_name=f"  {other_customer.legal_name} ")

    assert response.status_code == 400
    page = response.content.decode()
    assert other_customer.legal_name in page and str(other_rep) in page
    entry = DuplicateLookup.objects.get()
    assert entry.user == rep
    assert (entry.legal_name, entry.credit_code) == (other_customer.legal_name, "")
    assert entry.customer == other_customer and entry.customer_name == other_customer.legal_name
    assert entry.owner == other_rep
    assert entry.asked_at is not None


def test_a_credit_code_lookup_keeps_the_code_asked(client_for, rep, other_customer):
    response = create(client_for(rep), credit_code=other_customer.credit_code.lower())

    assert response.status_code == 400
    entry = DuplicateLookup.objects.get()
    assert (entry.user, entry.customer, entry.legal_name) == (rep, other_customer, "")
    assert entry.credit_code == other_customer.credit_code


def test_renaming_onto_another_reps_customer_leaves_an_entry(client_for, rep, rep_customer, other_customer):
    response = client_for(rep).post(
        reverse("customers:edit", args=[rep_customer.pk]), customer_data(legal_name=other_customer.legal_name)
    )

    assert response.status_code == 400
    assert response.context["form"].has_error("legal_name", "duplicate")
    assert DuplicateLookup.objects.get().customer == other_customer


def test_a_rep_told_of_their_own_customer_leaves_no_entry(client_for, rep, rep_customer):
    response = create(client_for(rep), legal_name=rep_customer.legal_name, credit_code=rep_customer.credit_code)

    assert response.status_code == 400
    assert response.context["form"].has_error("legal_name", "duplicate")
    assert not DuplicateLookup.objects.exists()


def test_a_customer_seen_through_a_deal_team_leaves_no_entry(client_for, rep, other_rep, other_customer):
    ProjectMemberFactory(project=ProjectFactory(customer=other_customer, owner=other_rep), user=rep)

    response = create(client_for(rep), legal_name=other_customer.legal_name)

    assert response.status_code == 400
    assert not DuplicateLookup.objects.exists()


@pytest.mark.parametrize("role", ["admin", "lead"])
def test_those_who_see_every_customer_leave_no_entry(client_for, users, role, other_customer):
    response = create(client_for(users[role]), legal_name=other_customer.legal_name, owner=users["rep"].pk)

    assert response.status_code == 400
    assert not DuplicateLookup.objects.exists()


def test_a_duplicate_met_only_at_saving_is_kept_too(client_for, rep, other_customer, monkeypatch):
    # Someone else saved the name between the form's check and the save.
    monkeypatch.setattr(customer_forms, "find_duplicate_customer", lambda **lookup: None)

    response = create(client_for(rep), legal_name=other_customer.legal_name)

    assert response.status_code == 400
    assert str(other_customer.owner) in response.content.decode()
    entry = DuplicateLookup.objects.get()
    assert (entry.user, entry.customer, entry.legal_name) == (rep, other_customer, other_customer.legal_name)


def test_the_entry_outlives_the_customer_it_named(client_for, rep, other_customer):
    create(client_for(rep), legal_name=other_customer.legal_name)
    name = other_customer.legal_name

    other_customer.delete()

    entry = DuplicateLookup.objects.get()
    assert entry.customer is None and entry.customer_name == name
