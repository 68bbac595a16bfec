"""personal_access reads the rep rule from the customer's side: it must agree with visible_customers."""

import pytest

from accounts.models import Role
from customers.permissions import (
    AccessLink,
    can_hand_over_everything,
    personal_access,
    sees_every_customer,
    visible_customers,
)
from tests.factories import CustomerFactory, ProjectFactory, ProjectMemberFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def people():
    return {
        "owner": UserFactory(username="owner"),
        "project_owner": UserFactory(username="project_owner"),
        "member": UserFactory(username="member"),
        "stranger": UserFactory(username="stranger"),
        "gone": UserFactory(username="gone", is_active=False),
        "lead": UserFactory(username="lead", role=Role.LEAD),
    }


@pytest.fixture
def customers(people):
    plain = CustomerFactory(owner=people["owner"])
    shared = CustomerFactory(owner=people["owner"])
    project = ProjectFactory(customer=shared, owner=people["project_owner"])
    ProjectMemberFactory(project=project, user=people["member"])
    ProjectMemberFactory(project=project, user=people["gone"])
    left_behind = CustomerFactory(owner=people["gone"])
    ProjectFactory(customer=left_behind, owner=people["gone"])
    led = CustomerFactory(owner=people["lead"])
    return {"plain": plain, "shared": shared, "left_behind": left_behind, "led": led, "project": project}


def test_links_name_the_owner_the_project_owner_and_the_team(people, customers):
    links = personal_access([customers["shared"].pk])
    project = customers["project"]
    assert set(links[customers["shared"].pk]) == {
        AccessLink(customers["shared"].pk, people["owner"].pk, AccessLink.OWNER),
        AccessLink(customers["shared"].pk, people["project_owner"].pk, AccessLink.PROJECT_OWNER, project.pk),
        AccessLink(customers["shared"].pk, people["member"].pk, AccessLink.TEAM, project.pk),
    }


def test_an_inactive_person_holds_no_link(people, customers):
    assert personal_access([customers["left_behind"].pk])[customers["left_behind"].pk] == []


def test_links_agree_with_what_each_person_sees(people, customers):
    ids = [customers[name].pk for name in ("plain", "shared", "left_behind", "led")]
    links = personal_access(ids)
    for person in people.values():
        seen = set(visible_customers(person).filter(pk__in=ids).values_list("pk", flat=True))
        linked = {pk for pk in ids if any(link.user_id == person.pk for link in links[pk])}
        if person.role == Role.LEAD:
            assert seen == set(ids) and linked == {customers["led"].pk}
        else:
            assert seen == linked, person.username


@pytest.mark.parametrize(
    ("role", "active", "allowed"),
    [
        (Role.ADMIN, True, True),
        (Role.ADMIN, False, False),
        (Role.LEAD, True, False),
        (Role.REP, True, False),
        (Role.MANAGER, True, False),
    ],
)
def test_only_an_active_admin_hands_over_everything_a_person_holds(role, active, allowed):
    assert can_hand_over_everything(UserFactory(role=role, is_active=active)) is allowed


@pytest.mark.parametrize(
    ("role", "active", "sees_all"),
    [
        (Role.ADMIN, True, True),
        (Role.LEAD, True, True),
        (Role.MANAGER, True, True),
        (Role.LEAD, False, False),
        (Role.REP, True, False),
    ],
)
def test_who_sees_every_customer(role, active, sees_all):
    assert sees_every_customer(UserFactory(role=role, is_active=active)) is sees_all
