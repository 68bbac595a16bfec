"""Reads that go beyond scope + filter: time in stage, the project timeline, the ledger, timeliness."""

from django.contrib.auth import get_user_model
from django.core.paginator import Paginator
from django.db.models import Case, Count, F, IntegerField, Max, OuterRef, Prefetch, Q, Subquery, Value, When
from django.db.models.functions import Coalesce, Greatest, NullIf
from django.utils import timezone

from customers.models import Contact, ProjectStatus

from . import timeliness
from .models import KeyPoint, NextStepStatus, StageHistory
from .stages import STAGES, StageNumber, get_stage

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


def with_row_relations(keypoints):
    """Everything a row shows of the key point itself (its people), in a fixed number of queries."""
    return keypoints.select_related("author", "next_step_owner").prefetch_related(
        Prefetch("our_participants"), attended_contacts()
    )


def with_ledger_relations(keypoints):
    """Everything a ledger row shows, its project's customer and owners too."""
    return with_row_relations(keypoints).select_related("project__customer__owner", "project__owner")


def attended_contacts():
    """The contacts who attended, archived ones too: a contact who has left still met us then."""
    return Prefetch("customer_participants", queryset=Contact.all_objects.all())


def ledger_rows(keypoints):
    """The ledger's rows: what a timeline row shows, and how long after its event each was written."""
    return with_ledger_relations(keypoints).annotate(
        recording_delay=timeliness.recording_delay(),
        recorded_on_time=timeliness.recorded_within(timeliness.ON_TIME),
    )


def open_next_steps(keypoints):
    return keypoints.filter(next_step_status=NextStepStatus.OPEN).order_by("next_step_due", "pk")


STATUS_ORDER = (ProjectStatus.OPEN, ProjectStatus.ON_HOLD, ProjectStatus.COMPLETED, ProjectStatus.LOST)


def nearest_open_next_step_due():
    """The due date of the project's open next step due soonest (None without one), archived key points
    included as the lists have always counted them: the first entry of the open next steps' (project,
    due) index."""
    steps = KeyPoint.all_objects.filter(project=OuterRef("pk"), next_step_status=NextStepStatus.OPEN)
    return Subquery(steps.order_by("next_step_due").values("next_step_due")[:1])


def opportunity_rows(projects):
    """The opportunity list's rows: each project with its value, latest key point (last_keypoint_at, kept
    by the database: keypoints/activity.py) and nearest open next step."""
    return projects.select_related("customer", "owner").annotate(
        # Quiet since the newest key point or, with none yet, since it entered its stage.
        last_activity_at=Coalesce(F("last_keypoint_at"), "stage_entered_at"),
        next_step_due=nearest_open_next_step_due(),
        # Once signed, a deal is worth its signed amount; before, the top of its budget.
        value=Coalesce("signed_amount", "budget_max", "budget_min"),
        # Alive first (open, then on hold), then those that left the pipeline (completed, then lost).
        status_rank=Case(
            *(When(status=status, then=Value(rank)) for rank, status in enumerate(STATUS_ORDER)),
            output_field=IntegerField(),
        ),
        owner_name=Coalesce(NullIf(F("owner__display_name"), Value("")), F("owner__username")),
    )


# The project page -------------------------------------------------------------------------------

# Newest stage first, newest record first within it: the order of the project's timeline.
TIMELINE_ORDER = ("-stage", "-occurred_at", "-pk")


def timeline_page(project, number, per_page):
    """One page of the project's key points in timeline order, with what each row shows. The project
    itself is not joined: its related manager gives every row the instance the page already holds."""
    keypoints = with_row_relations(project.keypoints.order_by(*TIMELINE_ORDER))
    return Paginator(keypoints, per_page).get_page(number)


def timeline_position(keypoint):
    """How many of its project's key points come before this one in the timeline."""
    return (
        keypoint.project.keypoints.filter(
            Q(stage__gt=keypoint.stage)
            | Q(stage=keypoint.stage, occurred_at__gt=keypoint.occurred_at)
            | Q(stage=keypoint.stage, occurred_at=keypoint.occurred_at, pk__gt=keypoint.pk)
        )
        .order_by()
        .count()
    )


def next_steps_due(project, limit):
    """The project's open next steps due soonest (at most `limit`), and how many are open in all."""
    steps = project.keypoints.filter(next_step_status=NextStepStatus.OPEN).select_related("next_step_owner")
    return list(steps.order_by("next_step_due", "pk")[:limit]), steps.count()


def stage_gaps(project):
    """What the records of the project's current stage still lack: how many there are, and the
    labels of the stage's elements that none of them has filled (every element when there is none)."""
    stage = get_stage(project.stage)
    missing = project.keypoints.filter(stage=project.stage).values_list("missing_elements", flat=True)
    logged = 0
    lacking = {element.key for element in stage.elements}
    for keys in missing:
        logged += 1
        lacking &= set(keys)
    return {"logged": logged, "missing": [element.label for element in stage.elements if element.key in lacking]}


# Timeliness -------------------------------------------------------------------------------------


def timeliness_by_author(keypoints):
    """Per author of any of these key points (already scoped by the caller), ordered by their name: how
    many they wrote, how many of those within a day of the event, and that share (None when none).
    Two queries whatever the number of key points: the counts grouped in SQL, then the authors."""
    counts = list(
        keypoints.order_by()
        .values("author")
        .annotate(count=Count("pk"), within_day=Count("pk", filter=timeliness.recorded_within(timeliness.ON_TIME)))
    )
    authors = get_user_model().objects.in_bulk([row["author"] for row in counts])
    rows = [
        {
            "author": authors[row["author"]],
            "count": row["count"],
            "within_day": row["within_day"],
            "share": row["within_day"] / row["count"] if row["count"] else None,
        }
        for row in counts
    ]
    return sorted(rows, key=lambda row: (str(row["author"]), row["author"].pk))


# What the dashboard counts and the lists filter by: one definition for both, so that a figure and
# the list it links to always agree. ------------------------------------------------------------


def reached_stage():
    """The furthest stage a project has reached: the highest stage its history entered, or its stage
    now (a project skipped ahead has reached the stages it skipped)."""
    furthest = StageHistory.objects.filter(project=OuterRef("pk")).order_by().values("project")
    furthest = Subquery(furthest.annotate(top=Max("to_stage")).values("top"))
    return Greatest(Coalesce(furthest, F("stage")), F("stage"))


def lead_rating():
    """A project's lead rating: that of its newest rated lead-acquisition key point ("" when unrated)."""
    newest = KeyPoint.objects.filter(project=OuterRef("pk"), stage=StageNumber.LEAD).exclude(lead_rating="")
    return Coalesce(Subquery(newest.order_by("-occurred_at", "-pk").values("lead_rating")[:1]), Value(""))


def with_obstacle(keypoints):
    """The key points that name an obstacle (`named_obstacle`, kept by KeyPoint.save: models.named_obstacle)."""
    return keypoints.exclude(named_obstacle="")
