"""Every page, every role: who reads (200), who is refused a write (403), who is told nothing (404)."""

import pytest
from django.urls import reverse

from tests.factories import ContactFactory, DecisionStepFactory, ProjectFactory, ProjectMemberFactory

READ, WRITE, REASSIGN = "read", "write", "reassign"


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
        }
    return built


# (url name, object it belongs to or None, kind of page)
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
]
GLOBAL_PAGES = [
    ("customers:list", READ),
    ("customers:create", WRITE),
    ("handovers:bulk", REASSIGN),
]


def expected_status(role, kind, whose):
    if role == "rep" and whose == "other":
        return 404
    if kind == REASSIGN and role not in {"admin", "lead"}:
        return 403
    if kind == WRITE and role == "manager":
        return 403
    return 200


@pytest.mark.parametrize("role", ["admin", "lead", "rep", "manager"])
@pytest.mark.parametrize("whose", ["own", "other"])
@pytest.mark.parametrize(("url_name", "obj", "kind"), SCOPED_PAGES)
def test_scoped_page_status_for_each_role(client_for, users, world, role, whose, url_name, obj, kind):
    client = client_for(users[role])
    response = client.get(reverse(url_name, args=[world[whose][obj].pk]))
    assert response.status_code == expected_status(role, kind, whose)


@pytest.mark.parametrize("role", ["admin", "lead", "rep", "manager"])
@pytest.mark.parametrize(("url_name", "kind"), GLOBAL_PAGES)
def test_global_page_status_for_each_role(client_for, users, world, role, url_name, kind):
    response = client_for(users[role]).get(reverse(url_name))
    assert response.status_code == expected_status(role, kind, "own")


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
