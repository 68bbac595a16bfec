"""What the owner dropdowns of the filter bars offer each role: only people the user may already see."""

import pytest

from customers import permissions
from tests.factories import CustomerFactory, ProjectFactory, ProjectMemberFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def owners(rep, other_rep, lead, rep_customer, other_customer):
    """On rep's customer: rep's project and a helper's (the helper owns no customer); on other_rep's:
    other_rep's project and a stranger's. An idle owner has a customer but no project."""
    helper = UserFactory(username="helper")
    stranger = UserFactory(username="stranger")
    idle = UserFactory(username="idle")
    ProjectFactory(customer=rep_customer, owner=rep)
    ProjectFactory(customer=rep_customer, owner=helper)
    ProjectFactory(customer=other_customer, owner=other_rep)
    ProjectFactory(customer=other_customer, owner=stranger)
    CustomerFactory(owner=idle)
    return {"helper": helper, "stranger": stranger, "idle": idle}


@pytest.mark.parametrize("role", ["admin", "lead", "manager"])
def test_everyone_but_reps_is_offered_every_project_owner(users, owners, role):
    choices = set(permissions.project_owner_choices(users[role]))
    assert choices == {users["rep"], owners["helper"], users["other_rep"], owners["stranger"]}


def test_rep_is_offered_only_owners_of_projects_on_customers_in_their_scope(rep, owners):
    assert set(permissions.project_owner_choices(rep)) == {rep, owners["helper"]}


def test_other_rep_is_offered_only_owners_on_their_own_customer(other_rep, owners):
    assert set(permissions.project_owner_choices(other_rep)) == {other_rep, owners["stranger"]}


def test_a_team_place_brings_the_owners_of_that_customers_projects(rep, other_rep, other_customer, owners):
    ProjectMemberFactory(project=other_customer.projects.get(owner=other_rep), user=rep)
    assert set(permissions.project_owner_choices(rep)) == {
        rep,
        owners["helper"],
        other_rep,
        owners["stranger"],
    }


def test_a_customer_owner_without_projects_is_not_a_project_owner_choice(lead, owners):
    assert owners["idle"] not in set(permissions.project_owner_choices(lead))
    assert owners["idle"] in set(permissions.owner_filter_choices(lead))


def test_each_owner_is_offered_once(lead, rep, rep_customer, owners):
    ProjectFactory(customer=rep_customer, owner=rep)
    choices = list(permissions.project_owner_choices(lead))
    assert len(choices) == len(set(choices))


def test_an_inactive_user_is_offered_no_owner(rep, owners):
    rep.is_active = False
    rep.save()
    assert not permissions.project_owner_choices(rep).exists()
