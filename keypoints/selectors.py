"""Reads that go beyond scope + filter: time in stage, the project timeline, the ledger."""

from django.db.models import Max, Min, Prefetch, Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from customers.models import ProjectStatus

from .models import NextStepStatus
from .stages import STAGES

SECONDS_PER_DAY = 86400


def stage_days(history, now=None):
    """Days spent selling in each stage, from the project's stage history (time on hold or lost not counted)."""
    now = now or timezone.now()
    seconds = {stage.number: 0.0 for stage in STAGES}
    stage = status = since = None
    for row in history:
        if status == ProjectStatus.OPEN:
            seconds[stage] += (row.at - since).total_seconds()
        stage, status, since = row.to_stage, row.to_status, row.at
    if status == ProjectStatus.OPEN:
        seconds[stage] += (now - since).total_seconds()
    return {number: int(total // SECONDS_PER_DAY) for number, total in seconds.items()}


def stage_path(project, history):
    """The seven steps for the top of the project page: label, days spent, and where the project is."""
    days = stage_days(history)
    visited = {row.to_stage for row in history}
    return [
        {
            "stage": stage,
            "days": days[stage.number],
            "is_current": stage.number == project.stage,
            "is_done": stage.number < project.stage,
            "visited": stage.number in visited,
        }
        for stage in STAGES
    ]


def with_timeline_relations(keypoints):
    """Everything a timeline or ledger row shows, in a fixed number of queries."""
    return keypoints.select_related(
        "author", "next_step_owner", "project__customer__owner", "project__owner"
    ).prefetch_related(Prefetch("our_participants"), Prefetch("customer_participants"))


def open_next_steps(keypoints):
    return keypoints.filter(next_step_status=NextStepStatus.OPEN).order_by("next_step_due", "pk")


def opportunity_rows(projects):
    """The opportunity list's rows: each project with its value, latest key point and nearest open next step."""
    return projects.select_related("customer", "owner").annotate(
        last_keypoint_at=Max("keypoints__occurred_at"),
        # Quiet since the newest key point or, with none yet, since it entered its stage.
        last_activity_at=Coalesce(Max("keypoints__occurred_at"), "stage_entered_at"),
        next_step_due=Min("keypoints__next_step_due", filter=Q(keypoints__next_step_status=NextStepStatus.OPEN)),
        # Once signed, a deal is worth its signed amount; before, the top of its budget.
        value=Coalesce("signed_amount", "budget_max", "budget_min"),
    )
