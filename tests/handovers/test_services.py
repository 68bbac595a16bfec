"""The hand-over service: what moves, what is recorded, and what is refused."""

import threading
import time

import pytest
from django.db import connection

from customers.models import Customer, HandOver, Project, ProjectMember
from handovers import services
from handovers.selectors import Holdings, Reach, handover_plan
from keypoints.models import KeyPoint, NextStepStatus
from tests.factories import CustomerFactory, KeyPointFactory, ProjectFactory, ProjectMemberFactory, UserFactory

pytestmark = pytest.mark.django_db


def hand_over_all(plan, *, actor, chosen=None, customer_id=None, **kwargs):
    """Confirm a preview as shown: everything it listed, unless told what was ticked."""
    return services.hand_over(
        from_user=plan.from_user,
        to_user=plan.to_user,
        actor=actor,
        reach=plan.reach,
        shown=plan.holdings,
        chosen=plan.holdings if chosen is None else chosen,
        customer_id=customer_id,
        **kwargs,
    )


@pytest.fixture
def deal(rep_customer, rep):
    """rep's customer with rep's project and rep's open next step on it."""
    project = ProjectFactory(customer=rep_customer, owner=rep, name="MES 升级")
    KeyPointFactory(project=project, next_step="提交方案")
    return project


def single_plan(customer, to_user):
    return handover_plan(from_user=customer.owner, to_user=to_user, reach=Reach.CUSTOMER, customer_id=customer.pk)


def test_single_hand_over_moves_customer_projects_and_open_next_steps_and_records_it(
    lead, rep, other_rep, rep_customer, deal
):
    plan = single_plan(rep_customer, other_rep)
    step = deal.keypoints.get()

    [record] = hand_over_all(plan, actor=lead, customer_id=rep_customer.pk, note="李明调岗")

    assert Customer.objects.get(pk=rep_customer.pk).owner == other_rep
    assert Project.objects.get(pk=deal.pk).owner == other_rep
    assert KeyPoint.objects.get(pk=step.pk).next_step_owner == other_rep
    record = HandOver.objects.get()
    assert (record.customer, record.from_user, record.to_user, record.actor) == (rep_customer, rep, other_rep, lead)
    assert record.customer_moved and record.note == "李明调岗"
    assert record.moved == {
        "projects": [[deal.pk, "MES 升级"]],
        "next_steps": [[step.pk, "提交方案"]],
        "team_places": [],
    }


def test_unticked_project_and_next_step_stay_with_the_old_owner(lead, rep, other_rep, rep_customer, deal):
    kept = ProjectFactory(customer=rep_customer, owner=rep)
    kept_step = KeyPointFactory(project=kept)
    plan = single_plan(rep_customer, other_rep)
    chosen = Holdings(
        customers=plan.holdings.customers,
        projects=frozenset({deal.pk}),
        next_steps=plan.holdings.next_steps - {kept_step.pk},
    )

    [record] = hand_over_all(plan, actor=lead, chosen=chosen, customer_id=rep_customer.pk)

    assert Project.objects.get(pk=kept.pk).owner == rep
    assert KeyPoint.objects.get(pk=kept_step.pk).next_step_owner == rep
    assert Project.objects.get(pk=deal.pk).owner == other_rep
    assert [pk for pk, _name in record.moved["projects"]] == [deal.pk]


def test_done_next_steps_and_other_peoples_are_not_listed(lead, rep, other_rep, rep_customer, deal):
    done = KeyPointFactory(project=deal)
    KeyPoint.objects.filter(pk=done.pk).update(next_step_status=NextStepStatus.DONE)
    theirs = KeyPointFactory(project=deal, next_step_owner=other_rep)
    plan = single_plan(rep_customer, lead)
    assert done.pk not in plan.holdings.next_steps and theirs.pk not in plan.holdings.next_steps
    assert len(plan.holdings.next_steps) == 1


def test_handing_over_to_the_same_person_changes_nothing_and_records_nothing(lead, rep, rep_customer, deal):
    plan = single_plan(rep_customer, rep)
    assert hand_over_all(plan, actor=lead, customer_id=rep_customer.pk) == []
    assert not HandOver.objects.exists()


def test_nothing_chosen_changes_nothing_and_records_nothing(lead, rep, other_rep, rep_customer, deal):
    plan = single_plan(rep_customer, other_rep)
    assert hand_over_all(plan, actor=lead, chosen=Holdings(), customer_id=rep_customer.pk) == []
    assert Customer.objects.get(pk=rep_customer.pk).owner == rep
    assert not HandOver.objects.exists()


