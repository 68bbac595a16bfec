"""Every kind of write leaves a history row: who, when, and each field before and after. The writes
are the same valid submissions the permission matrix sends (tests/test_post_matrix.py), as the
customer's own rep."""

import pytest

from customers.models import Contact, Customer, DecisionStep, Project, ProjectMember, ProjectStatus
from handovers.selectors import Reach, handover_plan
from keypoints.models import KeyPoint, NextStepStatus
from tests.factories import CustomerFactory, KeyPointFactory, ProjectFactory, ProjectMemberFactory, UserFactory
from tests.handovers.test_services import hand_over_all
from tests.test_post_matrix import IDS, POSTS, allowed, send, world  # noqa: F401 - world is a fixture

pytestmark = pytest.mark.django_db

CREATED, CHANGED, DELETED = "+", "~", "-"

# url name (and set-up) → (model, what the newest row records: kind of change, field, value after)
EXPECTED = {
    "customers:create": (Customer, CREATED, "legal_name", "新客户有限公司"),
    "customers:edit": (Customer, CHANGED, "legal_name", "改名客户有限公司"),
    "customers:contact_create": (Contact, CREATED, "name", "王总"),
    "customers:contact_edit": (Contact, CHANGED, "name", "李总工"),
    "projects:create": (Project, CREATED, "name", "新项目"),
    "projects:edit": (Project, CHANGED, "name", "改名项目"),
    "projects:member_create": (ProjectMember, CREATED, "role", "pre_sales"),
    "projects:member_edit": (ProjectMember, CHANGED, "role", "delivery"),
    "projects:member_remove": (ProjectMember, DELETED, None, None),
    "projects:step_create": (DecisionStep, CREATED, "name", "财务审核"),
    "projects:step_edit": (DecisionStep, CHANGED, "name", "技术评估（改）"),
    "projects:step_remove": (DecisionStep, DELETED, None, None),
    "projects:keypoint_create": (KeyPoint, None, "summary", None),
    "keypoints:edit": (KeyPoint, CHANGED, "summary", "修改后的纪要"),
    "keypoints:next_step": (KeyPoint, CHANGED, "next_step_status", NextStepStatus.DONE),
    "projects:advance": (Project, CHANGED, "stage", 2),
    "projects:stage_change": (Project, CHANGED, "stage", 3),
    "projects:lost": (Project, CHANGED, "status", ProjectStatus.LOST),
    "projects:hold": (Project, CHANGED, "status", ProjectStatus.ON_HOLD),
    "projects:complete": (Project, CHANGED, "status", ProjectStatus.COMPLETED),
    "projects:reopen": (Project, CHANGED, "status", ProjectStatus.OPEN),
}


def newest_row(model, before_max):
    return model.history.filter(history_id__gt=before_max).order_by("-history_id").first()


@pytest.mark.parametrize(("url_name", "obj", "setup", "data"), POSTS, ids=IDS)
def test_each_write_is_recorded_with_who_and_before_and_after(client_for, rep, lead, world, url_name, obj, setup, data):  # noqa: F811
    model, kind, field, after = EXPECTED[url_name]
    # The customer's rep makes each change, but for reopening a lost deal, which is a lead's.
    person = rep if allowed("rep", url_name, setup) else lead
    url, payload = send(None, world, url_name, obj, setup, data)
    before_max = model.history.order_by("-history_id").values_list("history_id", flat=True).first() or 0

    response = client_for(person).post(url, payload)

    assert response.status_code in (200, 302), response.content[:300]
    row = newest_row(model, before_max)
    assert row is not None, f"{url_name} wrote no history"
    assert row.history_user == person
    if kind == DELETED:
        assert row.history_type == DELETED
        assert not model.objects.filter(pk=row.id).exists()
        return
    if kind == CREATED:
        assert row.history_type == CREATED
        assert getattr(row, field) == after
        return
    if kind is None:  # a new key point: one row, created, with the summary the form sent
        assert (row.history_type, row.summary) == (CREATED, payload[field])
        return
    assert row.history_type == CHANGED
    previous = row.prev_record
    assert getattr(row, field) == after
    assert getattr(previous, field) != after
    assert getattr(model.objects.get(pk=row.id), field) == after


def test_a_hand_over_records_each_move_as_the_actors_change(lead, admin, rep, other_rep):
    own = CustomerFactory(owner=rep)
    theirs = CustomerFactory(owner=other_rep)
    project_there = ProjectFactory(customer=theirs, owner=rep)
    place = ProjectMemberFactory(project=ProjectFactory(customer=theirs, owner=other_rep), user=rep)
    step = KeyPointFactory(project=place.project, next_step_owner=rep, author=other_rep)
    newcomer = UserFactory(username="newcomer")
    plan = handover_plan(from_user=rep, to_user=newcomer, reach=Reach.EVERYTHING)

    hand_over_all(plan, actor=admin)

    for model, pk, field in [
        (Customer, own.pk, "owner_id"),
        (Project, project_there.pk, "owner_id"),
        (ProjectMember, place.pk, "user_id"),
        (KeyPoint, step.pk, "next_step_owner_id"),
    ]:
        row = model.history.filter(id=pk).order_by("-history_id").first()
        assert (row.history_type, row.history_user, row.history_change_reason) == ("~", admin, "handover"), model
        assert (getattr(row.prev_record, field), getattr(row, field)) == (rep.pk, newcomer.pk), model


def test_a_project_handed_to_its_team_member_records_their_place_given_up(lead, rep, other_rep, rep_customer):
    project = ProjectFactory(customer=rep_customer, owner=rep)
    place = ProjectMemberFactory(project=project, user=other_rep)
    plan = handover_plan(from_user=rep, to_user=other_rep, reach=Reach.CUSTOMER, customer_id=rep_customer.pk)

    hand_over_all(plan, actor=lead, customer_id=rep_customer.pk)

    row = ProjectMember.history.filter(id=place.pk).order_by("-history_id").first()
    assert (row.history_type, row.history_user) == ("-", lead)
