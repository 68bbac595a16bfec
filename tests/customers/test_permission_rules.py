"""The rules in customers/permissions.py and keypoints/permissions.py, each pinned for every role.

The pages' matrices show the rules at work; these pin each condition, so that changing any of them
fails a test (mutation testing checks it: see README, "Mutation testing").
"""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import Http404

from accounts.models import Role
from customers import permissions
from customers.models import ProjectStatus
from keypoints import permissions as keypoint_permissions
from tests.factories import (
    ContactFactory,
    CustomerFactory,
    DecisionStepFactory,
    KeyPointFactory,
    ProjectFactory,
    ProjectMemberFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

ROLES = ["admin", "lead", "rep", "manager"]


@pytest.fixture
def book(rep, other_rep):
    """Four customers seen from rep's side: owned, a project owned on another's, a team place, and none."""
    owned = CustomerFactory(owner=rep, legal_name="自有客户")
    projects_on = CustomerFactory(owner=other_rep, legal_name="负责项目的客户")
    ProjectFactory(customer=projects_on, owner=rep)
    team_on = CustomerFactory(owner=other_rep, legal_name="参与团队的客户")
    ProjectMemberFactory(project=ProjectFactory(customer=team_on, owner=other_rep), user=rep)
    unrelated = CustomerFactory(owner=other_rep, legal_name="无关客户")
    ProjectMemberFactory(project=ProjectFactory(customer=unrelated, owner=other_rep))
    return {"owned": owned, "projects_on": projects_on, "team_on": team_on, "unrelated": unrelated}


def names(queryset):
    return sorted(c.legal_name for c in queryset)


def test_rep_sees_customers_they_own_own_a_project_on_or_sit_on_a_team_of(rep, book):
    assert names(permissions.visible_customers(rep)) == sorted(["自有客户", "负责项目的客户", "参与团队的客户"])


def test_a_team_place_on_one_project_does_not_open_every_customer_with_a_project(rep, other_rep, book):
    other = CustomerFactory(owner=other_rep, legal_name="另一客户")
    ProjectFactory(customer=other, owner=other_rep)
    assert "另一客户" not in names(permissions.visible_customers(rep))


def test_a_project_owned_elsewhere_does_not_open_other_customers(rep, other_rep, book):
    assert "无关客户" not in names(permissions.visible_customers(rep))


@pytest.mark.parametrize("role", ["admin", "lead", "manager"])
def test_admin_lead_and_manager_see_every_customer(users, book, role):
    assert names(permissions.visible_customers(users[role])) == names(book.values())


@pytest.mark.parametrize("role", ROLES)
def test_an_inactive_user_sees_nothing(users, book, role):
    user = users[role]
    user.is_active = False
    assert not permissions.visible_customers(user).exists()
    assert not permissions.can_write(user) and not permissions.can_reassign(user)


def test_an_anonymous_visitor_sees_nothing(book):
    assert not permissions.visible_customers(AnonymousUser()).exists()
    assert not permissions.can_write(AnonymousUser())
    assert not permissions.can_reassign(AnonymousUser())


def test_projects_and_key_points_scope_through_the_customer(rep, book):
    seen_projects = {p.customer.legal_name for p in permissions.visible_projects(rep)}
    assert seen_projects == {"负责项目的客户", "参与团队的客户"}
    mine = KeyPointFactory(project=book["projects_on"].projects.get())
    theirs = KeyPointFactory(project=book["unrelated"].projects.get())
    visible = set(keypoint_permissions.visible_keypoints(rep))
    assert mine in visible and theirs not in visible


@pytest.mark.parametrize(
    ("role", "write", "reassign"),
    [("admin", True, True), ("lead", True, True), ("rep", True, False), ("manager", False, False)],
)
def test_who_writes_and_who_reassigns(users, role, write, reassign):
    assert permissions.can_write(users[role]) is write
    assert permissions.can_reassign(users[role]) is reassign
    if write:
        permissions.require_write(users[role])
    else:
        with pytest.raises(PermissionDenied):
            permissions.require_write(users[role])
    if reassign:
        permissions.require_reassign(users[role])
    else:
        with pytest.raises(PermissionDenied):
            permissions.require_reassign(users[role])


@pytest.mark.parametrize(
    ("role", "owns", "expected"),
    [
        ("admin", False, True),
        ("lead", False, True),
        ("rep", True, True),
        ("rep", False, False),
        ("manager", False, False),
    ],
)
def test_who_completes_a_project(users, rep_customer, role, owns, expected):
    project = ProjectFactory(customer=rep_customer, owner=users[role] if owns else users["other_rep"])
    assert permissions.can_complete(users[role], project) is expected


@pytest.mark.parametrize("status", list(ProjectStatus))
@pytest.mark.parametrize("role", ROLES)
def test_who_reopens_a_project(users, rep_customer, role, status):
    project = ProjectFactory(customer=rep_customer, status=status)
    closed = status in (ProjectStatus.LOST, ProjectStatus.COMPLETED)
    expected = role in ("admin", "lead") or (role == "rep" and not closed)
    assert permissions.can_reopen(users[role], project) is expected


# The object getters: 404 out of scope, 403 when read-only and asked to write, the object otherwise.


def objects_of(customer):
    project = ProjectFactory(customer=customer)
    contact = ContactFactory(customer=customer)
    return {
        "customer": (permissions.get_customer_for_user, customer),
        "project": (permissions.get_project_for_user, project),
        "contact": (permissions.get_contact_for_user, contact),
        "member": (permissions.get_member_for_user, ProjectMemberFactory(project=project)),
        "step": (permissions.get_decision_step_for_user, DecisionStepFactory(project=project, contact=contact)),
        "keypoint": (keypoint_permissions.get_keypoint_for_user, KeyPointFactory(project=project)),
    }


KINDS = ["customer", "project", "contact", "member", "step", "keypoint"]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("role", ROLES)
def test_reading_an_object_in_scope_returns_it_for_every_role(users, rep_customer, role, kind):
    getter, obj = objects_of(rep_customer)[kind]
    assert getter(users[role], obj.pk) == obj


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("role", ["admin", "lead", "rep"])
def test_writing_an_object_in_scope_returns_it_for_writers(users, rep_customer, role, kind):
    getter, obj = objects_of(rep_customer)[kind]
    assert getter(users[role], obj.pk, write=True) == obj


@pytest.mark.parametrize("kind", KINDS)
def test_the_manager_asking_to_write_is_refused(manager, rep_customer, kind):
    getter, obj = objects_of(rep_customer)[kind]
    with pytest.raises(PermissionDenied):
        getter(manager, obj.pk, write=True)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("write", [False, True])
def test_an_object_out_of_scope_is_404_for_a_rep(other_rep, rep_customer, kind, write):
    getter, obj = objects_of(rep_customer)[kind]
    with pytest.raises(Http404):
        getter(other_rep, obj.pk, write=write)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("pk", [987654321, "abc", None])
def test_an_id_that_finds_nothing_is_404(admin, rep_customer, kind, pk):
    getter, _obj = objects_of(rep_customer)[kind]
    with pytest.raises(Http404):
        getter(admin, pk)


# Who may be chosen.


def test_owners_are_active_reps_and_leads(users):
    gone = UserFactory(username="left", role=Role.REP, is_active=False)
    chosen = set(permissions.assignable_owners())
    assert chosen == {users["rep"], users["other_rep"], users["lead"]}
    assert gone not in chosen


def test_team_candidates_are_every_active_user_who_writes(users):
    gone = UserFactory(username="left", role=Role.REP, is_active=False)
    chosen = set(permissions.team_candidates())
    assert chosen == {users["admin"], users["lead"], users["rep"], users["other_rep"]}
    assert gone not in chosen


# What each getter brings along, so that a page reading it asks the database once.
RELATED = {
    "customer": ["owner"],
    "project": ["customer", "owner"],
    "contact": ["customer"],
    "member": ["project", "user"],
    "step": ["project"],
    "keypoint": ["project.customer", "project.owner"],
}


@pytest.mark.parametrize("kind", KINDS)
def test_each_getter_reads_its_object_and_relations_in_one_query(admin, rep_customer, kind, django_assert_num_queries):
    getter, obj = objects_of(rep_customer)[kind]
    with django_assert_num_queries(1):
        found = getter(admin, obj.pk)
        for path in RELATED[kind]:
            value = found
            for name in path.split("."):
                value = getattr(value, name)
            assert value is not None


def test_personal_access_answers_only_for_the_customers_asked(rep, other_rep, book):
    links = permissions.personal_access([book["owned"].pk])
    assert set(links) == {book["owned"].pk}
    links = permissions.personal_access([book["team_on"].pk])
    assert set(links) == {book["team_on"].pk}
    assert {link.user_id for link in links[book["team_on"].pk]} == {other_rep.pk, rep.pk}
