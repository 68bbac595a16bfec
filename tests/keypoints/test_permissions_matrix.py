"""Every key-point page, every role: read (200), refused write (403), out of scope (404)."""

import pytest
from django.urls import reverse

from customers.models import ProjectStatus
from tests.factories import KeyPointFactory

READ, WRITE = "read", "write"

# (url name, object the URL takes, kind)
PAGES = [
    ("projects:detail", "project", READ),
    ("projects:timeline", "project", READ),
    ("projects:advance", "project", WRITE),
    ("keypoints:edit", "keypoint", WRITE),
    ("projects:stage_fields", "project", WRITE),
    ("projects:stage_change", "project", WRITE),
    ("projects:lost", "project", WRITE),
    ("projects:hold", "project", WRITE),
    ("projects:reopen", "project", WRITE),
]


@pytest.fixture
def world(project, other_project):
    return {
        "own": {"project": project, "keypoint": KeyPointFactory(project=project)},
        "other": {"project": other_project, "keypoint": KeyPointFactory(project=other_project)},
    }


def expected(role, kind, whose):
    if role == "rep" and whose == "other":
        return 404
    if role == "manager" and kind == WRITE:
        return 403
    return 200


@pytest.mark.parametrize("role", ["admin", "lead", "rep", "manager"])
@pytest.mark.parametrize("whose", ["own", "other"])
@pytest.mark.parametrize(("url_name", "obj", "kind"), PAGES)
def test_keypoint_page_status_for_each_role(client_for, users, world, role, whose, url_name, obj, kind):
    response = client_for(users[role]).get(reverse(url_name, args=[world[whose][obj].pk]))
    assert response.status_code == expected(role, kind, whose)


@pytest.mark.parametrize("role", ["admin", "lead", "rep", "manager"])
@pytest.mark.parametrize("url", ["/keypoints/", "/keypoints/export/?format=csv", "/keypoints/export/?format=xlsx"])
def test_ledger_and_export_are_open_to_every_role_within_scope(client_for, users, world, role, url):
    assert client_for(users[role]).get(url).status_code == 200


@pytest.mark.parametrize("role", ["admin", "lead", "rep", "manager"])
def test_every_role_changes_their_password_page(client_for, users, role):
    assert client_for(users[role]).get(reverse("accounts:password_change")).status_code == 200


@pytest.mark.parametrize(
    "url", ["/keypoints/", "/keypoints/export/?format=csv", "/keypoints/1/edit/", "/projects/1/stage/lost/"]
)
def test_anonymous_visitor_is_sent_to_login(client, db, url):
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_reopen_page_of_an_open_project_explains_instead_of_failing(client_for, rep, project):
    assert project.status == ProjectStatus.OPEN
    response = client_for(rep).post(reverse("projects:reopen", args=[project.pk]), {"reason": ""})
    assert response.status_code == 400
