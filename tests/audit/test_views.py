"""History pages: scoped like the records themselves; the audit log is an admin's."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from customers.models import ProjectMember
from tests.factories import ContactFactory, KeyPointFactory, ProjectFactory, ProjectMemberFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def deal(client_for, rep, rep_customer):
    """rep's customer and project, changed through the pages: a rename, a contact, a team place that
    was removed again, a key point."""
    client = client_for(rep)
    client.post(
        reverse("customers:edit", args=[rep_customer.pk]),
        {"legal_name": "改名客户有限公司", "industry": "manufacturing", "tier": "key", "owner": rep.pk},
    )
    contact = ContactFactory(customer=rep_customer, name="李工")
    project = ProjectFactory(customer=rep_customer, owner=rep, name="MES 升级")
    member = ProjectMemberFactory(project=project, user=UserFactory(username="consultant", display_name="顾问"))
    client.post(reverse("projects:member_remove", args=[member.pk]))
    keypoint = KeyPointFactory(project=project, summary="初次拜访")
    return {"customer": rep_customer, "contact": contact, "project": project, "keypoint": keypoint}


def pages(deal):
    return {
        "customer": reverse("audit:customer", args=[deal["customer"].pk]),
        "project": reverse("audit:project", args=[deal["project"].pk]),
        "keypoint": reverse("audit:keypoint", args=[deal["keypoint"].pk]),
    }


@pytest.mark.parametrize("role", ["rep", "lead", "manager", "admin"])
def test_whoever_reads_the_record_reads_its_history(client_for, users, deal, role):
    client = client_for(users[role])
    for name, url in pages(deal).items():
        assert client.get(url).status_code == 200, name


def test_another_rep_finds_no_history(client_for, other_rep, deal):
    client = client_for(other_rep)
    for name, url in pages(deal).items():
        assert client.get(url).status_code == 404, name


def test_the_customer_history_shows_the_rename_before_and_after(client_for, rep, deal):
    page = client_for(rep).get(pages(deal)["customer"]).content.decode()

    assert "改名客户有限公司" in page
    assert "重点" in page  # the tier's label, not its code
    assert "李工" in page  # its contact's creation


def test_the_project_history_keeps_a_removed_team_place(client_for, rep, deal):
    response = client_for(rep).get(pages(deal)["project"])

    entries = response.context["page"].object_list
    removed = [entry for entry in entries if entry.kind.key == "member" and entry.is_deleted]
    assert len(removed) == 1 and removed[0].row.history_user == rep
    assert "顾问" in removed[0].record
    assert not ProjectMember.objects.filter(project=deal["project"]).exists()
    assert "初次拜访" in response.content.decode()


def test_history_pages_run_the_same_queries_however_long_the_history(
    client_for, rep, deal, django_assert_max_num_queries
):
    client = client_for(rep)
    url = pages(deal)["project"]
    with django_assert_max_num_queries(40) as few:
        client.get(url)
    for index in range(12):
        KeyPointFactory(project=deal["project"], summary=f"第 {index} 次跟进")
        ProjectMemberFactory(project=deal["project"])
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(url)


@pytest.mark.parametrize("role", ["rep", "lead", "manager"])
def test_only_an_admin_reads_the_audit_log(client_for, users, role):
    assert client_for(users[role]).get(reverse("audit:log")).status_code == 403


def test_the_audit_log_lists_every_change_and_filters(client_for, admin, rep, lead, deal):
    client = client_for(admin)

    everything = client.get(reverse("audit:log")).context["page"]
    by_rep = client.get(reverse("audit:log"), {"user": rep.pk}).context["page"]
    contacts = client.get(reverse("audit:log"), {"kind": "contact"}).context["page"]
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    future = client.get(reverse("audit:log"), {"date_from": tomorrow}).context["page"]

    assert everything.paginator.count >= 6
    assert {entry.row.history_user for entry in by_rep.object_list} == {rep}
    assert [entry.kind.key for entry in contacts.object_list] == ["contact"]
    assert future.paginator.count == 0


@pytest.mark.parametrize(
    "query",
    [
        {"user": "x"},
        {"kind": "robot"},
        {"date_from": "2026-13-01"},
        {"date_from": "2026-05-02", "date_to": "2026-05-01"},
    ],
)
def test_an_invalid_audit_filter_answers_400(client_for, admin, query):
    response = client_for(admin).get(reverse("audit:log"), query)

    assert response.status_code == 400
    assert response.context["page"] is None
