"""Every POST URL, every role: who may change (the write lands), who is told nothing (404), who is refused (403).

For each URL the same valid submission is sent as each role. The owner rep, a sales lead and an admin
change something; a rep from outside the customer gets 404 and the manager 403, and for both the
database is exactly as it was.
"""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from customers.models import Contact, Customer, DecisionStep, HandOver, LostReason, Project, ProjectMember
from keypoints import services
from keypoints.models import KeyPoint, StageHistory
from keypoints.stages import StageNumber
from tests.factories import ContactFactory, DecisionStepFactory, KeyPointFactory, ProjectFactory, ProjectMemberFactory

from .keypoints.test_stage_forms import FULL_ELEMENTS, common_data

pytestmark = pytest.mark.django_db

MODELS = [Customer, Contact, Project, ProjectMember, DecisionStep, KeyPoint, StageHistory, HandOver]


def snapshot():
    """Every row of every table a write could touch, as plain values."""
    state = {}
    for model in MODELS:
        state[model.__name__] = sorted(
            tuple(sorted((k, str(v)) for k, v in row.items())) for row in model.objects.values()
        )
    state["participants"] = sorted(KeyPoint.our_participants.through.objects.values_list("keypoint_id", "user_id"))
    return state


@pytest.fixture
def world(rep, rep_customer):
    contact = ContactFactory(customer=rep_customer, name="李工")
    project = ProjectFactory(customer=rep_customer, owner=rep)
    return {
        "customer": rep_customer,
        "contact": contact,
        "project": project,
        "member": ProjectMemberFactory(project=project),
        "step": DecisionStepFactory(project=project, position=1, contact=contact),
        "keypoint": KeyPointFactory(project=project),
    }


def seen(project):
    project.refresh_from_db()
    return {"seen_stage": project.stage, "seen_status": project.status}


def to_fulfilment(world):
    project = world["project"]
    KeyPointFactory(
        project=project,
        stage=StageNumber.CONTRACT,
        contract_number="HT-1",
        signed_amount=Decimal("600000"),
        signing_date=date(2026, 4, 1),
    )
    while project.stage < StageNumber.FULFILMENT:
        services.project_advance_stage(project=project, actor=project.owner)


def lost(world):
    services.project_mark_lost(
        project=world["project"], actor=world["project"].owner, lost_reason=LostReason.objects.first()
    )


def paused(world):
    services.project_put_on_hold(
        project=world["project"], actor=world["project"].owner, reason="预算冻结", resume_on=date(2099, 1, 1)
    )


def customer_data(world):
    return {
        "legal_name": "新客户有限公司",
        "industry": "manufacturing",
        "tier": "normal",
        "owner": world["customer"].owner_id,
    }


def project_data(world):
    owner = world["customer"].owner_id
    return {"name": "新项目", "source": "inbound", "stage": "1", "budget_min": "1", "budget_max": "2", "owner": owner}


def keypoint_data(world):
    contact, project = world["contact"], world["project"]
    return common_data(project, project.owner, contact, **FULL_ELEMENTS[project.stage])


def member_data(world):
    from tests.factories import UserFactory

    return {"user": UserFactory(username="consultant").pk, "role": "pre_sales", "responsibility": "技术交流"}


