"""When a project is stalled: open, and silent in its stage for longer than the stage's threshold.

Lists, the project page and the reminders read this one rule. When a project's silence began is its
`quiet_since`, which the database keeps (keypoints/activity.py: customers sits below keypoints)."""

import datetime
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone

from keypoints.stages import STAGES

from .models import ProjectStatus, StallSetting


def thresholds():
    """Days of silence after which a project in each stage is stalled (0: not checked)."""
    days = {stage.number: stage.default_stall_days for stage in STAGES}
    days.update(StallSetting.objects.values_list("stage", "days"))
    return days


def cutoff(now, limit, factor=1):
    """The moment before which silence in a stage of `limit` days (times `factor`) is a stall; None
    when the stage is not checked (a limit of 0)."""
    return now - datetime.timedelta(days=factor * limit) if limit else None


def stalled_condition(now=None, days=None, factor=1):
    """A filter on projects: open and silent for over `factor` times their stage's threshold, that is
    quiet since before their stage's cutoff (Project.quiet_since, kept by the database: see
    keypoints/activity.py). Each stage's part is a range of the open projects' quiet index."""
    now = now or timezone.now()
    days = thresholds() if days is None else days
    stalled = Q(pk__in=[])
    for stage, limit in days.items():
        edge = cutoff(now, limit, factor)
        if edge is not None:
            stalled |= Q(stage=stage, quiet_since__lt=edge)
    return Q(status=ProjectStatus.OPEN) & stalled


def stalled(projects, now=None, days=None):
    """The stalled ones among these projects (each with its `quiet_since`)."""
    return projects.filter(stalled_condition(now, days))


@dataclass(frozen=True)
class Stall:
    days: int
    threshold: int

    @property
    def escalated(self):
        return self.days > 2 * self.threshold


def stalls_among(projects, now=None):
    """{project pk: Stall} for the stalled ones among these projects (a page of rows), in two queries:
    the same rule as `stalled_condition`, each open project's `quiet_since` against its stage's cutoff."""
    now = now or timezone.now()
    days = thresholds()
    rows = projects.filter(status=ProjectStatus.OPEN)
    found = {}
    for pk, stage, since in rows.values_list("pk", "stage", "quiet_since"):
        limit = days.get(stage)
        edge = cutoff(now, limit)
        if edge is not None and since < edge:
            found[pk] = Stall(days=(now - since).days, threshold=limit)
    return found
