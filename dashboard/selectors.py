"""The home page's reads: a person's day over their own work, each list in one query."""

import datetime

from django.db import connection
from django.db.models import Count, F, Q, Sum, Window
from django.db.models.functions import Coalesce, RowNumber
from django.utils import timezone

from customers import permissions, stalls
from customers.models import Project, ProjectMember, ProjectStatus
from keypoints import permissions as keypoint_permissions
from keypoints.models import KeyPoint, NextStepStatus
from keypoints.stages import STAGES

LIMIT = 10


def resolved_scope(user, **narrowing):
    """(projects, key points) a user who does not see every customer may read, narrowed by project
    lookups, with the customer rule read once into their projects' ids: the same records as
    visible_projects and visible_keypoints (key points follow their project, archived or not, as
    visible_keypoints does), then read through the project index by every list or figure of the page
    instead of deriving the rule again in each query. None for those who see every customer (their
    scope costs no join) and when the user sees no live project (the scope is then read as it is
    defined, which costs little)."""
    if permissions.sees_every_customer(user):
        return None
    rows = list(
        Project.all_objects.filter(customer__in=permissions.visible_customers(user))
        .filter(**narrowing)
        .values_list("pk", "archived_at")
    )
    live = [pk for pk, archived_at in rows if archived_at is None]
    if not live:
        return None
    return Project.objects.filter(pk__in=live), KeyPoint.objects.filter(project_id__in=[pk for pk, _at in rows])


def own_projects(user, projects=None):
    """The projects that are this person's to move: a rep's own and those on whose team they sit; for
    those who see everything, every project. `projects`: the user's visible projects, if already read."""
    projects = permissions.visible_projects(user) if projects is None else projects
    if permissions.sees_every_customer(user):
        return projects
    return projects.filter(Q(owner=user) | Q(pk__in=ProjectMember.objects.filter(user=user).values("project")))


def stalled_listed(pks, now, thresholds):
    """The stalled projects ranked by these pks, in their order, with what a list shows of them: customer,
    owner and how long quiet. Every stalled project is read to be ranked, so the ranking reads ids alone
    (narrow rows through the sort) and only the few listed are read whole, here."""
    found = Project.objects.filter(pk__in=pks).select_related("customer", "owner").in_bulk()
    listed = [found[pk] for pk in pks if pk in found]
    for project in listed:
        project.stall = stalls.Stall(days=(now - project.quiet_since).days, threshold=thresholds[project.stage])
    return listed


def my_day(user, now=None):
    now = now or timezone.now()
    today = timezone.localdate(now)
    week_end = today + datetime.timedelta(days=7 - today.isoweekday())
    steps = (
        KeyPoint.objects.filter(
            next_step_owner=user, next_step_status=NextStepStatus.OPEN, project__status=ProjectStatus.OPEN
        )
        .select_related("project__customer")
        .order_by("next_step_due", "pk")
    )
    visible = resolved_scope(user)
    projects = own_projects(user, visible[0] if visible else None)
    thresholds = stalls.thresholds()
    ranked = stalls.stalled(projects, now, thresholds).order_by("quiet_since", "pk").values_list("pk", flat=True)
    stalled = stalled_listed(list(ranked[:LIMIT]), now, thresholds)
    return {
        "overdue": list(steps.filter(next_step_due__lt=today)[:LIMIT]),
        "today": list(steps.filter(next_step_due=today)[:LIMIT]),
        "this_week": list(steps.filter(next_step_due__gt=today, next_step_due__lte=week_end)[:LIMIT]),
        "stalled": stalled,
        # What the lists show of a key point: its project, the customer and author (not its participants).
        "incomplete": list(
            KeyPoint.objects.filter(author=user, is_complete=False, project__status=ProjectStatus.OPEN)
            .select_related("project")
            .order_by("-occurred_at", "-pk")[:LIMIT]
        ),
        "latest": list(
            (visible[1] if visible else keypoint_permissions.visible_keypoints(user))
            .select_related("author", "project__customer")
            .order_by("-occurred_at", "-pk")[:LIMIT]
        ),
        "today_date": today,
    }


CARDS_PER_COLUMN = 20


def deal_value():
    """Once signed, a deal is worth its signed amount; before, the top of its budget."""
    return Coalesce("signed_amount", "budget_max", "budget_min")


def pipeline(user, now=None, *, projects=None):
    """The open deals in the user's scope, as seven stage columns: each with its count and value (one
    query for all seven) and its longest-waiting cards first (one query for all seven). `projects`
    narrows the board (the board's filters over the user's visible projects); it defaults to all the
    user may see, and is kept within that scope whatever it holds."""
    now = now or timezone.now()
    open_deals = permissions.visible_projects(user).filter(status=ProjectStatus.OPEN)
    if projects is not None:
        open_deals = open_deals.filter(pk__in=projects.values("pk"))
    totals = {
        row["stage"]: row
        for row in open_deals.order_by().values("stage").annotate(count=Count("*"), value=Sum(deal_value()))
    }
    waiting = ("stage_entered_at", "pk")
    if (
        projects is None
        and permissions.sees_every_customer(user)
        and connection.features.supports_slicing_ordering_in_compound
    ):
        # Every open deal: each column's first cards read from the open deals' (stage, waiting since)
        # index, a few rows per stage, rather than numbering every open deal to keep the first of each.
        # (SQLite cannot limit the parts of a UNION: there, the numbering below.)
        first, *rest = [
            open_deals.filter(stage=stage.number).order_by(*waiting).values("pk")[:CARDS_PER_COLUMN] for stage in STAGES
        ]
        ranked = Project.objects.filter(pk__in=first.union(*rest, all=True)).order_by("stage", *waiting)
    else:
        # A person's own deals, or those a filter keeps: the set is worked out once and numbered per
        # stage (asked per stage instead, the scope or the filter would be worked out seven times).
        position = Window(RowNumber(), partition_by=[F("stage")], order_by=[F(name).asc() for name in waiting])
        ranked = open_deals.annotate(position=position).filter(position__lte=CARDS_PER_COLUMN)
        ranked = ranked.order_by("stage", "position")
    ranked = ranked.select_related("customer", "owner").annotate(value=deal_value())
    cards = {}
    for project in ranked:
        project.days_in_stage = (now - project.stage_entered_at).days
        cards.setdefault(project.stage, []).append(project)
    found = stalls.stalls_among(Project.objects.filter(pk__in=[p.pk for column in cards.values() for p in column]), now)
    for column in cards.values():
        for project in column:
            project.stall = found.get(project.pk)
    return [
        {
            "stage": stage,
            "count": totals.get(stage.number, {}).get("count", 0),
            "value": totals.get(stage.number, {}).get("value"),
            "cards": cards.get(stage.number, []),
        }
        for stage in STAGES
    ]