@pytest.mark.parametrize(
    "meanwhile",
    [
        pytest.param(lambda customer, rep: ProjectFactory(customer=customer, owner=rep), id="new-project"),
        pytest.param(lambda customer, rep: KeyPointFactory(project=customer.projects.first()), id="new-next-step"),
        pytest.param(
            lambda customer, rep: Customer.objects.filter(pk=customer.pk).update(owner=UserFactory()),
            id="reassigned-by-someone-else",
        ),
        pytest.param(
            lambda customer, rep: KeyPoint.objects.update(next_step_status=NextStepStatus.DONE), id="next-step-done"
        ),
    ],
)
def test_a_stale_preview_is_refused_and_nothing_moves(lead, rep, other_rep, rep_customer, deal, meanwhile):
    plan = single_plan(rep_customer, other_rep)
    meanwhile(rep_customer, rep)
    before = list(Project.objects.order_by("pk").values_list("owner_id", flat=True))

    with pytest.raises(services.StaleHandOver):
        hand_over_all(plan, actor=lead, customer_id=rep_customer.pk)

    assert Customer.objects.get(pk=rep_customer.pk).owner != other_rep
    assert list(Project.objects.order_by("pk").values_list("owner_id", flat=True)) == before
    assert not HandOver.objects.exists()


def test_choosing_something_that_was_not_shown_is_refused(lead, rep, other_rep, rep_customer, deal, other_customer):
    plan = single_plan(rep_customer, other_rep)
    sneaked = ProjectFactory(customer=other_customer, owner=rep)
    chosen = Holdings(customers=plan.holdings.customers, projects=plan.holdings.projects | {sneaked.pk})
    with pytest.raises(services.StaleHandOver):
        hand_over_all(plan, actor=lead, chosen=chosen, customer_id=rep_customer.pk)
    assert Project.objects.get(pk=sneaked.pk).owner == rep


def test_a_recipient_who_can_no_longer_own_customers_is_refused(lead, rep, other_rep, rep_customer, deal):
    plan = single_plan(rep_customer, other_rep)
    type(other_rep).objects.filter(pk=other_rep.pk).update(is_active=False)
    with pytest.raises(services.RecipientUnavailable):
        hand_over_all(plan, actor=lead, customer_id=rep_customer.pk)
    assert Customer.objects.get(pk=rep_customer.pk).owner == rep


def test_a_project_handed_to_one_of_its_team_takes_them_off_the_team(lead, rep, other_rep, rep_customer, deal):
    ProjectMemberFactory(project=deal, user=other_rep)
    hand_over_all(single_plan(rep_customer, other_rep), actor=lead, customer_id=rep_customer.pk)
    assert Project.objects.get(pk=deal.pk).owner == other_rep
    assert not ProjectMember.objects.filter(project=deal, user=other_rep).exists()


def test_bulk_reach_moves_every_owned_customer_but_not_projects_on_other_peoples_customers(lead, rep, other_rep):
    mine = CustomerFactory.create_batch(3, owner=rep)
    deals = [ProjectFactory(customer=customer, owner=rep) for customer in mine]
    elsewhere = ProjectFactory(customer=CustomerFactory(owner=other_rep), owner=rep)
    newcomer = UserFactory(username="newcomer")
    plan = handover_plan(from_user=rep, to_user=newcomer, reach=Reach.OWNED)

    records = hand_over_all(plan, actor=lead)

    assert set(Customer.objects.filter(owner=newcomer)) == set(mine)
    assert set(Project.objects.filter(owner=newcomer)) == set(deals)
    assert Project.objects.get(pk=elsewhere.pk).owner == rep
    assert len(records) == 3 and len({record.batch for record in records}) == 1
    assert all(record.customer_moved for record in records)


