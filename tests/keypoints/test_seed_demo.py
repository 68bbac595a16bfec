"""`manage.py seed_demo` builds a sales team's believable year: every stage and outcome, consistent
histories, each role seeing a different picture; and it can run twice."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction
from django.db.models import F, Max
from django.test import override_settings
from django.utils import timezone

from accounts.models import Role
from customers.models import (
    Contact,
    Customer,
    DecisionStep,
    HandOver,
    LostReason,
    Project,
    ProjectMember,
    ProjectStatus,
    Source,
    Tier,
)
from customers.permissions import visible_customers
from keypoints.models import KeyPoint, NextStepStatus, StageChange, StageHistory
from keypoints.selectors import stage_days
from keypoints.stages import StageNumber
from tests.keypoints.test_history_replay import replay

pytestmark = pytest.mark.django_db

MODELS = (get_user_model(), Customer, Contact, Project, DecisionStep, ProjectMember, KeyPoint, StageHistory, HandOver)


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """The demo, built once for this module's tests (it takes seconds) inside a transaction that is
    rolled back after them: each test's own transaction nests in it, and nothing is left behind."""
    fast_hashing = override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])
    with django_db_blocker.unblock(), fast_hashing, transaction.atomic():
        call_command("seed_demo", verbosity=0)
        yield
        transaction.set_rollback(True)


@pytest.fixture
def demo(seeded, db):
    return {user.username: user for user in get_user_model().objects.all()}


def test_seed_demo_creates_the_logins_of_a_sales_team(demo):
    assert {"admin", "lead", "rep1", "rep2", "manager"} <= set(demo)
    roles = [user.role for user in demo.values()]
    assert roles.count(Role.REP) >= 4
    assert {Role.ADMIN, Role.LEAD, Role.MANAGER} <= set(roles)
    assert all(user.check_password("salesrecord-demo") for user in demo.values())
    assert (demo["rep1"].display_name, demo["rep2"].display_name, demo["lead"].display_name) == ("李明", "陈静", "赵强")


def test_seed_demo_prints_the_logins(capsys):
    call_command("seed_demo")
    out = capsys.readouterr().out
    assert "salesrecord-demo" in out and "rep1" in out and "rep4" in out and "manager" in out


def test_seed_demo_is_safe_to_run_twice(demo):
    counts = [model.objects.count() for model in MODELS]
    call_command("seed_demo", verbosity=0)
    assert [model.objects.count() for model in MODELS] == counts


def test_each_role_sees_a_different_picture(demo):
    seen = {name: set(visible_customers(user)) for name, user in demo.items()}
    reps = [name for name, user in demo.items() if user.role == Role.REP]
    assert all(len(seen[name]) >= 3 for name in reps)
    assert seen["rep1"] != seen["rep2"]
    assert seen["admin"] == seen["lead"] == seen["manager"] == set(Customer.objects.all())
    assert not any(c.owner == demo["rep2"] for c in seen["rep1"])
    # rep2 sits on the team of rep1's Ningbo deal.
    ningbo = Customer.objects.get(legal_name="宁波海纳电子科技有限公司")
    assert ningbo.owner == demo["rep1"] and ningbo in seen["rep2"]


def test_customers_span_industries_sources_and_tiers_each_with_contacts(demo):
    customers = Customer.objects.all()
    assert customers.count() >= 30
    assert len({customer.industry for customer in customers}) >= 8
    assert {customer.tier for customer in customers} == set(Tier.values)
    assert set(Project.objects.values_list("source", flat=True)) == set(Source.values)
    assert not customers.filter(contacts=None).exists()
    for customer in customers:
        customer.full_clean()
    for contact in Contact.objects.all():
        contact.full_clean()
    for project in Project.objects.all():
        project.full_clean()


def test_deals_stand_in_every_stage_and_every_status(demo):
    projects = Project.objects.all()
    assert set(projects.values_list("stage", flat=True)) == set(StageNumber.values)
    assert set(projects.values_list("status", flat=True)) == set(ProjectStatus.values)
    signed_open = projects.filter(status=ProjectStatus.OPEN, signed_on__isnull=False)
    assert signed_open.filter(stage=StageNumber.CONTRACT).exists()
    assert signed_open.filter(stage=StageNumber.FULFILMENT).exists()
    assert signed_open.filter(stage=StageNumber.AFTER_SALES).exists()


def test_signed_and_completed_deals_show_their_signed_amount_and_date(demo):
    signed = Project.objects.filter(stage__gte=StageNumber.CONTRACT)
    assert signed.count() >= 6
    for project in signed:
        assert project.signed_amount and project.signed_on, project
        assert project.signed_on <= timezone.localdate()
    completed = Project.objects.filter(status=ProjectStatus.COMPLETED)
    assert completed.count() >= 2
    assert all(p.stage >= StageNumber.FULFILMENT and p.signed_amount and p.status_note for p in completed)
    # Nothing is signed before it reaches contract signing.
    assert not Project.objects.filter(stage__lt=StageNumber.CONTRACT, signed_on__isnull=False).exists()


