"""Every refusal of a stage or status service says why in words, in the page's language: the exact
English text, and a Chinese one of its own (the catalogue has it)."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from customers.models import LostReason, Project, ProjectStatus
from keypoints import services
from keypoints.stages import StageNumber
from tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db


def project_at(customer, stage=StageNumber.LEAD, status=ProjectStatus.OPEN):
    project = ProjectFactory(customer=customer)
    Project.objects.filter(pk=project.pk).update(stage=stage, status=status)
    project.refresh_from_db()
    return project


def new_project(customer, stage):
    return Project(customer=customer, name="新项目", source="inbound", stage=stage)


REFUSALS = {
    "start at contract": (
        lambda c, actor: services.project_create(project=new_project(c, StageNumber.CONTRACT), actor=actor),
        "A new project cannot start at or past contract signing: log the contract key point first.",
    ),
    "start later without a reason": (
        lambda c, actor: services.project_create(project=new_project(c, StageNumber.SOLUTION), actor=actor),
        "Say why the project starts past lead acquisition.",
    ),
    "advance past the last stage": (
        lambda c, actor: services.project_advance_stage(project=project_at(c, StageNumber.AFTER_SALES), actor=actor),
        "After-sales maintenance is the last stage.",
    ),
    "change to the same stage": (
        lambda c, actor: services.project_change_stage(
            project=project_at(c, StageNumber.NEEDS), actor=actor, to_stage=StageNumber.NEEDS, reason="x"
        ),
        "The project is already in this stage.",
    ),
    "skip without a reason": (
        lambda c, actor: services.project_change_stage(
            project=project_at(c), actor=actor, to_stage=StageNumber.NEGOTIATION, reason="  "
        ),
        "Say why the project goes back or skips a stage.",
    ),
    "advance a lost project": (
        lambda c, actor: services.project_advance_stage(project=project_at(c, status=ProjectStatus.LOST), actor=actor),
        "The project is lost; reopen it before changing its stage.",
    ),
    "mark a completed project lost": (
        lambda c, actor: services.project_mark_lost(
            project=project_at(c, StageNumber.FULFILMENT, ProjectStatus.COMPLETED),
            actor=actor,
            lost_reason=LostReason.objects.first(),
        ),
        "The project is completed; only an open or paused project can be marked lost.",
    ),
    "pause until yesterday": (
        lambda c, actor: services.project_put_on_hold(
            project=project_at(c),
            actor=actor,
            reason="预算冻结",
            resume_on=timezone.localdate() - datetime.timedelta(1),
        ),
        "The resume date must be in the future.",
    ),
    "complete before fulfilment": (
        lambda c, actor: services.project_complete(project=project_at(c, StageNumber.NEGOTIATION), actor=actor),
        "Only a project in fulfilment or after-sales can be completed.",
    ),
    "reopen an open project": (
        lambda c, actor: services.project_reopen(project=project_at(c), actor=actor, reason="x"),
        "The project is already open.",
    ),
}


@pytest.mark.parametrize("refusal", sorted(REFUSALS))
def test_each_refusal_says_why_in_each_language(rep_customer, lead, refusal):
    act, english = REFUSALS[refusal]
    messages = {}
    for language in ("en", "zh-hans"):
        with translation.override(language):
            with pytest.raises(ValidationError) as refused:
                act(rep_customer, lead)
            messages[language] = refused.value.messages  # read in the language, as a page renders it
    assert messages["en"] == [english]
    assert len(messages["zh-hans"]) == 1 and messages["zh-hans"] != messages["en"]
