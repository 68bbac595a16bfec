"""The page of someone who leaves: everything they own or sit on, handed over in one step (admins only)."""

import pytest
from django.contrib import messages
from django.contrib.messages import get_messages
from django.urls import reverse

from customers.models import Customer, HandOver, Project, ProjectMember
from customers.permissions import personal_access, visible_customers
from keypoints.models import KeyPoint
from tests.factories import CustomerFactory, KeyPointFactory, ProjectFactory, ProjectMemberFactory, UserFactory

pytestmark = pytest.mark.django_db


def person_url(person):
    return reverse("handovers:person", args=[person.pk])


def confirmation(plan):
    data = {"to_user": plan.to_user.pk}
    for kind in ("customers", "projects", "next_steps", "team_places"):
        data[kind] = data[f"shown_{kind}"] = sorted(getattr(plan.holdings, kind))
    return data


def snapshot():
    return (
        list(Customer.objects.order_by("pk").values_list("pk", "owner_id")),
        list(Project.objects.order_by("pk").values_list("pk", "owner_id")),
        list(ProjectMember.objects.order_by("pk").values_list("pk", "user_id")),
        list(KeyPoint.objects.order_by("pk").values_list("pk", "next_step_owner_id")),
        HandOver.objects.count(),
    )


@pytest.fixture
def leaver_world(rep, other_rep):
    """rep owns a customer with a project; owns a project and sits on a team on other_rep's customers,
    and holds an open next step on that team's project."""
    own = CustomerFactory(owner=rep, legal_name="自有客户有限公司")
    own_deal = ProjectFactory(customer=own, owner=rep, name="自有项目")
    theirs = CustomerFactory(owner=other_rep, legal_name="他人客户有限公司")
    deal_there = ProjectFactory(customer=theirs, owner=rep, name="他人客户上的项目")
    team_project = ProjectFactory(customer=theirs, owner=other_rep, name="团队项目")
    place = ProjectMemberFactory(project=team_project, user=rep)
    step = KeyPointFactory(project=team_project, next_step_owner=rep, author=other_rep, next_step="寄送样品")
    return {
        "own": own,
        "own_deal": own_deal,
        "theirs": theirs,
        "deal_there": deal_there,
        "team_project": team_project,
        "place": place,
        "step": step,
    }


def test_leaver_page_lists_everything_they_own_or_sit_on(client_for, admin, rep, leaver_world):
    response = client_for(admin).get(person_url(rep))
    assert response.status_code == 200
    page = response.content.decode()
    for text in ("自有客户有限公司", "自有项目", "他人客户上的项目", "团队项目", "寄送样品"):
        assert text in page
    assert 'data-testid="confirm-handover"' not in page  # nothing to confirm before a recipient is chosen


def test_handing_everything_over_leaves_the_person_holding_nothing(client_for, admin, rep, leaver_world):
    newcomer = UserFactory(username="newcomer")
    client = client_for(admin)
    preview = client.get(person_url(rep), {"to_user": newcomer.pk})
    assert 'data-testid="confirm-handover"' in preview.content.decode()
    plan = preview.context["plan"]

    response = client.post(person_url(rep), confirmation(plan))

    assert response.status_code == 302
    world = leaver_world
    assert not visible_customers(rep).exists()
    links = personal_access([world["own"].pk, world["theirs"].pk])
    assert not any(link.user_id == rep.pk for customer_links in links.values() for link in customer_links)
    assert not KeyPoint.objects.filter(next_step_owner=rep, next_step_status="open").exists()
    assert ProjectMember.objects.get(pk=world["place"].pk).user == newcomer
    assert {record.customer for record in HandOver.objects.all()} == {world["own"], world["theirs"]}
    assert HandOver.objects.values("batch").distinct().count() == 1
    assert client.get(person_url(rep)).context["plan"].holdings.customers == frozenset()


def test_the_person_in_the_address_is_the_one_handed_over_whatever_is_posted(
    client_for, admin, rep, other_rep, leaver_world
):
    newcomer = UserFactory(username="newcomer")
    client = client_for(admin)
    plan = client.get(person_url(rep), {"to_user": newcomer.pk}).context["plan"]
    client.post(person_url(rep), {**confirmation(plan), "from_user": other_rep.pk})
    assert Customer.objects.get(pk=leaver_world["theirs"].pk).owner == other_rep
    assert Customer.objects.get(pk=leaver_world["own"].pk).owner == newcomer


def test_a_team_place_added_since_the_preview_makes_the_confirmation_stale(
    client_for, admin, rep, other_rep, leaver_world
):
    newcomer = UserFactory(username="newcomer")
    client = client_for(admin)
    plan = client.get(person_url(rep), {"to_user": newcomer.pk}).context["plan"]
    ProjectMemberFactory(project=ProjectFactory(customer=CustomerFactory(owner=other_rep)), user=rep)
    before = snapshot()
    response = client.post(person_url(rep), confirmation(plan))
    assert response.status_code == 409
    assert snapshot() == before


def test_a_person_who_holds_nothing_is_told_so(client_for, admin, rep):
    client = client_for(admin)
    response = client.get(person_url(rep), {"to_user": UserFactory(username="x").pk})
    assert response.status_code == 200 and 'data-testid="holds-nothing"' in response.content.decode()
    response = client.post(person_url(rep), {"to_user": UserFactory(username="y").pk})
    assert response.status_code == 302
    assert [m.level for m in get_messages(response.wsgi_request)] == [messages.INFO]
    assert not HandOver.objects.exists()


