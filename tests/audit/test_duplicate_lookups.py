"""The duplicate check's answers about customers outside the asker's scope, in the admin's audit log."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.registry import KINDS, visible_history
from tests.factories import CustomerFactory, DuplicateLookupFactory, KeyPointFactory, ProjectFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def lookups(client_for, rep, other_rep, rep_customer, other_customer):
    """Each rep asks the check about the other's customer, through the new-customer form."""
    form = {"industry": "other", "tier": "normal"}
    client_for(rep).post(reverse("customers:create"), {**form, "legal_name": other_customer.legal_name})
    client_for(other_rep).post(
        reverse("customers:create"), {**form, "legal_name": "随便一家有限公司", "credit_code": rep_customer.credit_code}
    )


def log(client, **query):
    response = client.get(reverse("audit:log"), query)
    assert response.status_code == 200
    return response


def test_the_audit_log_lists_a_lookup_with_who_asked_what_and_whom_it_named(
    client_for, admin, rep, other_rep, other_customer, lookups
):
    response = log(client_for(admin), kind="lookup", user=rep.pk)

    [entry] = response.context["page"].object_list
    assert entry.kind.key == "lookup" and entry.user == rep
    assert entry.record == other_customer.legal_name
    assert entry.url == reverse("customers:detail", args=[other_customer.pk])
    shown = {change.label: change.after for change in entry.changes}
    assert other_customer.legal_name in shown.values() and str(other_rep) in shown.values()
    page = response.content.decode()
    assert str(rep) in page and str(other_rep) in page and other_customer.legal_name in page


def test_the_audit_log_filters_lookups_by_kind_person_and_date(client_for, admin, rep, other_rep, lookups):
    client = client_for(admin)
    today = timezone.localdate()
    tomorrow = (today + datetime.timedelta(days=1)).isoformat()
    yesterday = (today - datetime.timedelta(days=1)).isoformat()

    everything = log(client).context["page"].object_list
    only_lookups = log(client, kind="lookup").context["page"].object_list
    by_other_rep = log(client, kind="lookup", user=other_rep.pk).context["page"].object_list
    from_today = log(client, kind="lookup", date_from=today.isoformat(), date_to=today.isoformat()).context["page"]
    from_tomorrow = log(client, kind="lookup", date_from=tomorrow).context["page"]
    until_yesterday = log(client, date_to=yesterday).context["page"]

    assert sum(entry.kind.key == "lookup" for entry in everything) == 2
    assert {entry.kind.key for entry in only_lookups} == {"lookup"} and len(only_lookups) == 2
    assert [entry.user for entry in by_other_rep] == [other_rep]
    assert by_other_rep[0].row.credit_code
    assert from_today.paginator.count == 2
    assert from_tomorrow.paginator.count == 0
    assert until_yesterday.paginator.count == 0


def test_a_lookup_of_a_deleted_customer_still_reads(client_for, admin, other_customer, lookups):
    name = other_customer.legal_name
    other_customer.delete()

    entries = log(client_for(admin), kind="lookup").context["page"].object_list

    deleted = [entry for entry in entries if entry.record == name]
    assert len(deleted) == 1 and deleted[0].url == ""


def test_the_audit_log_costs_the_same_queries_however_many_lookups(
    client_for, admin, rep, rep_customer, lookups, django_assert_max_num_queries
):
    client = client_for(admin)
    KeyPointFactory(project=ProjectFactory(customer=rep_customer, owner=rep))
    with django_assert_max_num_queries(40) as few:
        log(client)
    for index in range(15):
        DuplicateLookupFactory(user=UserFactory(), customer=CustomerFactory())
        KeyPointFactory(project=ProjectFactory(customer=rep_customer, owner=rep), summary=f"第 {index} 次跟进")
    with django_assert_max_num_queries(len(few.captured_queries)):
        log(client)


@pytest.mark.parametrize("role", ["rep", "other_rep", "lead", "manager"])
def test_no_one_but_an_admin_reads_the_lookups(client_for, users, role, lookups):
    assert client_for(users[role]).get(reverse("audit:log"), {"kind": "lookup"}).status_code == 403
    assert not visible_history(KINDS["lookup"], users[role]).exists()


@pytest.mark.parametrize("role", ["admin", "rep"])
def test_a_customers_own_history_does_not_list_lookups_of_it(client_for, users, role, rep_customer, lookups):
    response = client_for(users[role]).get(reverse("audit:customer", args=[rep_customer.pk]))

    assert response.status_code == 200
    assert all(entry.kind.key != "lookup" for entry in response.context["page"].object_list)
