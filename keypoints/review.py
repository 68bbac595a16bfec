"""The review (复盘) of a finished deal: what its records say about how it was won or lost.

A project is reviewable once it is signed, completed or lost (Project.is_reviewable). Everything the
report shows is read here in a fixed number of queries, whatever the number of key points: the
project with its dates and its total concession (subqueries), the days in each stage and the team's
median (keypoints.stage_time, one statement each), the key points with their customer participants,
and the decision chain. The rest is arranged in Python from those rows.
"""

import math
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from customers import permissions
from customers.models import Project, ProjectStatus

from . import selectors, stage_time
from .models import KeyPoint, StageChange, StageHistory
from .stages import STAGES, StageNumber

# What people write into a required text box when there is nothing to say ("无", "none"): skipped in
# the report, so that its lists hold only real obstacles and objections.
PLACEHOLDERS = frozenset(
    {
        "无",
        "没有",
        "暂无",
        "无异议",
        "无障碍",
        "无阻碍",
        "无明显障碍",
        "none",
        "no",
        "n/a",
        "na",
        "nil",
        "-",
        "--",
        "—",
        "/",
    }
)
TRAILING_MARKS = " \t\r\n。.,，;；!！"

# The changes that end a deal: its review counts its days up to the latest of them.
CLOSING = (StageChange.LOST, StageChange.COMPLETE)

# The bars of the stage table are drawn in steps of this many percent (CSS classes bar-0 … bar-100:
# the content security policy allows no inline style).
BAR_STEP = 5


def is_placeholder(text):
    """Nothing said: empty, or a placeholder such as 无 or "none"."""
    said = (text or "").strip(TRAILING_MARKS).lower()
    return not said or said in PLACEHOLDERS


def _at_local_date(moment):
    if moment is None:
        return None
    if isinstance(moment, datetime):
        return timezone.localdate(moment)
    return moment


def reviewed_project(user, pk):
    """The project for its review, 404 when out of the user's scope (the project page's rule), with
    when it started and closed and the first and last negotiated price."""
    history = StageHistory.objects.filter(project=OuterRef("pk")).order_by()
    negotiation = KeyPoint.objects.filter(project=OuterRef("pk"), stage=StageNumber.NEGOTIATION).order_by()
    queryset = (
        permissions.visible_projects(user)
        .select_related("customer", "owner", "lost_reason")
        .annotate(
            started_at=Subquery(history.order_by("at", "pk").values("at")[:1]),
            closed_at=Subquery(
                history.filter(kind__in=[StageChange.LOST, StageChange.COMPLETE])
                .order_by("-at", "-pk")
                .values("at")[:1]
            ),
            first_price_before=Subquery(
                negotiation.filter(price_before__isnull=False).order_by("occurred_at", "pk").values("price_before")[:1]
            ),
            last_price_after=Subquery(
                negotiation.filter(price_after__isnull=False).order_by("-occurred_at", "-pk").values("price_after")[:1]
            ),
        )
    )
    return permissions.get_in_scope(queryset, pk, user, write=False)


@dataclass
class StageRow:
    stage: object  # stages.Stage
    days: float
    finished: bool
    median: float | None
    team_count: int
    comparison: str = ""
    bar: int = 0
    median_bar: int = 0


@dataclass
class PriceStep:
    keypoint: KeyPoint
    concession: Decimal | None
    concession_percent: Decimal | None
    below_floor: bool


@dataclass
class ChainStep:
    step: object  # customers.models.DecisionStep, or None for someone met who holds no step
    contact: object  # customers.models.Contact, or None for a step with no contact named
    met: list = field(default_factory=list)  # the key points the contact took part in, oldest first


@dataclass
class Remark:
    """An obstacle or an objection raised in a key point, and what we answered."""

    keypoint: KeyPoint
    kind: str  # "obstacle" or "objection"
    text: str
    response: str


@dataclass
class Review:
    project: Project
    outcome: str  # "lost", "completed" or "signed"
    started_on: date | None
    closed_on: date | None
    total_days: int | None
    stages: list
    chain: list
    others_met: list
    remarks: list
    prices: list
    total_concession: Decimal | None
    total_concession_percent: Decimal | None
    contract: KeyPoint | None
    keypoints: list


def outcome(project):
    if project.status == ProjectStatus.LOST:
        return "lost"
    if project.status == ProjectStatus.COMPLETED:
        return "completed"
    return "signed"


def _whole_days(value):
    """Rounded half away from zero (Python's round() would make 46.5 days 46)."""
    return int(math.copysign(math.floor(abs(value) + 0.5), value))


def _difference_in_words(days, median, finished):
    # From the figures as the table shows them (one decimal), so that the words agree with the table.
    difference = _whole_days(round(days, 1) - round(median, 1))
    if difference == 0:
        words = _("about the team's median")
    elif difference > 0:
        words = ngettext(
            "%(days)s day longer than the team's median", "%(days)s days longer than the team's median", difference
        ) % {"days": difference}
    else:
        words = ngettext(
            "%(days)s day shorter than the team's median", "%(days)s days shorter than the team's median", -difference
        ) % {"days": -difference}
    if not finished:
        words = _("%(comparison)s, so far") % {"comparison": words}
    return words


