"""A stage form carries the stage and status it was shown at: a submit against a changed project is refused."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from customers.models import LostReason, ProjectStatus
from keypoints import services
from keypoints.models import StageHistory
from keypoints.stages import StageNumber

from .test_stage_changes import seen

pytestmark = pytest.mark.django_db


def kinds(project):
    return list(StageHistory.objects.filter(project=project).order_by("at", "pk").values_list("kind", flat=True))


def test_advance_sent_twice_moves_one_stage_and_writes_one_row(client_for, rep, project):
    client = client_for(rep)
    shown = seen(project, confirm="1")
    first = client.post(reverse("projects:advance", args=[project.pk]), shown)
    second = client.post(reverse("projects:advance", args=[project.pk]), shown, HTTP_ACCEPT_LANGUAGE="en")
    assert (first.status_code, second.status_code) == (302, 409)
    project.refresh_from_db()
    assert project.stage == StageNumber.NEEDS
    assert kinds(project) == ["advance"]
    html = second.content.decode()
    assert "changed this project at" in html and str(rep) in html


def test_stale_advance_after_a_colleague_marked_it_lost_changes_nothing(client_for, rep, lead, project):
    shown = seen(project, confirm="1")
    services.project_mark_lost(project=project, actor=lead, lost_reason=LostReason.objects.first())
    response = client_for(rep).post(reverse("projects:advance", args=[project.pk]), shown, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 409
    assert str(lead) in response.content.decode()
    project.refresh_from_db()
    assert (project.status, project.stage) == (ProjectStatus.LOST, StageNumber.LEAD)
    assert kinds(project) == ["lost"]


def test_stale_lost_form_is_refused_keeping_the_note_and_naming_who(client_for, rep, lead, project):
    shown = seen(project)
    services.project_advance_stage(project=project, actor=lead)
    data = {**shown, "lost_reason": LostReason.objects.first().pk, "note": "客户改用竞品，价格差 15%"}
    response = client_for(rep).post(reverse("projects:lost", args=[project.pk]), data, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 409
    project.refresh_from_db()
    assert project.status == ProjectStatus.OPEN and kinds(project) == ["advance"]
    form = response.context["form"]
    assert str(lead) in " ".join(form.non_field_errors())
    html = response.content.decode()
    assert "客户改用竞品，价格差 15%" in html
    # The form now carries what is there, so a deliberate second confirm applies.
    assert form.data["seen_stage"] == StageNumber.NEEDS
    resent = client_for(rep).post(reverse("projects:lost", args=[project.pk]), {**data, "seen_stage": 2})
    assert resent.status_code == 302
    project.refresh_from_db()
    assert project.status == ProjectStatus.LOST


def test_stale_hold_after_a_colleague_put_it_on_hold_is_refused(client_for, rep, lead, project):
    shown = seen(project)
    resume = (timezone.localdate() + timedelta(days=30)).isoformat()
    services.project_put_on_hold(
        project=project, actor=lead, reason="预算冻结", resume_on=timezone.localdate() + timedelta(days=10)
    )
    response = client_for(rep).post(
        reverse("projects:hold", args=[project.pk]), {**shown, "reason": "等预算", "resume_on": resume}
    )
    assert response.status_code == 409
    project.refresh_from_db()
    assert project.status_note == "预算冻结" and kinds(project) == ["hold"]


def test_stale_stage_change_is_refused(client_for, rep, lead, project):
    shown = seen(project)
    services.project_advance_stage(project=project, actor=lead)
    response = client_for(rep).post(
        reverse("projects:stage_change", args=[project.pk]), {**shown, "to_stage": "3", "reason": "客户直接要方案"}
    )
    assert response.status_code == 409
    project.refresh_from_db()
    assert project.stage == StageNumber.NEEDS


def test_stale_reopen_is_refused(client_for, rep, lead, project):
    services.project_put_on_hold(
        project=project, actor=rep, reason="预算冻结", resume_on=timezone.localdate() + timedelta(days=10)
    )
    project.refresh_from_db()
    shown = seen(project)
    services.project_reopen(project=project, actor=lead)
    response = client_for(rep).post(reverse("projects:reopen", args=[project.pk]), shown)
    assert response.status_code == 409
    assert kinds(project) == ["hold", "reopen"]


@pytest.mark.parametrize(
    "url_name", ["projects:advance", "projects:stage_change", "projects:lost", "projects:hold", "projects:complete"]
)
@pytest.mark.parametrize(
    "shown", [{}, {"seen_stage": "1"}, {"seen_status": "open"}, {"seen_stage": "x", "seen_status": "open"}]
)
def test_a_stage_form_without_what_it_was_shown_is_refused(client_for, lead, project, url_name, shown):
    data = {**shown, "to_stage": "3", "reason": "x", "lost_reason": LostReason.objects.first().pk, "note": "x"}
    data["resume_on"] = (timezone.localdate() + timedelta(days=5)).isoformat()
    response = client_for(lead).post(reverse(url_name, args=[project.pk]), data)
    assert response.status_code == 400
    project.refresh_from_db()
    assert (project.stage, project.status) == (StageNumber.LEAD, ProjectStatus.OPEN)
    assert kinds(project) == []


@pytest.mark.parametrize(
    "shown", [{}, {"seen_stage": "1"}, {"seen_status": "on_hold"}, {"seen_stage": "x", "seen_status": "on_hold"}]
)
def test_a_reopen_form_without_what_it_was_shown_is_refused(client_for, lead, project, shown):
    services.project_put_on_hold(
        project=project, actor=lead, reason="预算冻结", resume_on=timezone.localdate() + timedelta(days=10)
    )
    response = client_for(lead).post(reverse("projects:reopen", args=[project.pk]), {**shown, "reason": "预算到位"})
    assert response.status_code == 400
    project.refresh_from_db()
    assert project.status == ProjectStatus.ON_HOLD
    assert kinds(project) == ["hold"]


def test_the_service_names_the_last_change_when_refusing(project, rep, lead):
    services.project_advance_stage(project=project, actor=lead)
    with pytest.raises(Exception) as raised:
        services.project_advance_stage(project=project, actor=rep, seen_stage=1, seen_status=ProjectStatus.OPEN)
    assert raised.value.code == "stale"
    assert raised.value.params["actor"] == lead
    assert kinds(project) == ["advance"]


@pytest.mark.parametrize(
    ("seen_stage", "seen_status"),
    [(1, ProjectStatus.ON_HOLD), (2, ProjectStatus.OPEN)],
)
def test_the_service_compares_both_stage_and_status(project, rep, seen_stage, seen_status):
    with pytest.raises(Exception) as raised:
        services.project_advance_stage(project=project, actor=rep, seen_stage=seen_stage, seen_status=seen_status)
    assert raised.value.code == "stale"
    project.refresh_from_db()
    assert project.stage == StageNumber.LEAD
