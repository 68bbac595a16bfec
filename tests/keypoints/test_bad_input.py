"""Bad input anywhere gets a 4xx with a message, never a 500, and changes nothing saved."""

import pytest
from django.urls import reverse

from customers.models import Customer, Project
from keypoints.models import KeyPoint, StageHistory
from tests.factories import ContactFactory, DecisionStepFactory, KeyPointFactory, ProjectMemberFactory

pytestmark = pytest.mark.django_db

JUNK = ["", "x" * 5000, "-1", "9" * 40, "\x00", "2026-13-45", "<script>alert(1)</script>", "１２３"]


def write_urls(project, keypoint):
    contact = project.customer.contacts.first()
    member = ProjectMemberFactory(project=project)
    step = DecisionStepFactory(project=project, position=1, contact=contact)
    customer = project.customer
    return [
        reverse("customers:create"),
        reverse("customers:edit", args=[customer.pk]),
        reverse("customers:contact_create", args=[customer.pk]),
        reverse("customers:contact_edit", args=[contact.pk]),
        reverse("projects:create", args=[customer.pk]),
        reverse("projects:edit", args=[project.pk]),
        reverse("projects:member_create", args=[project.pk]),
        reverse("projects:member_edit", args=[member.pk]),
        reverse("projects:step_create", args=[project.pk]),
        reverse("projects:step_edit", args=[step.pk]),
        reverse("projects:keypoint_create", args=[project.pk]),
        reverse("keypoints:edit", args=[keypoint.pk]),
        reverse("projects:stage_change", args=[project.pk]),
        reverse("projects:lost", args=[project.pk]),
        reverse("projects:hold", args=[project.pk]),
    ]


FIELDS = [
    "legal_name",
    "credit_code",
    "industry",
    "employee_count",
    "annual_revenue",
    "tier",
    "owner",
    "name",
    "phone",
    "email",
    "decision_role",
    "stance",
    "source",
    "budget_min",
    "budget_max",
    "expected_close_date",
    "stage",
    "user",
    "role",
    "position",
    "contact",
    "occurred_at",
    "method",
    "our_participants",
    "customer_participants",
    "summary",
    "next_step_owner",
    "next_step_due",
    "price_before",
    "to_stage",
    "reason",
    "lost_reason",
    "resume_on",
    "client_token",
]


def snapshot():
    return [list(model.objects.order_by("pk").values()) for model in (Customer, Project, KeyPoint, StageHistory)]


@pytest.mark.parametrize("junk", JUNK)
def test_junk_in_every_field_of_every_form_is_a_4xx(client_for, lead, project, junk):
    ContactFactory(customer=project.customer)
    keypoint = KeyPointFactory(project=project)
    urls = write_urls(project, keypoint)
    before = snapshot()
    client = client_for(lead)
    for url in urls:
        response = client.post(url, dict.fromkeys(FIELDS, junk))
        assert 400 <= response.status_code < 500, (url, response.status_code)
    assert snapshot() == before


@pytest.mark.parametrize(
    "query",
    [
        "page=abc",
        "page=-5",
        "owner=abc",
        "stage=99",
        "industry=%00",
        "q=" + "x" * 3000,
        "sort=__class__",
        "occurred_from=2026-99-99",
        "customer=1%27%20OR%201=1",
        "overdue=maybe",
    ],
)
@pytest.mark.parametrize("path", ["/customers/", "/keypoints/"])
def test_junk_in_list_filters_is_never_a_500(client_for, rep, project, path, query):
    KeyPointFactory(project=project)
    response = client_for(rep).get(f"{path}?{query}")
    assert response.status_code in (200, 400)


@pytest.mark.parametrize(
    "url",
    ["/customers/99999999999999999999999/", "/projects/99999999999999999999999/", "/keypoints/9" + "9" * 30 + "/edit/"],
)
def test_an_id_too_long_for_the_database_is_404(client_for, lead, url):
    assert client_for(lead).get(url).status_code == 404


@pytest.mark.parametrize("path", ["/customers/?owner=", "/keypoints/?customer=", "/keypoints/?owner="])
def test_a_filter_id_too_long_for_the_database_is_refused(client_for, lead, path):
    response = client_for(lead).get(path + "9" * 40)
    assert response.status_code == 400
    assert response.context["filter"].form.errors
