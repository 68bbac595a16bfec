"""Every page, every role: who reads (200), who is refused a write (403), who is told nothing (404)."""

import pytest
from django.urls import reverse

from keypoints import services as keypoint_services
from tests.factories import (
    ContactFactory,
    DecisionStepFactory,
    KeyPointFactory,
    ProjectFactory,
    ProjectMemberFactory,
    UserFactory,
)

READ, WRITE, REASSIGN = "read", "write", "reassign"
# Archive and restore: leads and admins. The team's accounts and audit log: the admin.
ARCHIVE, ADMIN = "archive", "admin"


@pytest.fixture
def world(rep_customer, other_customer):
    """rep owns one customer, other_rep another; each has a contact, a project, a member and a step."""
    built = {}
    for key, customer in {"own": rep_customer, "other": other_customer}.items():
        contact = ContactFactory(customer=customer)
        project = ProjectFactory(customer=customer)
        built[key] = {
            "customer": customer,
            "contact": contact,
            "project": project,
            "member": ProjectMemberFactory(project=project),
            "step": DecisionStepFactory(project=project, position=1, contact=contact),
            "keypoint": KeyPointFactory(project=project),
        }
    return built


# (url name, object it belongs to or None, kind of page); a record kind's page names it first (archive).
SCOPED_PAGES = [
    ("customers:detail", "customer", READ),
    ("customers:edit", "customer", WRITE),
    ("customers:contact_create", "customer", WRITE),
    ("customers:contact_edit", "contact", WRITE),
    ("projects:create", "customer", WRITE),
    ("projects:detail", "project", READ),
    ("projects:edit", "project", WRITE),
    ("projects:member_create", "project", WRITE),
    ("projects:member_edit", "member", WRITE),
    ("projects:step_create", "project", WRITE),
    ("projects:step_edit", "step", WRITE),
    ("handovers:customer", "customer", REASSIGN),
    ("audit:customer", "customer", READ),
    ("audit:project", "project", READ),
    ("audit:keypoint", "keypoint", READ),
    ("archive:archive", "customer", ARCHIVE),
    ("archive:archive", "project", ARCHIVE),
    ("archive:archive", "contact", ARCHIVE),
    ("archive:archive", "keypoint", ARCHIVE),
]
GLOBAL_PAGES = [
    ("customers:list", READ),
    ("customers:create", WRITE),
    ("handovers:bulk", REASSIGN),
    ("archive:list", ARCHIVE),
    ("audit:log", ADMIN),
    ("accounts:users", ADMIN),
    ("accounts:user_create", ADMIN),
]
RECORD_KINDS = {"customer", "project", "contact", "keypoint"}


def expected_status(role, kind, whose):
    if role == "rep" and whose == "other":
        return 404
    if kind in (REASSIGN, ARCHIVE) and role not in {"admin", "lead"}:
        return 403
    if kind == ADMIN and role != "admin":
        return 403
    if kind == WRITE and role == "manager":
        return 403
    return 200


def url_of(url_name, obj, record):
    return reverse(url_name, args=[obj, record.pk] if url_name.startswith("archive:") else [record.pk])


@pytest.mark.parametrize("role", ["admin", "lead", "rep", "manager"])
@pytest.mark.parametrize("whose", ["own", "other"])
@pytest.mark.parametrize(("url_name", "obj", "kind"), SCOPED_PAGES)
def test_scoped_page_status_for_each_role(client_for, users, world, role, whose, url_name, obj, kind):
    client = client_for(users[role])
    response = client.get(url_of(url_name, obj, world[whose][obj]))
    assert response.status_code == expected_status(role, kind, whose)


@pytest.mark.parametrize("role", ["admin", "lead", "rep", "manager"])
@pytest.mark.parametrize(("url_name", "kind"), GLOBAL_PAGES)
def test_global_page_status_for_each_role(client_for, users, world, role, url_name, kind):
    response = client_for(users[role]).get(reverse(url_name))
    assert response.status_code == expected_status(role, kind, "own")


@pytest.mark.parametrize("role", ["admin", "lead", "rep", "manager"])
@pytest.mark.parametrize("url_name", ["accounts:user_edit", "accounts:user_password", "accounts:user_deactivate"])
def test_a_persons_account_pages_are_the_admins(client_for, users, role, url_name):
    someone = UserFactory()
    response = client_for(users[role]).get(reverse(url_name, args=[someone.pk]))
    assert response.status_code == expected_status(role, ADMIN, "own")


# An archived record: out of every rep's scope; found by those who see everything, to read its history
# and (leads and admins) restore it; deleted for good by the admin alone.
ARCHIVED_PAGES = [
    ("audit:customer", "customer", READ),
    ("audit:project", "project", READ),
    ("audit:keypoint", "keypoint", READ),
    ("archive:delete", "customer", ADMIN),
    ("archive:delete", "project", ADMIN),
    ("archive:delete", "contact", ADMIN),
    ("archive:delete", "keypoint", ADMIN),
]


@pytest.mark.parametrize("role", ["admin", "lead", "rep", "manager"])
@pytest.mark.parametrize(("url_name", "obj", "kind"), ARCHIVED_PAGES)
def test_archived_record_page_status_for_each_role(client_for, users, world, role, url_name, obj, kind):
    keypoint_services.customer_archive(customer=world["own"]["customer"], actor=users["lead"])
    response = client_for(users[role]).get(url_of(url_name, obj, world["own"][obj]))
    # Archived, the rep's own customer is theirs no more: the rep is told nothing of it.
    assert response.status_code == expected_status(role, kind, "other" if role == "rep" else "own")


@pytest.mark.parametrize(
    "url",
    ["/customers/", "/customers/new/", "/customers/1/", "/customers/1/edit/", "/projects/1/", "/projects/1/edit/"],
)
def test_anonymous_visitor_is_sent_to_login(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


def test_missing_customer_is_404_for_everyone(client_for, admin):
    assert client_for(admin).get(reverse("customers:detail", args=[999999])).status_code == 404
