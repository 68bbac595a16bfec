"""Handing one customer, or all of a person's, over: preview, confirm, refusals, who may."""

import pytest
from django.contrib import messages
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from customers.models import Customer, HandOver, Project
from keypoints.models import KeyPoint
from tests.factories import CustomerFactory, KeyPointFactory, ProjectFactory, ProjectMemberFactory, UserFactory

pytestmark = pytest.mark.django_db


def customer_url(customer):
    return reverse("handovers:customer", args=[customer.pk])


def confirmation(plan, *, untick=(), note=""):
    """What the preview page posts when confirmed: every id it showed, each ticked unless untold."""
    data = {"from_user": plan.from_user.pk, "to_user": plan.to_user.pk, "note": note}
    for kind in ("customers", "projects", "next_steps", "team_places"):
        shown = sorted(getattr(plan.holdings, kind))
        data[f"shown_{kind}"] = shown
        data[kind] = [pk for pk in shown if (kind, pk) not in untick]
    return data


def preview(client, url, **params):
    response = client.get(url, params)
    assert response.status_code == 200
    return response.context["plan"]


def message_levels(response):
    return [message.level for message in get_messages(response.wsgi_request)]


def snapshot():
    return (
        list(Customer.objects.order_by("pk").values_list("pk", "owner_id")),
        list(Project.objects.order_by("pk").values_list("pk", "owner_id")),
        list(KeyPoint.objects.order_by("pk").values_list("pk", "next_step_owner_id")),
        HandOver.objects.count(),
    )


@pytest.fixture
def deal(rep_customer, rep):
    project = ProjectFactory(customer=rep_customer, owner=rep, name="MES 升级")
    KeyPointFactory(project=project, next_step="提交技术方案")
    return project


# One customer ----------------------------------------------------------------------------------


def test_preview_shows_projects_next_steps_and_who_will_see_it_and_moves_nothing(
    client_for, lead, rep, other_rep, rep_customer, deal
):
    before = snapshot()
    response = client_for(lead).get(customer_url(rep_customer), {"to_user": other_rep.pk})
    page = response.content.decode()
    assert response.status_code == 200
    assert "MES 升级" in page and "提交技术方案" in page
    assert 'data-testid="viewers-after"' in page and 'data-testid="from-loses"' in page
    assert snapshot() == before


def test_confirming_moves_the_customer_with_what_was_ticked_and_records_it(
    client_for, lead, rep, other_rep, rep_customer, deal
):
    client = client_for(lead)
    plan = preview(client, customer_url(rep_customer), to_user=other_rep.pk)
    response = client.post(customer_url(rep_customer), confirmation(plan, note="李明调岗"))

    assert response.status_code == 302 and response["Location"] == reverse("customers:detail", args=[rep_customer.pk])
    assert Customer.objects.get(pk=rep_customer.pk).owner == other_rep
    assert Project.objects.get(pk=deal.pk).owner == other_rep
    assert deal.keypoints.get().next_step_owner == other_rep
    record = HandOver.objects.get()
    assert (record.from_user, record.to_user, record.actor, record.note) == (rep, other_rep, lead, "李明调岗")
    assert message_levels(response) == [messages.SUCCESS]


def test_old_owner_gets_404_once_nothing_of_theirs_remains_on_the_customer(
    client_for, client, lead, rep, other_rep, rep_customer, deal
):
    assert client_for(rep).get(reverse("customers:detail", args=[rep_customer.pk])).status_code == 200
    lead_client = client_for(lead)
    plan = preview(lead_client, customer_url(rep_customer), to_user=other_rep.pk)
    assert lead_client.post(customer_url(rep_customer), confirmation(plan)).status_code == 302

    rep_client = client_for(rep)
    assert rep_client.get(reverse("customers:detail", args=[rep_customer.pk])).status_code == 404
    assert rep_client.get(reverse("projects:detail", args=[deal.pk])).status_code == 404
    response = rep_client.post(
        reverse("customers:edit", args=[rep_customer.pk]),
        {"legal_name": "被改名", "industry": "other", "tier": "normal"},
    )
    assert response.status_code == 404
    assert Customer.objects.get(pk=rep_customer.pk).legal_name != "被改名"