def test_everything_reach_moves_projects_next_steps_and_team_places_anywhere(lead, admin, rep, other_rep):
    own = CustomerFactory(owner=rep)
    theirs = CustomerFactory(owner=other_rep)
    project_there = ProjectFactory(customer=theirs, owner=rep, name="外部项目")
    team_project = ProjectFactory(customer=theirs, owner=other_rep, name="团队项目")
    place = ProjectMemberFactory(project=team_project, user=rep)
    step_there = KeyPointFactory(project=team_project, next_step_owner=rep, author=other_rep)
    newcomer = UserFactory(username="newcomer")
    plan = handover_plan(from_user=rep, to_user=newcomer, reach=Reach.EVERYTHING)
    assert plan.holdings == Holdings(
        customers=frozenset({own.pk}),
        projects=frozenset({project_there.pk}),
        next_steps=frozenset({step_there.pk}),
        team_places=frozenset({place.pk}),
    )

    records = {record.customer_id: record for record in hand_over_all(plan, actor=admin)}

    assert Customer.objects.get(pk=own.pk).owner == newcomer
    assert Customer.objects.get(pk=theirs.pk).owner == other_rep
    assert Project.objects.get(pk=project_there.pk).owner == newcomer
    assert ProjectMember.objects.get(pk=place.pk).user == newcomer
    assert KeyPoint.objects.get(pk=step_there.pk).next_step_owner == newcomer
    assert records[own.pk].customer_moved and not records[theirs.pk].customer_moved
    assert records[theirs.pk].moved == {
        "projects": [[project_there.pk, "外部项目"]],
        "next_steps": [[step_there.pk, step_there.next_step]],
        "team_places": [[team_project.pk, "团队项目"]],
    }


@pytest.mark.parametrize("recipient_is", ["project_owner", "team_member"])
def test_a_team_place_is_given_up_where_the_recipient_already_owns_or_sits_on_the_project(
    admin, rep, other_rep, recipient_is
):
    project = ProjectFactory(customer=CustomerFactory(owner=other_rep), owner=other_rep)
    place = ProjectMemberFactory(project=project, user=rep)
    recipient = other_rep
    if recipient_is == "team_member":
        recipient = UserFactory(username="colleague")
        ProjectMemberFactory(project=project, user=recipient)

    hand_over_all(handover_plan(from_user=rep, to_user=recipient, reach=Reach.EVERYTHING), actor=admin)

    assert not ProjectMember.objects.filter(pk=place.pk).exists()
    assert not ProjectMember.objects.filter(project=project, user=rep).exists()
    assert ProjectMember.objects.filter(project=project, user=recipient).count() == (recipient_is == "team_member")


def test_plan_says_who_sees_each_customer_afterwards(lead, rep, other_rep, rep_customer, deal):
    team_project = ProjectFactory(customer=rep_customer, owner=other_rep, name="团队项目")
    ProjectMemberFactory(project=team_project, user=rep)
    newcomer = UserFactory(username="newcomer")

    [part] = single_plan(rep_customer, newcomer).parts

    viewers = {viewer.user: viewer.reasons for viewer in part.viewers_after}
    assert viewers[newcomer] == [("owner", None), ("project_owner", deal)]
    assert viewers[other_rep] == [("project_owner", team_project)]
    assert viewers[rep] == [("team", team_project)]
    assert part.from_user_keeps_link and part.to_user_has_link


def test_plan_says_when_the_old_owner_loses_sight_of_the_customer(rep, other_rep, rep_customer, deal):
    [part] = single_plan(rep_customer, other_rep).parts
    assert not part.from_user_keeps_link
    assert [viewer.user for viewer in part.viewers_after] == [other_rep]


def test_plan_queries_do_not_grow_with_rows(rep, other_rep, django_assert_max_num_queries):
    def grow(count):
        for customer in CustomerFactory.create_batch(count, owner=rep):
            project = ProjectFactory(customer=customer, owner=rep)
            KeyPointFactory(project=project)
            ProjectMemberFactory(project=ProjectFactory(customer=customer, owner=other_rep), user=rep)

    grow(1)
    with django_assert_max_num_queries(12) as few:
        handover_plan(from_user=rep, to_user=other_rep, reach=Reach.EVERYTHING)
    grow(5)
    with django_assert_max_num_queries(len(few.captured_queries)):
        plan = handover_plan(from_user=rep, to_user=other_rep, reach=Reach.EVERYTHING)
    assert len(plan.parts) == 6


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a race needs real row locks: PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_two_confirmations_of_one_preview_at_once_move_it_once(monkeypatch, lead, rep, other_rep, rep_customer, deal):
    plan = single_plan(rep_customer, other_rep)
    checked = services.assignable_owners

    def slow_check():
        # Hold the locks a while after the re-check, so that the two really overlap.
        time.sleep(0.3)
        return checked()

    monkeypatch.setattr(services, "assignable_owners", slow_check)
    start = threading.Barrier(2)
    outcomes = []

    def confirm():
        try:
            start.wait()
            hand_over_all(plan, actor=lead, customer_id=rep_customer.pk)
            outcomes.append("moved")
        except services.StaleHandOver:
            outcomes.append("stale")
        finally:
            connection.close()

    threads = [threading.Thread(target=confirm) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["moved", "stale"]
    assert HandOver.objects.count() == 1