# (url name, object the URL takes, set-up of the project's state or None, the valid submission)
POSTS = [
    ("customers:create", None, None, customer_data),
    ("customers:edit", "customer", None, lambda w: {**customer_data(w), "legal_name": "改名客户有限公司"}),
    (
        "customers:contact_create",
        "customer",
        None,
        lambda w: {"name": "王总", "decision_role": "decision_maker", "stance": "neutral"},
    ),
    (
        "customers:contact_edit",
        "contact",
        None,
        lambda w: {"name": "李总工", "decision_role": "influencer", "stance": "supporter"},
    ),
    ("projects:create", "customer", None, project_data),
    (
        "projects:edit",
        "project",
        None,
        lambda w: {"name": "改名项目", "source": "referral", "owner": w["project"].owner_id},
    ),
    ("projects:member_create", "project", None, member_data),
    (
        "projects:member_edit",
        "member",
        None,
        lambda w: {"user": w["member"].user_id, "role": "delivery", "responsibility": "交付"},
    ),
    ("projects:member_remove", "member", None, lambda w: {}),
    ("projects:step_create", "project", None, lambda w: {"position": "2", "name": "财务审核"}),
    ("projects:step_edit", "step", None, lambda w: {"position": "1", "name": "技术评估（改）"}),
    ("projects:step_remove", "step", None, lambda w: {}),
    ("projects:keypoint_create", "project", None, keypoint_data),
    ("keypoints:edit", "keypoint", None, lambda w: {**keypoint_data(w), "summary": "修改后的纪要"}),
    ("keypoints:next_step", "keypoint", None, lambda w: {"done": "1"}),
    ("projects:advance", "project", None, lambda w: {**seen(w["project"]), "confirm": "1"}),
    ("projects:stage_change", "project", None, lambda w: {**seen(w["project"]), "to_stage": "3", "reason": "客户要求"}),
    (
        "projects:lost",
        "project",
        None,
        lambda w: {**seen(w["project"]), "lost_reason": LostReason.objects.first().pk, "note": "竞品"},
    ),
    (
        "projects:hold",
        "project",
        None,
        lambda w: {
            **seen(w["project"]),
            "reason": "等预算",
            "resume_on": (timezone.localdate() + timedelta(days=9)).isoformat(),
        },
    ),
    ("projects:complete", "project", to_fulfilment, lambda w: {**seen(w["project"]), "note": "验收完成"}),
    ("projects:reopen", "project", paused, lambda w: {**seen(w["project"]), "reason": "预算到位"}),
    ("projects:reopen", "project", lost, lambda w: {**seen(w["project"]), "reason": "客户回头"}),
]
IDS = [f"{name}{'-' + setup.__name__ if setup else ''}" for name, _obj, setup, _data in POSTS]
SCOPED = [(post, id_) for post, id_ in zip(POSTS, IDS, strict=True) if post[1] is not None]


def send(client, world, url_name, obj, setup, data):
    if setup:
        setup(world)
    url = reverse(url_name, args=[world[obj].pk] if obj else [])
    return url, data(world)


@pytest.mark.parametrize(("url_name", "obj", "setup", "data"), [p for p, _ in SCOPED], ids=[i for _, i in SCOPED])
def test_outsider_rep_gets_404_and_nothing_changes(client_for, other_rep, world, url_name, obj, setup, data):
    url, payload = send(None, world, url_name, obj, setup, data)
    before = snapshot()
    assert client_for(other_rep).post(url, payload).status_code == 404
    assert snapshot() == before


@pytest.mark.parametrize(("url_name", "obj", "setup", "data"), POSTS, ids=IDS)
def test_manager_gets_403_and_nothing_changes(client_for, manager, world, url_name, obj, setup, data):
    url, payload = send(None, world, url_name, obj, setup, data)
    before = snapshot()
    assert client_for(manager).post(url, payload).status_code == 403
    assert snapshot() == before


def allowed(role, url_name, setup):
    if url_name == "projects:reopen" and setup is lost:
        return role in ("admin", "lead")
    return True


@pytest.mark.parametrize("role", ["admin", "lead", "rep"])
@pytest.mark.parametrize(("url_name", "obj", "setup", "data"), POSTS, ids=IDS)
def test_the_same_submission_changes_something_for_those_allowed(
    client_for, users, world, role, url_name, obj, setup, data
):
    url, payload = send(None, world, url_name, obj, setup, data)
    before = snapshot()
    response = client_for(users[role]).post(url, payload)
    if allowed(role, url_name, setup):
        assert response.status_code == 302, response.content.decode()[-3000:]
        assert snapshot() != before
    else:
        assert response.status_code == 403
        assert snapshot() == before