def test_old_owner_keeps_the_customer_through_a_project_left_unticked(
    client_for, lead, rep, other_rep, rep_customer, deal
):
    client = client_for(lead)
    plan = preview(client, customer_url(rep_customer), to_user=other_rep.pk)
    client.post(customer_url(rep_customer), confirmation(plan, untick={("projects", deal.pk)}))

    assert Project.objects.get(pk=deal.pk).owner == rep
    assert client_for(rep).get(reverse("customers:detail", args=[rep_customer.pk])).status_code == 200


def test_choosing_the_current_owner_says_nothing_changes(client_for, lead, rep, rep_customer, deal):
    client = client_for(lead)
    response = client.get(customer_url(rep_customer), {"to_user": rep.pk})
    assert response.status_code == 200 and response.context["plan"] is None and response.context["already_owner"]

    data = {"from_user": rep.pk, "to_user": rep.pk, "customers": [rep_customer.pk]}
    data["shown_customers"] = [rep_customer.pk]
    response = client.post(customer_url(rep_customer), data)
    assert response.status_code == 302
    assert message_levels(response) == [messages.INFO]  # "Nothing changed: ..."
    assert not HandOver.objects.exists()


def test_a_stale_confirmation_is_refused_moves_nothing_and_shows_the_preview_as_it_is_now(
    client_for, lead, rep, other_rep, rep_customer, deal
):
    client = client_for(lead)
    plan = preview(client, customer_url(rep_customer), to_user=other_rep.pk)
    newer = ProjectFactory(customer=rep_customer, owner=rep, name="新增项目")
    before = snapshot()

    response = client.post(customer_url(rep_customer), confirmation(plan, note="保留的备注"))

    assert response.status_code == 409
    assert snapshot() == before
    page = response.content.decode()
    assert 'data-testid="handover-refused"' in page and "新增项目" in page and "保留的备注" in page
    assert newer.pk in response.context["plan"].holdings.projects


def test_a_confirmation_after_someone_else_handed_the_customer_over_is_refused(
    client_for, lead, admin, rep, other_rep, rep_customer, deal
):
    client = client_for(lead)
    plan = preview(client, customer_url(rep_customer), to_user=other_rep.pk)
    third = UserFactory(username="third")
    Customer.objects.filter(pk=rep_customer.pk).update(owner=third)

    response = client.post(customer_url(rep_customer), confirmation(plan))

    assert response.status_code == 409
    assert Customer.objects.get(pk=rep_customer.pk).owner == third
    assert Project.objects.get(pk=deal.pk).owner == rep


@pytest.mark.parametrize(
    "tamper",
    [
        pytest.param({"projects": ["not-a-number"]}, id="malformed-id"),
        pytest.param({"to_user": "nobody"}, id="nobody"),
        pytest.param({"from_user": "99999999"}, id="unknown-from"),
    ],
)
def test_a_confirmation_that_does_not_hold_together_is_a_400_and_moves_nothing(
    client_for, lead, other_rep, rep_customer, deal, tamper
):
    client = client_for(lead)
    plan = preview(client, customer_url(rep_customer), to_user=other_rep.pk)
    before = snapshot()
    response = client.post(customer_url(rep_customer), {**confirmation(plan), **tamper})
    assert response.status_code == 400
    assert snapshot() == before


def test_a_recipient_deactivated_after_the_preview_is_refused_by_name(client_for, lead, other_rep, rep_customer, deal):
    client = client_for(lead)
    plan = preview(client, customer_url(rep_customer), to_user=other_rep.pk)
    type(other_rep).objects.filter(pk=other_rep.pk).update(is_active=False)
    before = snapshot()
    response = client.post(customer_url(rep_customer), confirmation(plan))
    assert response.status_code == 400
    assert response.context["choice"].has_error("to_user") and response.context["refused"]
    assert snapshot() == before