def test_handing_everything_to_the_person_themselves_changes_nothing(client_for, admin, rep, leaver_world):
    client = client_for(admin)
    response = client.get(person_url(rep), {"to_user": rep.pk})
    assert response.context["to_self"] and 'data-testid="confirm-handover"' not in response.content.decode()
    plan = client.get(person_url(rep), {"to_user": UserFactory(username="z").pk}).context["plan"]
    before = snapshot()
    response = client.post(person_url(rep), {**confirmation(plan), "to_user": rep.pk})
    assert response.status_code == 302
    assert [m.level for m in get_messages(response.wsgi_request)] == [messages.INFO]
    assert snapshot() == before


def test_a_deactivated_person_can_still_be_handed_over(client_for, admin, rep, leaver_world):
    type(rep).objects.filter(pk=rep.pk).update(is_active=False)
    newcomer = UserFactory(username="newcomer")
    client = client_for(admin)
    plan = client.get(person_url(rep), {"to_user": newcomer.pk}).context["plan"]
    assert client.post(person_url(rep), confirmation(plan)).status_code == 302
    assert Project.objects.filter(owner=newcomer).count() == 2


def test_missing_person_is_404(client_for, admin):
    assert client_for(admin).get(reverse("handovers:person", args=[999999])).status_code == 404


@pytest.mark.parametrize(("role", "status"), [("admin", 200), ("lead", 403), ("rep", 403), ("manager", 403)])
def test_leaver_page_for_each_role(client_for, users, other_rep, role, status):
    assert client_for(users[role]).get(person_url(other_rep)).status_code == status


@pytest.mark.parametrize(("role", "status"), [("admin", 302), ("lead", 403), ("rep", 403), ("manager", 403)])
def test_confirming_on_the_leaver_page_for_each_role(client_for, users, leaver_world, role, status):
    leaver = UserFactory(username="leaver")
    customer = CustomerFactory(owner=leaver)
    data = {"to_user": users["rep"].pk, "customers": [customer.pk], "shown_customers": [customer.pk]}
    before = snapshot()
    response = client_for(users[role]).post(person_url(leaver), data)
    assert response.status_code == status
    if status == 302:
        assert Customer.objects.get(pk=customer.pk).owner == users["rep"]
    else:
        assert snapshot() == before


@pytest.mark.parametrize(("role", "status"), [("admin", 302), ("lead", 403), ("rep", 403), ("manager", 403)])
def test_someone_leaving_form_leads_admins_to_the_persons_page(client_for, users, other_rep, role, status):
    response = client_for(users[role]).get(reverse("handovers:person_pick"), {"person": other_rep.pk})
    assert response.status_code == status
    if status == 302:
        assert response["Location"] == person_url(other_rep)


def test_someone_leaving_form_without_a_person_goes_back_with_a_message(client_for, admin):
    response = client_for(admin).get(reverse("handovers:person_pick"), {"person": "nobody"})
    assert response.status_code == 302 and response["Location"] == reverse("handovers:bulk")
    assert [m.level for m in get_messages(response.wsgi_request)] == [messages.ERROR]


def test_bulk_page_offers_the_leaver_page_to_admins_only(client_for, admin, lead):
    assert 'action="/handovers/person/"' in client_for(admin).get(reverse("handovers:bulk")).content.decode()
    assert 'action="/handovers/person/"' not in client_for(lead).get(reverse("handovers:bulk")).content.decode()


def test_leaver_pages_do_not_grow_queries_with_rows(client_for, admin, rep, other_rep, django_assert_max_num_queries):
    def grow(person, count):
        for _ in range(count):
            own = CustomerFactory(owner=person)
            KeyPointFactory(project=ProjectFactory(customer=own, owner=person))
            team_project = ProjectFactory(customer=CustomerFactory(owner=other_rep), owner=other_rep)
            ProjectMemberFactory(project=team_project, user=person)
            KeyPointFactory(project=team_project, next_step_owner=person, author=other_rep)

    newcomer = UserFactory(username="newcomer")
    client = client_for(admin)
    grow(rep, 1)
    with django_assert_max_num_queries(25) as few:
        client.get(person_url(rep), {"to_user": newcomer.pk})
    grow(rep, 6)
    with django_assert_max_num_queries(len(few.captured_queries)):
        plan = client.get(person_url(rep), {"to_user": newcomer.pk}).context["plan"]
    assert len(plan.holdings.team_places) == 7

    small_leaver = UserFactory(username="small")
    grow(small_leaver, 1)
    small = client.get(person_url(small_leaver), {"to_user": newcomer.pk}).context["plan"]
    with django_assert_max_num_queries(40) as few_posted:
        client.post(person_url(small_leaver), confirmation(small))
    with django_assert_max_num_queries(len(few_posted.captured_queries)):
        assert client.post(person_url(rep), confirmation(plan)).status_code == 302


def test_someone_leaving_form_does_not_grow_queries_with_people(client_for, admin, rep, django_assert_max_num_queries):
    client = client_for(admin)
    with django_assert_max_num_queries(10) as few:
        client.get(reverse("handovers:person_pick"), {"person": rep.pk})
    UserFactory.create_batch(10)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(reverse("handovers:person_pick"), {"person": rep.pk}).status_code == 302
    with django_assert_max_num_queries(20) as few_page:
        client.get(reverse("handovers:bulk"))
    UserFactory.create_batch(10)
    with django_assert_max_num_queries(len(few_page.captured_queries)):
        assert client.get(reverse("handovers:bulk")).status_code == 200
