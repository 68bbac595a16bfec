"""When a project is stalled: silent in its stage for longer than the stage's threshold.

Lists, the project page and the reminders read this one rule."""

import datetime

from django.db.models import BooleanField, Case, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

from customers.models import ProjectStatus

from .models import KeyPoint, StallSetting
from .stages import STAGES


def thresholds():
    """Days of silence after which a project in each stage is stalled (0: not checked)."""
    days = {stage.number: stage.default_stall_days for stage in STAGES}
    days.update(StallSetting.objects.values_list("stage", "days"))
    return days


def quiet_since():
    """The moment a project's silence began: its newest key point in its current stage, or its entry into
    that stage (or its resume) if that is later, so that a project just back from a pause is not stalled
    by the silence before it."""
    newest_in_stage = (
        KeyPoint.objects.filter(project=OuterRef("pk"), stage=OuterRef("stage"))
        .order_by("-occurred_at")
        .values("occurred_at")[:1]
    )
    return Greatest("stage_entered_at", Coalesce(Subquery(newest_in_stage), "stage_entered_at"))


def stalled_condition(now=None, days=None, factor=1):
    """A filter on projects annotated with `quiet_since`: open and silent for over `factor` times their
    stage's threshold."""
    now = now or timezone.now()
    days = thresholds() if days is None else days
    stalled = Q(pk__in=[])
    for stage, limit in days.items():
        if limit:
            stalled |= Q(stage=stage, quiet_since__lt=now - datetime.timedelta(days=factor * limit))
    return Q(status=ProjectStatus.OPEN) & stalled


def with_stall(projects, now=None):
    """Projects annotated with `quiet_since` and `is_stalled`; `stall_threshold(project)` gives the days."""
    days = thresholds()
    return projects.annotate(quiet_since=quiet_since()).annotate(
        is_stalled=Case(
            When(stalled_condition(now, days), then=Value(True)), default=Value(False), output_field=BooleanField()
        )
    )


def stalled(projects, now=None):
    return projects.annotate(quiet_since=quiet_since()).filter(stalled_condition(now))
