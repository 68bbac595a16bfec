"""When a project is stalled: open, and silent in its stage for longer than the stage's threshold.

Lists, the project page and the reminders read this one rule. Key points are read by their field
names only (customers sits below keypoints)."""

import datetime
from dataclasses import dataclass

from django.db.models import OuterRef, Q, Subquery
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

from keypoints.stages import STAGES

from .models import Project, ProjectStatus, StallSetting


def thresholds():
    """Days of silence after which a project in each stage is stalled (0: not checked)."""
    days = {stage.number: stage.default_stall_days for stage in STAGES}
    days.update(StallSetting.objects.values_list("stage", "days"))
    return days


def cutoff(now, limit, factor=1):
    """The moment before which silence in a stage of `limit` days (times `factor`) is a stall; None
    when the stage is not checked (a limit of 0)."""
    return now - datetime.timedelta(days=factor * limit) if limit else None


def _keypoints():
    # Every key point, archived ones too: a project's silence has always been read from all its records.
    return Project._meta.get_field("keypoints").related_model.all_objects


def quiet_since():
    """When a project's silence began: its newest key point in its current stage, or its entry into that
    stage (or its resume) if that is later, so that a project just back from a pause is not stalled by
    the silence before it. One index lookup per project (keypoints' project, stage, occurred_at index)."""
    in_stage = _keypoints().filter(project=OuterRef("pk"), stage=OuterRef("stage")).order_by("-occurred_at")
    newest_in_stage = Subquery(in_stage.values("occurred_at")[:1])
    return Greatest("stage_entered_at", Coalesce(newest_in_stage, "stage_entered_at"))


def stalled_condition(now=None, days=None, factor=1):
    """A filter on projects: open and silent for over `factor` times their stage's threshold, that is
    `quiet_since` before the stage's cutoff: in the stage since before the cutoff, and no key point in
    the stage since. Needs no annotation, so that a count or a membership test reads no more than that."""
    now = now or timezone.now()
    days = thresholds() if days is None else days
    stalled = Q(pk__in=[])
    for stage, limit in days.items():
        edge = cutoff(now, limit, factor)
        if edge is not None:
            # The projects that spoke in this stage since its cutoff: one short range of keypoints' stage,
            # occurred_at index, read once (not once per project).
            spoken = _keypoints().filter(stage=stage, occurred_at__gte=edge).values("project_id")
            stalled |= Q(stage=stage, stage_entered_at__lt=edge) & ~Q(pk__in=spoken)
    return Q(status=ProjectStatus.OPEN) & stalled


def stalled(projects, now=None, days=None):
    """The stalled ones among these projects, annotated with `quiet_since`."""
    return projects.filter(stalled_condition(now, days)).annotate(quiet_since=quiet_since())


@dataclass(frozen=True)
class Stall:
    days: int
    threshold: int

    @property
    def escalated(self):
        return self.days > 2 * self.threshold


def stalls_among(projects, now=None):
    """{project pk: Stall} for the stalled ones among these projects (a page of rows), in two queries.

    The same rule as `stalled_condition`, read the other way round: each open project's `quiet_since`
    (one index lookup per project) against its stage's cutoff. For a page of rows that is a few dozen
    lookups, where the condition reads every key point of each stage since its cutoff (thousands of
    rows, worth it only over all projects at once)."""
    now = now or timezone.now()
    days = thresholds()
    rows = projects.filter(status=ProjectStatus.OPEN).annotate(quiet_since=quiet_since())
    found = {}
    for pk, stage, since in rows.values_list("pk", "stage", "quiet_since"):
        limit = days.get(stage)
        edge = cutoff(now, limit)
        if edge is not None and since < edge:
            found[pk] = Stall(days=(now - since).days, threshold=limit)
    return found