@pytest.mark.parametrize(
    ("role", "whose", "status"),
    [
        ("admin", "own", 302),
        ("lead", "own", 302),
        ("rep", "own", 403),
        ("rep", "other", 404),
        ("manager", "own", 403),
    ],
)
def test_confirming_a_customer_hand_over_for_each_role(
    client_for, users, rep_customer, other_customer, role, whose, status
):
    customer = rep_customer if whose == "own" else other_customer
    ProjectFactory(customer=customer, owner=customer.owner)
    recipient = UserFactory(username="recipient")
    data = {
        "from_user": customer.owner_id,
        "to_user": recipient.pk,
        "customers": [customer.pk],
        "shown_customers": [customer.pk],
        "projects": list(customer.projects.values_list("pk", flat=True)),
        "shown_projects": list(customer.projects.values_list("pk", flat=True)),
    }
    before = snapshot()
    response = client_for(users[role]).post(customer_url(customer), data)
    assert response.status_code == status
    if status == 302:
        assert Customer.objects.get(pk=customer.pk).owner == recipient
    else:
        assert snapshot() == before


def test_customer_hand_over_pages_do_not_grow_queries_with_rows(
    client_for, lead, rep, other_rep, rep_customer, django_assert_max_num_queries
):
    def grow(count):
        for _ in range(count):
            project = ProjectFactory(customer=rep_customer, owner=rep)
            KeyPointFactory(project=project)
            ProjectMemberFactory(project=project)

    client = client_for(lead)
    grow(1)
    with django_assert_max_num_queries(20) as few:
        client.get(customer_url(rep_customer), {"to_user": other_rep.pk})
    grow(8)
    with django_assert_max_num_queries(len(few.captured_queries)):
        plan = preview(client, customer_url(rep_customer), to_user=other_rep.pk)
    assert len(plan.holdings.projects) == 9

    # The same kinds of rows, one of each: empty kinds cost no query at all.
    other = CustomerFactory(owner=rep)
    KeyPointFactory(project=ProjectFactory(customer=other, owner=rep))
    small = preview(client, customer_url(other), to_user=other_rep.pk)
    with django_assert_max_num_queries(40) as few_posted:
        client.post(customer_url(other), confirmation(small))
    with django_assert_max_num_queries(len(few_posted.captured_queries)):
        assert client.post(customer_url(rep_customer), confirmation(plan)).status_code == 302


# Every customer of a person ----------------------------------------------------------------------


def bulk_url():
    return reverse("handovers:bulk")


def test_bulk_preview_lists_every_customer_of_the_person_and_moves_nothing(client_for, lead, rep, other_rep):
    mine = CustomerFactory.create_batch(3, owner=rep)
    KeyPointFactory(project=ProjectFactory(customer=mine[0], owner=rep))
    before = snapshot()
    plan = preview(client_for(lead), bulk_url(), from_user=rep.pk, to_user=other_rep.pk)
    assert {part.customer for part in plan.parts} == set(mine)
    assert len(plan.holdings.projects) == 1 and len(plan.holdings.next_steps) == 1
    assert snapshot() == before


@pytest.mark.parametrize("role", ["admin", "lead"])
def test_bulk_confirm_moves_the_ticked_customers_with_their_projects_and_next_steps(
    client_for, users, rep, other_rep, role
):
    mine = CustomerFactory.create_batch(3, owner=rep)
    deal = ProjectFactory(customer=mine[0], owner=rep)
    step = KeyPointFactory(project=deal)
    kept = mine[2]
    newcomer = UserFactory(username="newcomer")
    client = client_for(users[role])
    plan = preview(client, bulk_url(), from_user=rep.pk, to_user=newcomer.pk)

    response = client.post(bulk_url(), confirmation(plan, untick={("customers", kept.pk)}))

    assert response.status_code == 302
    assert set(Customer.objects.filter(owner=newcomer)) == {mine[0], mine[1]}
    assert Customer.objects.get(pk=kept.pk).owner == rep
    assert Project.objects.get(pk=deal.pk).owner == newcomer
    assert KeyPoint.objects.get(pk=step.pk).next_step_owner == newcomer
    assert HandOver.objects.count() == 2 and HandOver.objects.values("batch").distinct().count() == 1


def test_bulk_to_the_same_person_says_nothing_would_change(client_for, lead, rep):
    CustomerFactory(owner=rep)
    response = client_for(lead).get(bulk_url(), {"from_user": rep.pk, "to_user": rep.pk})
    assert response.status_code == 400
    assert response.context["choice"].has_error("to_user", "same_person")
    assert response.context["plan"] is None


