"""Stall state where people look: the opportunity list (and its "stalled only" filter), the customer
list and the ledger, from the same rule the reminders use."""

import datetime

import pytest
from django.utils import timezone

from customers.models import Project, ProjectStatus
from tests.factories import KeyPointFactory, ProjectFactory


def quiet(project, days):
    Project.objects.filter(pk=project.pk).update(stage_entered_at=timezone.now() - datetime.timedelta(days=days))


@pytest.fixture
def deals(rep_customer):
    stalled = ProjectFactory(customer=rep_customer, name="停滞的商机")
    quiet(stalled, 20)
    KeyPointFactory(project=stalled, occurred_at=timezone.now() - datetime.timedelta(days=18))
    fresh = ProjectFactory(customer=rep_customer, name="活跃的商机")
    quiet(fresh, 20)
    KeyPointFactory(project=fresh, occurred_at=timezone.now() - datetime.timedelta(days=2))
    lost = ProjectFactory(customer=rep_customer, name="丢掉的商机", status=ProjectStatus.LOST)
    quiet(lost, 300)
    return {"stalled": stalled, "fresh": fresh, "lost": lost}


def rows(html, marker='data-testid="stall-badge"'):
    return [row for row in html.split("<tr")[1:] if marker in row]


def test_the_opportunity_list_marks_stalled_deals_and_filters_them(client_for, rep, deals):
    client = client_for(rep)
    html = client.get("/projects/").content.decode()
    [row] = rows(html)
    assert "停滞的商机" in row and "停滞 18 天（阈值 14）" in row
    only = client.get("/projects/?stalled=on").content.decode()
    assert "停滞的商机" in only and "活跃的商机" not in only and "丢掉的商机" not in only
    # A lost deal left the pipeline: no days in stage counted for it.
    [lost_row] = [row for row in html.split("<tr")[1:] if "丢掉的商机" in row]
    assert "300" not in lost_row


def test_the_customer_list_counts_stalled_deals(client_for, rep, deals):
    html = client_for(rep).get("/customers/").content.decode()
    [row] = rows(html)
    assert "1 个停滞" in row


def test_the_ledger_marks_records_of_stalled_projects(client_for, rep, deals):
    html = client_for(rep).get("/keypoints/").content.decode()
    [row] = rows(html)
    assert "停滞的商机" in row


def test_lists_keep_a_fixed_number_of_queries_with_stalls(
    client_for, rep, rep_customer, deals, django_assert_max_num_queries
):
    client = client_for(rep)
    counts = {}
    for path in ("/projects/", "/customers/", "/keypoints/"):
        with django_assert_max_num_queries(30) as few:
            client.get(path)
        counts[path] = len(few.captured_queries)
    for _ in range(15):
        project = ProjectFactory(customer=rep_customer)
        quiet(project, 30)
        KeyPointFactory(project=project, occurred_at=timezone.now() - datetime.timedelta(days=25))
    for path, count in counts.items():
        with django_assert_max_num_queries(count):
            assert client.get(path).status_code == 200


def test_the_project_page_says_it_is_stalled_until_a_key_point_is_logged(client_for, rep, deals):
    client = client_for(rep)
    page = client.get(f"/projects/{deals['stalled'].pk}/").content.decode()
    assert "停滞 18 天（阈值 14）" in page and 'data-testid="stall-note"' in page
    assert 'data-testid="stall-badge"' not in client.get(f"/projects/{deals['fresh'].pk}/").content.decode()
    KeyPointFactory(project=deals["stalled"], occurred_at=timezone.now())
    assert 'data-testid="stall-badge"' not in client.get(f"/projects/{deals['stalled'].pk}/").content.decode()
