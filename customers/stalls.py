"""When a project is stalled: open, and silent in its stage for longer than the stage's threshold.

Lists, the project page and the reminders read this one rule. Key points are read by their field
names only (customers sits below keypoints)."""

import datetime
from dataclasses import dataclass

from django.db.models import Case, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

from keypoints.stages import STAGES

from .models import Project, ProjectStatus, StallSetting


def thresholds():
    """Days of silence after which a project in each stage is stalled (0: not checked)."""
    days = {stage.number: stage.default_stall_days for stage in STAGES}
    days.update(StallSetting.objects.values_list("stage", "days"))
    return days


def quiet_since():
    """When a project's silence began: its newest key point in its current stage, or its entry into that
    stage (or its resume) if that is later, so that a project just back from a pause is not stalled by
    the silence before it.

    The newest key point is one probe of the (project, stage, occurred_at) index per project (archived
    key points count, as they always have), rather than a grouping of every key point."""
    keypoints = Project._meta.get_field("keypoints").related_model.all_objects
    newest = keypoints.filter(project=OuterRef("pk"), stage=OuterRef("stage")).order_by("-occurred_at")
    newest_in_stage = Subquery(newest.values("occurred_at")[:1])
    return Greatest("stage_entered_at", Coalesce(newest_in_stage, "stage_entered_at"))


def stalled_condition(now=None, days=None, factor=1):
    """A filter on projects annotated with `quiet_since`: open and silent for over `factor` times their
    stage's threshold."""
    now = now or timezone.now()
    days = thresholds() if days is None else days
    checked = {stage: now - datetime.timedelta(days=factor * limit) for stage, limit in days.items() if limit}
    if not checked:
        return Q(pk__in=[])
    # Each stage's cutoff as one expression, so that the newest key point is asked once per project.
    cutoff = Case(*(When(stage=stage, then=Value(since)) for stage, since in checked.items()))
    # Silence begins no earlier than the stage did: a project that entered its stage since the cutoff
    # cannot be stalled, and the database is not asked for its newest key point.
    return (
        Q(status=ProjectStatus.OPEN, stage__in=list(checked))
        & Q(stage_entered_at__lt=cutoff)
        & Q(quiet_since__lt=cutoff)
    )


def stalled(projects, now=None):
    return projects.annotate(quiet_since=quiet_since()).filter(stalled_condition(now))


@dataclass(frozen=True)
class Stall:
    days: int
    threshold: int

    @property
    def escalated(self):
        return self.days > 2 * self.threshold


def stalls_among(projects, now=None):
    """{project pk: Stall} for the stalled ones among these projects, in two queries whatever their number."""
    now = now or timezone.now()
    days = thresholds()
    rows = projects.annotate(quiet_since=quiet_since()).filter(stalled_condition(now, days))
    return {
        pk: Stall(days=(now - since).days, threshold=days[stage])
        for pk, stage, since in rows.values_list("pk", "stage", "quiet_since")
    }
