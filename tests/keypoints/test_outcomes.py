"""Outcomes: a recorded contract makes a deal signed; delivered deals are completed; the contract rule holds."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from customers.models import LostReason, Project, ProjectStatus
from keypoints import services
from keypoints.models import StageChange
from keypoints.stages import StageNumber
from tests.factories import KeyPointFactory, ProjectMemberFactory

from .test_stage_changes import seen
from .test_stage_forms import FULL_ELEMENTS, common_data

pytestmark = pytest.mark.django_db

CONTRACT = {"contract_number": "HT-2024-031", "signed_amount": Decimal("620000"), "signing_date": date(2024, 4, 18)}


def contract_keypoint(project, **overrides):
    return KeyPointFactory(project=project, stage=StageNumber.CONTRACT, **{**CONTRACT, **overrides})


def at_stage(project, stage, actor):
    """Walk the project to a stage through the services, so its history is real."""
    if stage >= StageNumber.CONTRACT and not project.keypoints.filter(stage=StageNumber.CONTRACT).exists():
        contract_keypoint(project)
    while project.stage < stage:
        services.project_advance_stage(project=project, actor=actor)
    return project


# Signed ------------------------------------------------------------------------------------------


def test_a_recorded_contract_makes_the_project_signed(project, rep):
    assert not project.is_signed
    contract_keypoint(project)
    project.refresh_from_db()
    assert project.is_signed
    assert (project.signed_amount, project.signed_on) == (Decimal("620000"), date(2024, 4, 18))


def test_a_contract_without_its_amount_does_not_sign_the_project(project, rep):
    contract_keypoint(project, signed_amount=None)
    project.refresh_from_db()
    assert (project.signed_amount, project.signed_on) == (None, None)


@pytest.mark.parametrize("missing", ["contract_number", "signing_date"])
def test_a_contract_missing_its_number_or_date_does_not_sign_the_project(project, rep, missing):
    contract_keypoint(project, **{missing: "" if missing == "contract_number" else None})
    project.refresh_from_db()
    assert not project.is_signed


def test_the_newest_contract_gives_the_signed_value(project, rep):
    contract_keypoint(project)
    contract_keypoint(
        project, contract_number="HT-2024-032", signed_amount=Decimal("700000"), signing_date=date(2024, 5, 2)
    )
    project.refresh_from_db()
    assert (project.signed_amount, project.signed_on) == (Decimal("700000"), date(2024, 5, 2))


def test_contracts_written_in_bulk_sign_the_project_once_synced(project, rep):
    # As the import writes key points: in bulk, without the service, then the outcome is synced.
    contract = contract_keypoint(project)
    Project.objects.filter(pk=project.pk).update(signed_amount=None, signed_on=None)
    project.refresh_from_db()
    services.sync_outcome(project)
    project.refresh_from_db()
    assert (project.signed_amount, project.signed_on) == (contract.signed_amount, contract.signing_date)


def test_syncing_writes_only_the_outcome_of_a_project_read_before_a_change(project, rep):
    contract = contract_keypoint(project)
    Project.objects.filter(pk=project.pk).update(signed_amount=None, signed_on=None)
    stale = Project.objects.get(pk=project.pk)
    Project.objects.filter(pk=project.pk).update(name="改过名的项目")
    services.sync_outcome(stale)
    project.refresh_from_db()
    assert (project.name, project.signed_amount) == ("改过名的项目", contract.signed_amount)


def test_of_two_contracts_signed_and_logged_at_the_same_moment_the_later_recorded_counts(project, rep):
    first = contract_keypoint(project)
    contract_keypoint(
        project, contract_number="HT-2024-032", signed_amount=Decimal("700000"), occurred_at=first.occurred_at
    )
    project.refresh_from_db()
    assert project.signed_amount == Decimal("700000")


def test_signed_project_shows_its_signed_amount_instead_of_the_budget(client_for, rep, project):
    contract_keypoint(project)
    html = client_for(rep).get(reverse("projects:detail", args=[project.pk]), HTTP_ACCEPT_LANGUAGE="en").content
    html = html.decode()
    assert 'data-testid="signed-amount">¥620,000' in html
    assert "Expected close date" not in html and "Budget" not in html


def test_unsigned_project_shows_its_budget(client_for, rep, project):
    html = client_for(rep).get(reverse("projects:detail", args=[project.pk]), HTTP_ACCEPT_LANGUAGE="en").content
    assert b"Budget" in html and b"signed-amount" not in html


def test_customer_page_lists_a_signed_deal_at_its_signed_amount(client_for, rep, project):
    contract_keypoint(project)
    html = client_for(rep).get(reverse("customers:detail", args=[project.customer_id]), HTTP_ACCEPT_LANGUAGE="en")
    assert "¥620,000" in html.content.decode()
    assert "¥500,000" not in html.content.decode()


# The contract rule everywhere --------------------------------------------------------------------


def test_editing_the_contract_key_point_to_another_stage_is_refused_past_signing(client_for, rep, project):
    at_stage(project, StageNumber.FULFILMENT, rep)
    keypoint = project.keypoints.get(stage=StageNumber.CONTRACT)
    contact = project.customer.contacts.get()
    data = common_data(project, rep, contact, stage="4", **FULL_ELEMENTS[4])
    response = client_for(rep).post(reverse("keypoints:edit", args=[keypoint.pk]), data)
    assert response.status_code == 400
    keypoint.refresh_from_db()
    assert (keypoint.stage, keypoint.contract_number, keypoint.signed_amount) == (5, "HT-2024-031", Decimal("620000"))
    project.refresh_from_db()
    assert project.is_signed


@pytest.mark.parametrize("field", ["contract_number", "signed_amount", "signing_date"])
def test_blanking_the_contracts_number_amount_or_date_is_refused_past_signing(client_for, rep, project, field):
    at_stage(project, StageNumber.CONTRACT, rep)
    keypoint = project.keypoints.get(stage=StageNumber.CONTRACT)
    contact = project.customer.contacts.get()
    elements = {**FULL_ELEMENTS[5], field: ""}
    response = client_for(rep).post(
        reverse("keypoints:edit", args=[keypoint.pk]), common_data(project, rep, contact, stage="5", **elements)
    )
    assert response.status_code == 400
    keypoint.refresh_from_db()
    assert keypoint.contract_number == "HT-2024-031" and keypoint.signing_date == date(2024, 4, 18)


def test_the_service_refuses_to_edit_away_the_last_contract(project, rep):
    at_stage(project, StageNumber.CONTRACT, rep)
    keypoint = project.keypoints.get(stage=StageNumber.CONTRACT)
    keypoint.stage = StageNumber.NEGOTIATION
    with pytest.raises(ValidationError) as raised:
        services.keypoint_update(keypoint=keypoint, actor=rep, our_participants=[rep], customer_participants=[])
    assert raised.value.code == "contract_required"
    keypoint.refresh_from_db()
    assert keypoint.stage == StageNumber.CONTRACT and keypoint.contract_number == "HT-2024-031"


def test_with_a_second_contract_one_may_be_corrected(project, rep):
    at_stage(project, StageNumber.CONTRACT, rep)
    first = project.keypoints.get(stage=StageNumber.CONTRACT)
    contract_keypoint(project, contract_number="HT-2024-032")
    first.stage = StageNumber.NEGOTIATION
    services.keypoint_update(keypoint=first, actor=rep, our_participants=[rep], customer_participants=[])
    first.refresh_from_db()
    assert first.stage == StageNumber.NEGOTIATION


def test_before_signing_the_contract_key_point_may_change(project, rep):
    keypoint = contract_keypoint(project)
    keypoint.stage = StageNumber.NEGOTIATION
    services.keypoint_update(keypoint=keypoint, actor=rep, our_participants=[rep], customer_participants=[])
    project.refresh_from_db()
    assert not project.is_signed


# Completed ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("stage", [StageNumber.FULFILMENT, StageNumber.AFTER_SALES])
def test_owner_completes_a_delivered_project_with_a_note(client_for, rep, project, stage):
    at_stage(project, stage, rep)
    response = client_for(rep).post(
        reverse("projects:complete", args=[project.pk]), seen(project, note="验收完成，尾款已付")
    )
    assert response.status_code == 302
    project.refresh_from_db()
    assert (project.status, project.status_note) == (ProjectStatus.COMPLETED, "验收完成，尾款已付")
    row = project.stage_history.order_by("-at", "-pk").first()
    assert (row.kind, row.from_status, row.to_status, row.from_stage, row.to_stage, row.reason, row.actor) == (
        StageChange.COMPLETE,
        ProjectStatus.OPEN,
        ProjectStatus.COMPLETED,
        stage,
        stage,
        "验收完成，尾款已付",
        rep,
    )


@pytest.mark.parametrize("stage", [1, 4, 5])
def test_a_project_before_fulfilment_cannot_be_completed(project, rep, stage):
    at_stage(project, stage, rep)
    with pytest.raises(ValidationError) as raised:
        services.project_complete(project=project, actor=rep)
    assert raised.value.code == "not_delivered"
    project.refresh_from_db()
    assert project.status == ProjectStatus.OPEN


def test_a_paused_project_cannot_be_completed(project, rep):
    at_stage(project, StageNumber.FULFILMENT, rep)
    services.project_put_on_hold(project=project, actor=rep, reason="等待验收", resume_on=date(2099, 1, 1))
    with pytest.raises(ValidationError) as raised:
        services.project_complete(project=project, actor=rep)
    assert raised.value.code == "not_open"


@pytest.mark.parametrize(
    ("role", "status"), [("admin", 302), ("lead", 302), ("member", 403), ("manager", 403), ("outsider", 404)]
)
def test_who_may_complete_a_project(client_for, users, rep, project, role, status):
    at_stage(project, StageNumber.FULFILMENT, rep)
    member = ProjectMemberFactory(project=project).user
    user = {"member": member, "outsider": users["other_rep"]}.get(role) or users[role]
    response = client_for(user).post(reverse("projects:complete", args=[project.pk]), seen(project))
    assert response.status_code == status
    project.refresh_from_db()
    assert (project.status == ProjectStatus.COMPLETED) is (status == 302)


def test_completed_and_lost_projects_are_reopened_by_leads_and_admins_only(client_for, users, rep, project):
    at_stage(project, StageNumber.FULFILMENT, rep)
    services.project_complete(project=project, actor=rep)
    for role in ("rep", "manager"):
        response = client_for(users[role]).post(reverse("projects:reopen", args=[project.pk]), seen(project))
        assert response.status_code == 403
    project.refresh_from_db()
    assert project.status == ProjectStatus.COMPLETED
    response = client_for(users["lead"]).post(reverse("projects:reopen", args=[project.pk]), seen(project))
    assert response.status_code == 302
    project.refresh_from_db()
    assert (project.status, project.stage) == (ProjectStatus.OPEN, StageNumber.FULFILMENT)


def test_a_rep_reopens_their_paused_project_but_not_their_lost_one(client_for, rep, project):
    services.project_put_on_hold(project=project, actor=rep, reason="预算冻结", resume_on=date(2099, 1, 1))
    client = client_for(rep)
    assert client.post(reverse("projects:reopen", args=[project.pk]), seen(project)).status_code == 302
    services.project_mark_lost(project=project, actor=rep, lost_reason=LostReason.objects.first())
    project.refresh_from_db()
    assert client.post(reverse("projects:reopen", args=[project.pk]), seen(project)).status_code == 403


def test_project_page_offers_completion_only_when_delivered(client_for, rep, project):
    url = reverse("projects:detail", args=[project.pk])
    assert b'data-testid="complete"' not in client_for(rep).get(url).content
    at_stage(project, StageNumber.FULFILMENT, rep)
    assert b'data-testid="complete"' in client_for(rep).get(url).content


# On hold → lost ----------------------------------------------------------------------------------


def test_a_paused_project_is_marked_lost_directly_keeping_its_stage_clock(project, rep):
    services.project_put_on_hold(project=project, actor=rep, reason="预算冻结", resume_on=date(2099, 1, 1))
    project.refresh_from_db()
    entered = project.stage_entered_at
    reason = LostReason.objects.first()
    row = services.project_mark_lost(project=project, actor=rep, lost_reason=reason, note="项目取消")
    assert (row.kind, row.from_status, row.to_status, row.lost_reason) == (
        StageChange.LOST,
        ProjectStatus.ON_HOLD,
        ProjectStatus.LOST,
        reason,
    )
    project.refresh_from_db()
    assert project.stage_entered_at == entered and project.resume_on is None
    assert [r.kind for r in project.stage_history.order_by("at", "pk")] == ["hold", "lost"]


@pytest.mark.parametrize("status", [ProjectStatus.LOST, ProjectStatus.COMPLETED])
def test_a_closed_project_cannot_be_marked_lost_again(project, rep, status):
    Project.objects.filter(pk=project.pk).update(status=status)
    project.refresh_from_db()
    with pytest.raises(ValidationError) as raised:
        services.project_mark_lost(project=project, actor=rep, lost_reason=LostReason.objects.first())
    assert raised.value.code == "not_open"


def test_the_latest_signing_date_wins_whatever_order_the_contracts_were_logged_in(project, rep):
    contract_keypoint(project, contract_number="HT-B", signing_date=date(2024, 6, 1), signed_amount=Decimal("700000"))
    later_logged = contract_keypoint(project, contract_number="HT-A", signing_date=date(2024, 4, 18))
    later_logged.occurred_at = later_logged.occurred_at + timedelta(hours=1)
    services.keypoint_update(keypoint=later_logged, actor=rep, our_participants=[rep], customer_participants=[])
    project.refresh_from_db()
    assert (project.signed_amount, project.signed_on) == (Decimal("700000"), date(2024, 6, 1))


def test_the_refusal_to_edit_away_the_contract_is_shown_on_the_form(client_for, rep, project):
    at_stage(project, StageNumber.CONTRACT, rep)
    keypoint = project.keypoints.get(stage=StageNumber.CONTRACT)
    contact = project.customer.contacts.get()
    data = common_data(project, rep, contact, stage="4", **FULL_ELEMENTS[4])
    response = client_for(rep).post(reverse("keypoints:edit", args=[keypoint.pk]), data, HTTP_ACCEPT_LANGUAGE="en")
    assert (
        "The project is at or past contract signing: its contract key point must keep its stage, contract number, "
        "signed amount and signing date." in response.content.decode()
    )


def test_on_the_same_signing_date_the_later_event_gives_the_signed_value(project, rep):
    later_event = contract_keypoint(project, contract_number="HT-A", signed_amount=Decimal("650000"))
    later_event.occurred_at = later_event.occurred_at + timedelta(hours=5)
    services.keypoint_update(keypoint=later_event, actor=rep, our_participants=[rep], customer_participants=[])
    contract_keypoint(project, contract_number="HT-B", signed_amount=Decimal("640000"))
    project.refresh_from_db()
    assert project.signed_amount == Decimal("650000")