def test_bulk_confirm_with_nothing_ticked_says_nothing_changed(client_for, lead, rep, other_rep):
    customer = CustomerFactory(owner=rep)
    client = client_for(lead)
    plan = preview(client, bulk_url(), from_user=rep.pk, to_user=other_rep.pk)
    response = client.post(bulk_url(), confirmation(plan, untick={("customers", customer.pk)}))
    assert response.status_code == 302
    assert message_levels(response) == [messages.INFO]  # "Nothing changed: ..."
    assert not HandOver.objects.exists()


def test_bulk_confirm_is_refused_when_the_person_got_another_customer_since_the_preview(
    client_for, lead, rep, other_rep
):
    CustomerFactory(owner=rep)
    client = client_for(lead)
    plan = preview(client, bulk_url(), from_user=rep.pk, to_user=other_rep.pk)
    arrived = CustomerFactory(owner=rep)
    before = snapshot()
    response = client.post(bulk_url(), confirmation(plan))
    assert response.status_code == 409
    assert snapshot() == before
    assert arrived.pk in response.context["plan"].holdings.customers


@pytest.mark.parametrize(("role", "status"), [("admin", 302), ("lead", 302), ("rep", 403), ("manager", 403)])
def test_confirming_a_bulk_hand_over_for_each_role(client_for, users, rep, other_rep, role, status):
    customer = CustomerFactory(owner=other_rep)
    data = {
        "from_user": other_rep.pk,
        "to_user": rep.pk,
        "customers": [customer.pk],
        "shown_customers": [customer.pk],
    }
    before = snapshot()
    response = client_for(users[role]).post(bulk_url(), data)
    assert response.status_code == status
    assert (Customer.objects.get(pk=customer.pk).owner == rep) == (status == 302)
    if status != 302:
        assert snapshot() == before


def test_bulk_pages_do_not_grow_queries_with_rows(client_for, lead, rep, other_rep, django_assert_max_num_queries):
    def grow(count):
        for customer in CustomerFactory.create_batch(count, owner=rep):
            KeyPointFactory(project=ProjectFactory(customer=customer, owner=rep))

    client = client_for(lead)
    grow(1)
    with django_assert_max_num_queries(25) as few:
        client.get(bulk_url(), {"from_user": rep.pk, "to_user": other_rep.pk})
    grow(8)
    with django_assert_max_num_queries(len(few.captured_queries)):
        plan = preview(client, bulk_url(), from_user=rep.pk, to_user=other_rep.pk)
    assert len(plan.parts) == 9

    someone = UserFactory(username="someone")
    KeyPointFactory(project=ProjectFactory(customer=CustomerFactory(owner=someone), owner=someone))
    small = preview(client, bulk_url(), from_user=someone.pk, to_user=other_rep.pk)
    with django_assert_max_num_queries(40) as few_posted:
        client.post(bulk_url(), confirmation(small))
    with django_assert_max_num_queries(len(few_posted.captured_queries)):
        assert client.post(bulk_url(), confirmation(plan)).status_code == 302


# The record on the customer page ----------------------------------------------------------------


def test_customer_page_shows_each_hand_over_who_when_from_to_and_what_moved(
    client_for, lead, rep, other_rep, rep_customer, deal
):
    client = client_for(lead)
    plan = preview(client, customer_url(rep_customer), to_user=other_rep.pk)
    client.post(customer_url(rep_customer), confirmation(plan, note="李明调岗，交由陈静跟进"))
    record = HandOver.objects.get()

    for viewer in (lead, other_rep):
        response = client_for(viewer).get(reverse("customers:detail", args=[rep_customer.pk]))
        assert list(response.context["handovers"]) == [record]
        section = response.content.decode().split('data-testid="handovers"')[1].split("</ol>")[0]
        for text in (str(rep), str(other_rep), str(lead), "MES 升级", "提交技术方案", "李明调岗，交由陈静跟进"):
            assert text in section
        assert timezone.localtime(record.at).strftime("%Y-%m-%d %H:%M") in section


def test_customer_page_without_hand_overs_has_no_hand_over_section(client_for, lead, rep_customer):
    response = client_for(lead).get(reverse("customers:detail", args=[rep_customer.pk]))
    assert 'data-testid="handovers"' not in response.content.decode()