def test_lost_deals_say_why_and_paused_ones_when_they_resume(demo):
    lost = Project.objects.filter(status=ProjectStatus.LOST)
    assert lost.count() >= 4
    assert all(project.lost_reason and project.status_note for project in lost)
    assert len({project.lost_reason_id for project in lost}) >= 4
    assert set(lost.values_list("lost_reason", flat=True)) <= set(LostReason.objects.values_list("pk", flat=True))

    on_hold = Project.objects.filter(status=ProjectStatus.ON_HOLD)
    assert all(project.resume_on and project.status_note for project in on_hold)
    today = timezone.localdate()
    assert any(project.resume_on < today for project in on_hold)
    assert any(project.resume_on > today for project in on_hold)
    # Only a closed deal keeps a note, a reason or a resume date.
    open_deals = Project.objects.filter(status=ProjectStatus.OPEN)
    assert not open_deals.exclude(status_note="").exists()
    assert not open_deals.filter(lost_reason__isnull=False).exists()
    assert not open_deals.filter(resume_on__isnull=False).exists()


def test_some_open_deals_have_gone_quiet_and_some_next_steps_are_overdue(demo):
    now = timezone.now()
    open_deals = Project.objects.filter(status=ProjectStatus.OPEN).annotate(last=Max("keypoints__occurred_at"))
    quiet = [project for project in open_deals if timedelta(days=21) <= now - project.last <= timedelta(days=60)]
    assert len(quiet) >= 2
    assert any(now - project.last <= timedelta(days=7) for project in open_deals)

    steps = KeyPoint.objects.all()
    today = timezone.localdate()
    assert steps.filter(next_step_status=NextStepStatus.OPEN, next_step_due__lt=today).count() >= 3
    assert steps.filter(next_step_status=NextStepStatus.OPEN, next_step_due__gte=today).exists()
    done = steps.filter(next_step_status=NextStepStatus.DONE)
    assert done.count() > steps.count() / 2
    assert not done.filter(next_step_done_at__isnull=True).exists()
    assert not done.filter(next_step_done_at__gt=now).exists()
    # A lost or completed deal leaves no next step waiting.
    closed = [ProjectStatus.LOST, ProjectStatus.COMPLETED]
    assert not steps.filter(project__status__in=closed, next_step_status=NextStepStatus.OPEN).exists()


def test_key_points_spread_over_the_last_year_mostly_complete(demo):
    now = timezone.now()
    keypoints = KeyPoint.objects.all()
    assert keypoints.count() >= 120
    dates = sorted(keypoints.values_list("occurred_at", flat=True))
    assert dates[-1] <= now
    assert dates[-1] - dates[0] >= timedelta(days=300)
    assert now - dates[0] <= timedelta(days=366)
    # Written at or after the event, not all at the moment of seeding.
    assert not keypoints.filter(created_at__lt=F("occurred_at")).exists()
    assert keypoints.filter(created_at__lt=now - timedelta(days=30)).count() > keypoints.count() / 2

    incomplete = keypoints.filter(is_complete=False).count()
    assert 3 <= incomplete <= keypoints.count() / 5
    assert set(keypoints.values_list("stage", flat=True)) == set(StageNumber.values)


def test_every_deal_has_a_history_that_replays_to_its_stage_and_status(demo):
    now = timezone.now()
    kinds = set()
    for project in Project.objects.prefetch_related("stage_history", "keypoints"):
        history = list(project.stage_history.order_by("at", "pk"))
        rows = [(row.kind, row.from_stage, row.from_status, row.to_stage, row.to_status) for row in history]
        assert replay(rows) == (project.stage, project.status), project
        kinds |= {row.kind for row in history}
        assert history[-1].at <= now
        # The stage clock starts at the last change of stage, or the last reopening.
        entered = [row.at for row in history if row.from_stage != row.to_stage or row.kind == StageChange.REOPEN]
        assert project.stage_entered_at == entered[-1], project
        assert sum(stage_days(history).values()) <= (now - history[0].at).days
        # No record of a stage the deal had not reached when it happened.
        for keypoint in project.keypoints.all():
            assert keypoint.occurred_at >= history[0].at, keypoint
            reached = max(row.to_stage for row in history if row.at <= keypoint.occurred_at)
            assert keypoint.stage <= reached, (project, keypoint)
        if project.stage >= StageNumber.CONTRACT:
            assert project.keypoints.filter(stage=StageNumber.CONTRACT).exclude(contract_number="").exists()
    assert kinds == set(StageChange.values)


def test_teams_decision_chains_and_a_hand_over_tell_who_does_what(demo):
    assert ProjectMember.objects.values("user").distinct().count() >= 3
    assert ProjectMember.objects.filter(project__customer__legal_name="宁波海纳电子科技有限公司", user=demo["rep2"])
    assert DecisionStep.objects.values("project").distinct().count() >= 20
    handover = HandOver.objects.select_related("customer").first()
    assert handover.to_user == handover.customer.owner
    assert handover.moved["projects"]
    # Before the hand-over its records were the previous owner's; after, the new owner's.
    authors = set(
        KeyPoint.objects.filter(project__customer=handover.customer, occurred_at__lt=handover.at).values_list(
            "author", flat=True
        )
    )
    assert authors == {handover.from_user.pk}


def test_the_journeys_start_from_their_facts(demo):
    """What the browser tests rely on."""
    crm = Project.objects.get(name="客户关系平台采购")
    assert (crm.customer.owner.username, crm.stage, crm.status) == ("rep2", StageNumber.LEAD, ProjectStatus.OPEN)
    assert stage_days(crm.stage_history.all())[StageNumber.LEAD] == 6
    assert list(crm.customer.contacts.values_list("name", flat=True)) == ["冯晓"]
    huadong = Customer.objects.get(legal_name="华东精密制造股份有限公司")
    deal = huadong.projects.get()
    assert deal.owner == demo["rep1"] and not huadong.handovers.exists()
    assert deal.keypoints.filter(next_step_owner=demo["rep1"], next_step_status=NextStepStatus.OPEN).exists()