def _bar(days, longest):
    if not longest:
        return 0
    return BAR_STEP * math.ceil(days / longest * 100 / BAR_STEP) if days > 0 else 0


def stage_rows(project, now=None):
    """Each stage the project spent time in, its days against the team's median: the median of
    every project's finished stays there (the whole team, whoever reads it; only aggregates)."""
    days = stage_time.stage_days(Project.objects.filter(pk=project.pk), now=now)
    team = stage_time.stage_times(Project.objects.all(), now=now)
    rows = []
    for stage in STAGES:
        if (project.pk, stage.number) not in days:
            continue
        spent, finished = days[project.pk, stage.number]
        figures = team.get(stage.number)
        row = StageRow(
            stage=stage,
            days=spent,
            finished=finished,
            median=figures.median_days if figures else None,
            team_count=figures.count if figures else 0,
        )
        if row.median is None:
            row.comparison = _("no finished stay in the team to compare with yet")
        else:
            row.comparison = _difference_in_words(spent, row.median, finished)
        rows.append(row)
    longest = max([max(row.days, row.median or 0) for row in rows], default=0)
    for row in rows:
        row.bar = _bar(row.days, longest)
        row.median_bar = _bar(row.median or 0, longest)
    return rows


def _percent(part, whole):
    if part is None or not whole:
        return None
    return (part * 100 / whole).quantize(Decimal("0.1"))


def _price_steps(keypoints):
    steps = []
    for keypoint in keypoints:
        if keypoint.stage != StageNumber.NEGOTIATION:
            continue
        if keypoint.price_before is None and keypoint.price_after is None and keypoint.floor_price is None:
            continue
        concession = None
        if keypoint.price_before is not None and keypoint.price_after is not None:
            concession = keypoint.price_before - keypoint.price_after
        below_floor = (
            keypoint.price_after is not None
            and keypoint.floor_price is not None
            and keypoint.price_after < keypoint.floor_price
        )
        steps.append(PriceStep(keypoint, concession, _percent(concession, keypoint.price_before), below_floor))
    return steps


def _remarks(keypoints):
    remarks = []
    for keypoint in keypoints:
        if not is_placeholder(keypoint.obstacles):
            response = "" if is_placeholder(keypoint.our_response) else keypoint.our_response
            remarks.append(Remark(keypoint, "obstacle", keypoint.obstacles, response))
        if keypoint.stage == StageNumber.SOLUTION and not is_placeholder(keypoint.objections):
            response = "" if is_placeholder(keypoint.objection_response) else keypoint.objection_response
            remarks.append(Remark(keypoint, "objection", keypoint.objections, response))
    return remarks


def _chain(project, keypoints):
    """The decision chain in order, each step with the key points its contact took part in; and the
    customer's people met who hold no step in it."""
    met = {}
    people = {}
    for keypoint in keypoints:
        for contact in keypoint.customer_participants.all():
            met.setdefault(contact.pk, []).append(keypoint)
            people[contact.pk] = contact
    steps = list(project.decision_steps.select_related("contact"))
    in_chain = {step.contact_id for step in steps}
    chain = [ChainStep(step, step.contact, met.get(step.contact_id, [])) for step in steps]
    others = [ChainStep(None, people[pk], keypoints) for pk, keypoints in met.items() if pk not in in_chain]
    return chain, others


def _contract(project, keypoints):
    """The contract key point the project's signed outcome comes from (services keep it in step)."""
    matches = [
        keypoint
        for keypoint in keypoints
        if keypoint.stage == StageNumber.CONTRACT
        and keypoint.contract_number
        and keypoint.signing_date == project.signed_on
        and keypoint.signed_amount == project.signed_amount
    ]
    return matches[-1] if matches else None


def build(project, now=None):
    """The review of a reviewable project (from reviewed_project)."""
    keypoints = list(
        project.keypoints.order_by("occurred_at", "pk")
        .select_related("next_step_owner")
        .prefetch_related(selectors.attended_contacts())
    )
    started_on = _at_local_date(project.started_at or project.created_at)
    result = outcome(project)
    closed_on = _at_local_date(project.closed_at) if result in ("lost", "completed") else project.signed_on
    chain, others = _chain(project, keypoints)
    total = None
    if project.first_price_before is not None and project.last_price_after is not None:
        total = project.first_price_before - project.last_price_after
    return Review(
        project=project,
        outcome=result,
        started_on=started_on,
        closed_on=closed_on,
        total_days=(closed_on - started_on).days if closed_on and started_on else None,
        stages=stage_rows(project, now=now),
        chain=chain,
        others_met=others,
        remarks=_remarks(keypoints),
        prices=_price_steps(keypoints),
        total_concession=total,
        total_concession_percent=_percent(total, project.first_price_before),
        contract=_contract(project, keypoints) if project.is_signed else None,
        keypoints=keypoints,
    )
