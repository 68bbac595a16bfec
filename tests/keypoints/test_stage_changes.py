"""Stage changes through one service: each rule, each history row, and the pages that make them."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from customers.models import LostReason, Project, ProjectStatus
from keypoints import services
from keypoints.models import StageChange, StageHistory
from keypoints.stages import StageNumber
from tests.factories import KeyPointFactory

pytestmark = pytest.mark.django_db


def seen(project, **data):
    """What a stage form posts: its fields, and the stage and status the page showed."""
    return {"seen_stage": project.stage, "seen_status": project.status, **data}


def last_history(project):
    return StageHistory.objects.filter(project=project).order_by("-at", "-pk").first()


def test_advance_moves_to_the_next_stage_and_records_who_and_when(project, rep):
    row = services.project_advance_stage(project=project, actor=rep)
    project.refresh_from_db()
    assert project.stage == StageNumber.NEEDS
    assert (row.kind, row.from_stage, row.to_stage, row.actor) == (StageChange.ADVANCE, 1, 2, rep)
    assert abs((row.at - timezone.now()).total_seconds()) < 5


def test_advance_past_the_last_stage_is_refused(project, rep):
    project.stage = StageNumber.AFTER_SALES
    project.save()
    with pytest.raises(ValidationError):
        services.project_advance_stage(project=project, actor=rep)


def test_going_back_needs_a_reason(project, rep):
    project.stage = StageNumber.SOLUTION
    project.save()
    with pytest.raises(ValidationError) as raised:
        services.project_change_stage(project=project, actor=rep, to_stage=2, reason="  ")
    assert raised.value.code == "reason_required"
    row = services.project_change_stage(project=project, actor=rep, to_stage=2, reason="客户要求重新梳理需求")
    assert (row.kind, row.from_stage, row.to_stage, row.reason) == (StageChange.BACK, 3, 2, "客户要求重新梳理需求")


def test_skipping_ahead_needs_a_reason_and_is_recorded_as_a_skip(project, rep):
    row = services.project_change_stage(project=project, actor=rep, to_stage=3, reason="客户直接要求方案")
    assert (row.kind, row.from_stage, row.to_stage) == (StageChange.SKIP, 1, 3)


def test_entering_contract_signing_needs_the_contract_recorded(project, rep):
    project.stage = StageNumber.NEGOTIATION
    project.save()
    with pytest.raises(ValidationError) as raised:
        services.project_advance_stage(project=project, actor=rep)
    assert raised.value.code == "contract_missing"
    KeyPointFactory(project=project, stage=StageNumber.CONTRACT, contract_number="HT-1", signed_amount=620000)
    with pytest.raises(ValidationError):
        services.project_advance_stage(project=project, actor=rep)  # the signing date is still missing
    KeyPointFactory(
        project=project,
        stage=StageNumber.CONTRACT,
        contract_number="HT-1",
        signed_amount=620000,
        signing_date=date.today(),
    )
    services.project_advance_stage(project=project, actor=rep)
    project.refresh_from_db()
    assert project.stage == StageNumber.CONTRACT


def test_skipping_into_contract_signing_also_needs_the_contract(project, rep):
    with pytest.raises(ValidationError):
        services.project_change_stage(project=project, actor=rep, to_stage=6, reason="老客户续约")


def test_mark_lost_keeps_the_reason_and_note(project, rep):
    reason = LostReason.objects.get(name="价格高于竞品")
    row = services.project_mark_lost(project=project, actor=rep, lost_reason=reason, note="竞品低 20%")
    project.refresh_from_db()
    assert (project.status, project.lost_reason, project.status_note) == (ProjectStatus.LOST, reason, "竞品低 20%")
    assert (row.kind, row.lost_reason, row.from_status, row.to_status) == (StageChange.LOST, reason, "open", "lost")


def test_a_lost_project_cannot_change_stage_until_reopened(project, rep):
    services.project_mark_lost(project=project, actor=rep, lost_reason=LostReason.objects.first())
    with pytest.raises(ValidationError):
        services.project_advance_stage(project=project, actor=rep)
    row = services.project_reopen(project=project, actor=rep, reason="客户重新启动采购")
    project.refresh_from_db()
    assert project.status == ProjectStatus.OPEN and project.lost_reason is None
    assert (row.kind, row.from_status, row.to_status) == (StageChange.REOPEN, "lost", "open")
    services.project_advance_stage(project=project, actor=rep)


def test_hold_needs_a_future_resume_date(project, rep):
    with pytest.raises(ValidationError):
        services.project_put_on_hold(project=project, actor=rep, reason="预算冻结", resume_on=timezone.localdate())
    resume = timezone.localdate() + timedelta(days=30)
    row = services.project_put_on_hold(project=project, actor=rep, reason="预算冻结", resume_on=resume)
    project.refresh_from_db()
    assert (project.status, project.resume_on, project.status_note) == (ProjectStatus.ON_HOLD, resume, "预算冻结")
    assert (row.kind, row.resume_on) == (StageChange.HOLD, resume)


def test_only_lost_or_paused_projects_reopen(project, rep):
    with pytest.raises(ValidationError):
        services.project_reopen(project=project, actor=rep)


def test_every_change_leaves_one_history_row(project, rep):
    services.project_advance_stage(project=project, actor=rep)
    services.project_change_stage(project=project, actor=rep, to_stage=1, reason="重新验证意向")
    services.project_put_on_hold(project=project, actor=rep, reason="等预算", resume_on=date.today() + timedelta(3))
    services.project_reopen(project=project, actor=rep)
    kinds = list(StageHistory.objects.filter(project=project).values_list("kind", flat=True))
    assert kinds == ["advance", "back", "hold", "reopen"]


def test_a_new_project_starts_its_history_at_lead(client_for, rep, rep_customer):
    client_for(rep).post(
        reverse("projects:create", args=[rep_customer.pk]), {"name": "新项目", "source": "inbound", "stage": "1"}
    )
    row = StageHistory.objects.get()
    assert (row.kind, row.from_stage, row.to_stage, row.to_status, row.actor) == (
        StageChange.CREATED,
        None,
        1,
        ProjectStatus.OPEN,
        rep,
    )


def test_a_project_started_later_records_the_reason_as_a_skip(client_for, rep, rep_customer):
    response = client_for(rep).post(
        reverse("projects:create", args=[rep_customer.pk]),
        {"name": "新项目", "source": "inbound", "stage": "3", "start_reason": "展会上已看过方案演示"},
    )
    assert response.status_code == 302
    project = Project.objects.get(name="新项目")
    rows = list(project.stage_history.order_by("at", "pk"))
    assert [(r.kind, r.from_stage, r.to_stage, r.reason) for r in rows] == [
        (StageChange.CREATED, None, 1, ""),
        (StageChange.SKIP, 1, 3, "展会上已看过方案演示"),
    ]
    assert project.stage == 3


def test_a_project_started_later_without_a_reason_is_refused(client_for, rep, rep_customer):
    response = client_for(rep).post(
        reverse("projects:create", args=[rep_customer.pk]), {"name": "新项目", "source": "inbound", "stage": "2"}
    )
    assert response.status_code == 400
    assert not Project.objects.filter(name="新项目").exists()
    assert "start_reason" in response.context["form"].errors


@pytest.mark.parametrize("stage", [5, 6, 7])
def test_a_project_cannot_be_created_at_or_past_contract_signing(client_for, rep, rep_customer, stage):
    response = client_for(rep).post(
        reverse("projects:create", args=[rep_customer.pk]),
        {"name": "新项目", "source": "inbound", "stage": str(stage), "start_reason": "老客户"},
    )
    assert response.status_code == 400
    assert not Project.objects.filter(name="新项目").exists()


@pytest.mark.parametrize("stage", [5, 6])
def test_the_create_service_refuses_contract_stages_without_a_contract(rep, rep_customer, stage):
    with pytest.raises(ValidationError) as raised:
        services.project_create(
            project=Project(customer=rep_customer, name="x", source="other", stage=stage), actor=rep, reason="r"
        )
    assert raised.value.code == "contract_missing"
    assert not Project.objects.exists()


def test_the_create_service_needs_a_reason_past_lead(rep, rep_customer):
    with pytest.raises(ValidationError) as raised:
        services.project_create(project=Project(customer=rep_customer, name="x", source="other", stage=2), actor=rep)
    assert raised.value.code == "reason_required"
    assert not Project.objects.exists()


def test_a_project_started_past_lead_is_created_and_skipped_at_one_instant(rep, rep_customer):
    project = services.project_create(
        project=Project(customer=rep_customer, name="x", source="other", stage=3), actor=rep, reason="老客户引荐"
    )
    created, skipped = project.stage_history.order_by("pk")
    assert (created.kind, skipped.kind, skipped.reason) == (StageChange.CREATED, StageChange.SKIP, "老客户引荐")
    # One instant: the project never sat in lead acquisition, so no time is counted there.
    assert created.at == skipped.at


def test_completing_and_reopening_without_words_record_none(rep, lead, project):
    Project.objects.filter(pk=project.pk).update(stage=StageNumber.FULFILMENT)
    services.project_complete(project=Project.objects.get(pk=project.pk), actor=rep)
    project.refresh_from_db()
    assert (project.status, project.status_note) == (ProjectStatus.COMPLETED, "")
    services.project_reopen(project=project, actor=lead)
    completed, reopened = project.stage_history.order_by("pk")
    assert (completed.kind, completed.reason, reopened.kind, reopened.reason) == (
        StageChange.COMPLETE, "", StageChange.REOPEN, "")  # fmt: skip


def test_marking_lost_without_a_note_records_none(rep, project):
    services.project_mark_lost(project=project, actor=rep, lost_reason=LostReason.objects.first())
    project.refresh_from_db()
    row = project.stage_history.get()
    assert (project.status, project.status_note, row.kind, row.reason) == (
        ProjectStatus.LOST, "", StageChange.LOST, "")  # fmt: skip


# The pages ---------------------------------------------------------------------------------------


def test_rep_advances_from_the_project_page(client_for, rep, project):
    response = client_for(rep).post(reverse("projects:advance", args=[project.pk]), seen(project, confirm="1"))
    assert response.status_code == 302
    project.refresh_from_db()
    assert project.stage == 2


def test_advance_refused_by_a_rule_explains_why_and_changes_nothing(client_for, rep, project):
    project.stage = StageNumber.NEGOTIATION
    project.save()
    client = client_for(rep)
    response = client.post(
        reverse("projects:advance", args=[project.pk]), seen(project, confirm="1"), HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 400
    assert "contract number" in response.content.decode()
    project.refresh_from_db()
    assert project.stage == StageNumber.NEGOTIATION


def test_stage_change_page_without_a_reason_is_400(client_for, rep, project):
    response = client_for(rep).post(
        reverse("projects:stage_change", args=[project.pk]), seen(project, to_stage="3", reason="")
    )
    assert response.status_code == 400
    assert "reason" in response.context["form"].errors
    project.refresh_from_db()
    assert project.stage == 1


def test_lost_page_marks_the_project_lost(client_for, rep, project):
    reason = LostReason.objects.first()
    response = client_for(rep).post(
        reverse("projects:lost", args=[project.pk]), seen(project, lost_reason=reason.pk, note="客户预算取消")
    )
    assert response.status_code == 302
    project.refresh_from_db()
    assert project.status == ProjectStatus.LOST


def test_lost_page_offers_only_active_reasons(client_for, rep, project):
    retired = LostReason.objects.create(name="已停用的原因", is_active=False)
    response = client_for(rep).post(reverse("projects:lost", args=[project.pk]), seen(project, lost_reason=retired.pk))
    assert response.status_code == 400
    assert "lost_reason" in response.context["form"].errors


def test_hold_page_with_a_past_date_is_400(client_for, rep, project):
    response = client_for(rep).post(
        reverse("projects:hold", args=[project.pk]), seen(project, reason="等预算", resume_on="2020-01-01")
    )
    assert response.status_code == 400
    assert "resume_on" in response.context["form"].errors
    project.refresh_from_db()
    assert project.status == ProjectStatus.OPEN


STAGE_URLS = ["projects:advance", "projects:stage_change", "projects:lost", "projects:hold", "projects:reopen"]


@pytest.mark.parametrize("url_name", STAGE_URLS)
def test_rep_cannot_change_another_reps_project(client_for, rep, other_project, url_name):
    response = client_for(rep).post(reverse(url_name, args=[other_project.pk]), {"to_stage": "2", "reason": "x"})
    assert response.status_code == 404
    assert not StageHistory.objects.filter(project=other_project).exists()


@pytest.mark.parametrize("url_name", STAGE_URLS)
def test_manager_stage_changes_are_refused(client_for, manager, project, url_name):
    client = client_for(manager)
    assert client.post(reverse(url_name, args=[project.pk]), {"to_stage": "2", "reason": "x"}).status_code == 403
    assert client.get(reverse(url_name, args=[project.pk])).status_code in (403, 405)
    assert not StageHistory.objects.filter(project=project).exists()


@pytest.mark.parametrize("role", ["admin", "lead"])
def test_lead_and_admin_change_any_project(client_for, users, other_project, role):
    response = client_for(users[role]).post(
        reverse("projects:advance", args=[other_project.pk]), seen(other_project, confirm="1")
    )
    assert response.status_code == 302
    other_project.refresh_from_db()
    assert other_project.stage == 2


def test_stage_path_shows_days_in_each_stage(client_for, rep, project):
    start = timezone.now() - timedelta(days=10)
    StageHistory.objects.create(project=project, kind="created", to_stage=1, to_status="open", actor=rep, at=start)
    StageHistory.objects.create(
        project=project,
        kind="advance",
        from_stage=1,
        to_stage=2,
        from_status="open",
        to_status="open",
        actor=rep,
        at=start + timedelta(days=7),
    )
    project.stage = 2
    project.save()
    response = client_for(rep).get(reverse("projects:detail", args=[project.pk]), HTTP_ACCEPT_LANGUAGE="en")
    path = {step["stage"].number: step for step in response.context["stage_path"]}
    assert path[1]["days"] == 7 and path[2]["days"] == 3 and path[3]["visited"] is False
    assert path[2]["is_current"] and path[1]["is_done"]
    html = response.content.decode()
    assert 'data-testid="stage-days-1">7 days' in html


def test_time_on_hold_does_not_count_as_time_in_stage(project, rep):
    from keypoints.selectors import stage_days

    start = timezone.now() - timedelta(days=20)
    rows = [
        StageHistory(kind="created", to_stage=1, to_status="open", at=start),
        StageHistory(kind="hold", to_stage=1, to_status="on_hold", at=start + timedelta(days=5)),
        StageHistory(kind="reopen", to_stage=1, to_status="open", at=start + timedelta(days=15)),
    ]
    assert stage_days(rows, now=start + timedelta(days=20))[1] == 10
