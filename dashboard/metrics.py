"""The dashboard's figures, each an aggregate computed by the database over the user's scope.

Every figure reads a fixed number of queries whatever the data (its rows are groups, never records),
and its numbers link to the opportunity list or the ledger with the filters that list the same
records: the filters there use the same definitions (keypoints.selectors), so the counts agree.

What the period means, figure by figure:
- pipeline, stalled projects and overdue next steps: now, whatever the period;
- conversion, time in stage and lead ratings: the projects created in the period (a cohort);
- signed deals: signed in the period; lost reasons: lost in the period;
- key points per rep, completeness and obstacles: key points of events in the period.

At scale (hundreds of thousands of key points) every figure reads through an index: a period is a
range of instants (the start of its first day to the start of the day after its last, in the site's
time zone) rather than a date computed for every row; a rep's scope is resolved once per page into
their projects' ids; the key points per rep, completeness and timeliness are one grouped query
(`AuthorWeeks`); the stalled projects are counted and listed in one query. Over every live key point
(a person who sees every customer, no narrowing filter) the key points per person and the obstacles
read the counts per day that the database keeps (keypoints.day_counts) instead of the key points.
"""

import datetime
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from urllib.parse import urlencode

from django.contrib.auth import get_user_model
from django.db.models import Case, Count, F, IntegerField, OuterRef, Q, Subquery, Sum, Value, When, Window
from django.db.models.expressions import RawSQL
from django.db.models.functions import TruncMonth
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from customers import permissions, stalls
from customers.models import LostReason, ProjectStatus
from keypoints import day_counts
from keypoints import permissions as keypoint_permissions
from keypoints import selectors as keypoint_selectors
from keypoints import timeliness as keypoint_timeliness
from keypoints.filters import UNRATED
from keypoints.models import AuthorDay, LeadRating, NextStepStatus, ObstacleDay, StageChange, StageHistory
from keypoints.stage_time import stage_times
from keypoints.stages import STAGES

from . import selectors
from .selectors import deal_value

# How many stalled projects and overdue next steps the page lists (the count links to all of them).
LIST_LIMIT = 5
TOP_OBSTACLES = 10


@dataclass
class Scope:
    """The user's projects and key points narrowed by the filters, the period, and the link parameters."""

    user: object
    projects: object
    keypoints: object
    start: datetime.date
    end: datetime.date
    params: dict = field(default_factory=dict)
    now: datetime.datetime = field(default_factory=timezone.now)
    # Every live key point: a person who sees every customer, no narrowing filter.
    every_keypoint: bool = False

    @classmethod
    def from_filter(cls, dashboard_filter, now=None):
        user = dashboard_filter.user
        params = dashboard_filter.scope_params()
        narrowing = {dashboard_filter.filters[name].field_name: value for name, value in params.items()}
        projects = dashboard_filter.queryset.filter(**narrowing)
        keypoints = keypoint_permissions.visible_keypoints(user).filter(
            **{f"project__{name}": value for name, value in narrowing.items()}
        )
        projects, keypoints = selectors.resolved_scope(user, **narrowing) or (projects, keypoints)
        period = dashboard_filter.date_range
        return cls(
            user=user,
            projects=projects,
            keypoints=keypoints,
            start=period.start,
            end=period.end,
            params=params,
            now=now or timezone.now(),
            every_keypoint=not narrowing and permissions.sees_every_customer(user),
        )

    @property
    def today(self):
        return timezone.localdate(self.now)

    def projects_link(self, **params):
        return self._link("projects:list", {**self.params, **params})

    def ledger_link(self, **params):
        return self._link("keypoints:ledger", {**self.params, **params})

    def _link(self, route, params):
        # A page holds hundreds of links to the same two lists, made of the same few parameters: each
        # route is reversed once, each parameter encoded once (urlencode joins its pairs with "&").
        paths = self.__dict__.setdefault("_paths", {})
        pairs = self.__dict__.setdefault("_pairs", {})
        path = paths.get(route)
        if path is None:
            path = paths[route] = reverse(route)
        encoded = []
        for pair in params.items():
            found = pairs.get(pair)
            if found is None:
                found = pairs[pair] = urlencode([(pair[0], str(pair[1]))])
            encoded.append(found)
        return f"{path}?{'&'.join(encoded)}"

    def instants(self):
        """The period as instants: from the start of its first day to the start of the day after its last."""
        return _start_of_day(self.start), _start_of_day(self.end + datetime.timedelta(days=1))

    def cohort(self):
        """The projects created in the period."""
        start, end = self.instants()
        return self.projects.filter(created_at__gte=start, created_at__lt=end)

    def period_params(self, prefix, start=None, end=None):
        """A list's own date range for (part of) the period, e.g. created_from/created_to."""
        return {f"{prefix}_from": max(start or self.start, self.start), f"{prefix}_to": min(end or self.end, self.end)}

    @cached_property
    def counted_by_day(self):
        """Whether the figures over the period's key points read the counts the database keeps per day
        (keypoints.day_counts): for every live key point, where they are kept. Asked once per page."""
        return self.every_keypoint and day_counts.kept()

    def keypoints_in_period(self):
        start, end = self.instants()
        return self.keypoints.filter(occurred_at__gte=start, occurred_at__lt=end)


def _start_of_day(day):
    """Midnight at the start of `day` in the current time zone, the one a date lookup (`__date`) reads."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def _number(value):
    """A figure as a chart reads it: an int when whole, else a float; None stays None."""
    if value is None:
        return None
    if isinstance(value, Decimal | float) and value == int(value):
        return int(value)
    return float(value) if isinstance(value, Decimal) else value


def chart(kind, unit, labels, *series):
    """A chart's spec, as static/js/charts.js draws it."""
    return {
        "kind": kind,
        "labels": [str(label) for label in labels],
        "unit": unit,
        "series": [
            {"name": str(name), "values": [_number(value) for value in values], "links": list(links)}
            for name, values, links in series
        ],
    }


def _percent(part, whole):
    return None if not whole else round(part * 100 / whole, 1)


# 1. Pipeline by stage -----------------------------------------------------------------------------


def pipeline(scope):
    totals = {
        row["stage"]: row
        for row in scope.projects.filter(status=ProjectStatus.OPEN)
        .order_by()
        .values("stage")
        # Rows counted, not ids: the open deals' value index (project_open_value) answers alone.
        .annotate(count=Count("*"), value=Sum(deal_value()))
    }
    rows = []
    for stage in STAGES:
        found = totals.get(stage.number, {})
        value = _money(found.get("value"))
        rows.append(
            {
                "stage": stage,
                "count": found.get("count", 0),
                "value": value,
                "probability": stage.probability,
                # Every deal of a stage has the stage's probability: the sum of their weighted values is
                # their value's sum, weighted (exactly: a percentage of an amount in cents has four decimals).
                "weighted": None if value is None else _money(value * stage.probability / 100),
                "link": scope.projects_link(stage=stage.number, status=ProjectStatus.OPEN),
            }
        )
    total = {
        "count": sum(row["count"] for row in rows),
        "value": sum((row["value"] or 0 for row in rows), Decimal(0)),
        "weighted": sum((row["weighted"] or 0 for row in rows), Decimal(0)),
        "link": scope.projects_link(status=ProjectStatus.OPEN),
    }
    links = [row["link"] for row in rows]
    return {
        "rows": rows,
        "total": total,
        "chart": chart(
            "bar",
            "money",
            [row["stage"].label for row in rows],
            (_("Value"), [row["value"] for row in rows], links),
            (_("Weighted value"), [row["weighted"] for row in rows], links),
        ),
    }


def _money(value):
    return None if value is None else Decimal(value).quantize(Decimal("0.01"))


# 2. Conversion ------------------------------------------------------------------------------------


@dataclass
class Cohort:
    """The projects created in the period, counted per lead rating and furthest stage reached: the
    conversion and the lead ratings read these rows (at most a few dozen), one query over the cohort for
    the two, each project's rating and furthest stage worked out once."""

    rows: list

    @classmethod
    def read(cls, scope):
        return cls(
            rows=list(
                scope.cohort()
                .order_by()
                .annotate(rating=keypoint_selectors.lead_rating(), reached=keypoint_selectors.reached_stage())
                .values("rating", "reached")
                .annotate(projects=Count("pk"))
            )
        )

    def reached(self, stage):
        return sum(row["projects"] for row in self.rows if row["reached"] >= stage.number)

    def by_rating(self):
        found = Counter()
        for row in self.rows:
            found[row["rating"]] += row["projects"]
        return found


def conversion(scope, cohort=None):
    cohort = cohort or Cohort.read(scope)
    rows, previous = [], None
    for stage in STAGES:
        count = cohort.reached(stage)
        rows.append(
            {
                "stage": stage,
                "count": count,
                "share": None if previous is None else _percent(count, previous),
                "link": scope.projects_link(reached=stage.number, **scope.period_params("created")),
            }
        )
        previous = count
    return {
        "rows": rows,
        "chart": chart(
            "funnel",
            "count",
            [row["stage"].label for row in rows],
            (_("Projects"), [row["count"] for row in rows], [row["link"] for row in rows]),
        ),
    }


# 3. Time in stage ---------------------------------------------------------------------------------


def durations(scope):
    times = stage_times(scope.cohort(), now=scope.now)
    rows = []
    for stage in STAGES:
        time = times.get(stage.number)
        rows.append(
            {
                "stage": stage,
                "count": time.count if time else 0,
                "mean": round(time.mean_days, 1) if time else None,
                "median": round(time.median_days, 1) if time else None,
            }
        )
    none = [None] * len(rows)
    return {
        "rows": rows,
        "chart": chart(
            "bar",
            "days",
            [row["stage"].label for row in rows],
            (_("Mean days"), [row["mean"] for row in rows], none),
            (_("Median days"), [row["median"] for row in rows], none),
        ),
    }


# 4. Signed deals by month -------------------------------------------------------------------------


def _months(start, end):
    month = start.replace(day=1)
    while month <= end:
        yield month
        month = (month + datetime.timedelta(days=32)).replace(day=1)


def signed_by_month(scope):
    found = {
        row["month"]: row
        for row in scope.projects.filter(signed_on__gte=scope.start, signed_on__lte=scope.end)
        .order_by()
        .annotate(month=TruncMonth("signed_on"))
        .values("month")
        .annotate(count=Count("pk"), amount=Sum("signed_amount"))
    }
    rows = []
    for month in _months(scope.start, scope.end):
        row = found.get(month, {})
        month_end = (month + datetime.timedelta(days=32)).replace(day=1) - datetime.timedelta(days=1)
        rows.append(
            {
                "month": month,
                "label": formats.date_format(month, "YEAR_MONTH_FORMAT"),
                "count": row.get("count", 0),
                "amount": _money(row.get("amount")) or Decimal("0.00"),
                "link": scope.projects_link(**scope.period_params("signed", month, month_end)),
            }
        )
    links = [row["link"] for row in rows]
    return {
        "rows": rows,
        "total": {
            "count": sum(row["count"] for row in rows),
            "amount": sum((row["amount"] for row in rows), Decimal(0)),
            "link": scope.projects_link(**scope.period_params("signed")),
        },
        "chart": chart(
            "bar",
            "money",
            [row["label"] for row in rows],
            (_("Signed amount"), [row["amount"] for row in rows], links),
        ),
    }


# 5. Stalled projects and overdue next steps -------------------------------------------------------


def first_with_count(queryset, limit):
    """The first `limit` rows' pks and how many rows there are in all, in one query (a window count over
    every row, taken before the limit): for rows that must all be read to be ordered anyway. Only the
    pks are read, so that the rows carried through the count and the sort are narrow."""
    rows = list(queryset.annotate(matched=Window(Count("pk"))).values_list("pk", "matched")[:limit])
    return [pk for pk, _matched in rows], rows[0][1] if rows else 0


# What the overdue list shows of a next step (templates/dashboard/dashboard.html): its text, due date and
# owner (named as str(user) names people), and its project's customer.
OVERDUE_SHOWN = (
    "project_id",
    "next_step",
    "next_step_due",
    "project__customer__legal_name",
    *(f"next_step_owner__{name}" for name in ("display_name", "first_name", "last_name", "username")),
)


def attention(scope):
    thresholds = stalls.thresholds()
    stalled = stalls.stalled(scope.projects, scope.now, thresholds)
    first_pks, stalled_count = first_with_count(stalled.order_by("quiet_since", "pk"), LIST_LIMIT)
    first_stalled = selectors.stalled_listed(first_pks, scope.now, thresholds)
    # Of the scope's open projects, named as a set: for a rep, PostgreSQL then reads their few open
    # projects by id, where a join to the projects' status hashed every open project of the team.
    overdue = scope.keypoints.filter(
        project__in=scope.projects.filter(status=ProjectStatus.OPEN),
        next_step_status=NextStepStatus.OPEN,
        next_step_due__lt=scope.today,
    )
    return {
        "stalled_count": stalled_count,
        "stalled": first_stalled,
        "stalled_link": scope.projects_link(stalled="on"),
        # Counted apart: the first few come from the front of the due-date index, which a count over
        # every row would read in full.
        "overdue_count": overdue.count(),
        # Only what the list shows: the wide rows of four tables cost more to plan and build than to read.
        "overdue": list(
            overdue.select_related("project__customer", "next_step_owner")
            .only(*OVERDUE_SHOWN)
            .order_by("next_step_due", "pk")[:LIST_LIMIT]
        ),
        "overdue_link": scope.ledger_link(overdue="on", project_status=ProjectStatus.OPEN),
    }


# 6. Lead ratings ----------------------------------------------------------------------------------


def lead_ratings(scope, cohort=None):
    found = (cohort or Cohort.read(scope)).by_rating()
    rows = []
    for value, label in [*((rating, rating) for rating in LeadRating.values), ("", _("Unrated"))]:
        rows.append(
            {
                "label": label,
                "description": LeadRating(value).label if value else _("No rated lead record"),
                "count": found.get(value, 0),
                "link": scope.projects_link(rating=value or UNRATED, **scope.period_params("created")),
            }
        )
    total = sum(row["count"] for row in rows)
    for row in rows:
        row["share"] = _percent(row["count"], total)
    return {
        "rows": rows,
        "total": total,
        "chart": chart(
            "pie",
            "count",
            [row["label"] for row in rows],
            (_("Projects"), [row["count"] for row in rows], [row["link"] for row in rows]),
        ),
    }


# 7. Key points per rep per week -------------------------------------------------------------------


def _weeks(start, end):
    week = start - datetime.timedelta(days=start.weekday())
    while week <= end:
        yield week
        week += datetime.timedelta(days=7)


def _week_of(weeks):
    """Which of `weeks` (their Mondays, in order) a key point's event falls in, as its index: compared with
    the instants each week ends at, which is cheaper than converting every row to local time."""
    ends = [_start_of_day(week + datetime.timedelta(days=7)) for week in weeks[:-1]]
    return Case(
        *(When(occurred_at__lt=end, then=Value(index)) for index, end in enumerate(ends)),
        default=Value(len(weeks) - 1),
        output_field=IntegerField(),
    )


def _week_of_day(weeks):
    """The same, for a day (keypoints.AuthorDay's rows, kept on PostgreSQL only): the whole weeks since the
    first Monday, a date difference in days divided by seven, where a CASE would test each week in turn."""
    return RawSQL(f'("{AuthorDay._meta.db_table}"."day" - %s) / 7', [weeks[0]], output_field=IntegerField())


def _people(ids):
    return get_user_model().objects.in_bulk(ids)


@dataclass
class AuthorWeeks:
    """The period's key points per author and week, with how many are complete and how many were written
    within a day of their event: the key points per rep, completeness and timeliness read these rows."""

    rows: list
    people: dict
    weeks: list  # the Mondays of the period's weeks, in order

    @classmethod
    def read(cls, scope):
        weeks = list(_weeks(scope.start, scope.end))
        rows = (cls._from_day_counts if scope.counted_by_day else cls._from_keypoints)(scope, weeks)
        for row in rows:
            row["week"] = weeks[row["week"]]
        return cls(rows=rows, people=_people({row["author"] for row in rows}), weeks=weeks)

    @staticmethod
    def _from_day_counts(scope, weeks):
        """Every live key point's counts, from the rows the database keeps per author and day (a few
        thousand for a quarter, where the key points are tens of thousands): the same counts."""
        return list(
            AuthorDay.objects.filter(day__gte=scope.start, day__lte=scope.end, keypoints__gt=0)
            .order_by()
            .annotate(week=_week_of_day(weeks))
            .values("author", "week")
            .annotate(count=Sum("keypoints"), complete=Sum("complete"), within_day=Sum("on_time"))
        )

    @staticmethod
    def _from_keypoints(scope, weeks):
        return list(
            scope.keypoints_in_period()
            .order_by()
            .annotate(week=_week_of(weeks))
            .values("author", "week")
            .annotate(
                # Counted by occurred_at (never null), not pk: every column read is then in keypoints'
                # period index, and the table itself is not read.
                count=Count("occurred_at"),
                complete=Count("occurred_at", filter=Q(is_complete=True)),
                within_day=Count(
                    "occurred_at", filter=keypoint_timeliness.recorded_within(keypoint_timeliness.ON_TIME)
                ),
            )
        )

    def by_author(self):
        """{author id: {"count", "complete", "within_day"}} over the whole period."""
        totals = {}
        for row in self.rows:
            found = totals.setdefault(row["author"], {"count": 0, "complete": 0, "within_day": 0})
            for name in found:
                found[name] += row[name]
        return totals


def activity(scope, authors=None):
    authors = authors or AuthorWeeks.read(scope)
    counts = {(row["author"], row["week"]): row["count"] for row in authors.rows}
    people = authors.people
    weeks = authors.weeks
    authors = sorted(people.values(), key=lambda person: (str(person), person.pk))
    labels = [formats.date_format(week, "MONTH_DAY_FORMAT") for week in weeks]

    def link(author, week):
        return scope.ledger_link(author=author.pk, **_occurred(scope, week, week + datetime.timedelta(days=6)))

    rows = [
        {
            "author": author,
            "cells": [{"count": counts.get((author.pk, week), 0), "link": link(author, week)} for week in weeks],
            "total": sum(counts.get((author.pk, week), 0) for week in weeks),
            "link": scope.ledger_link(author=author.pk, **_occurred(scope)),
        }
        for author in authors
    ]
    return {
        "weeks": labels,
        "rows": rows,
        "chart": chart(
            "stacked",
            "count",
            labels,
            *(
                (row["author"], [cell["count"] for cell in row["cells"]], [cell["link"] for cell in row["cells"]])
                for row in rows
            ),
        ),
    }


def _occurred(scope, start=None, end=None):
    return scope.period_params("occurred", start, end)


# 8. Lost reasons ----------------------------------------------------------------------------------


def lost_reasons(scope):
    start, end = scope.instants()
    losses = StageHistory.objects.filter(kind=StageChange.LOST, at__gte=start, at__lt=end)
    if scope.every_keypoint:
        # Every live project: each of the period's losses (a few a day, from the lost changes' period
        # index) looks its own project up by id, where `project__in` hashed all 20,000 of them.
        live = Subquery(scope.projects.filter(pk=OuterRef("project")).order_by().values("pk")[:1])
        losses = losses.alias(live=live).filter(live__isnull=False)
    else:
        # A person's projects or a filter's: a set small enough to hash (looked up by id for each loss,
        # a rep's few hundred ids would be compared again for every one).
        losses = losses.filter(project__in=scope.projects)
    found = list(
        losses.order_by()
        .values("lost_reason")
        .annotate(count=Count("project", distinct=True))
        .order_by("-count", "lost_reason")
    )
    reasons = LostReason.objects.in_bulk([row["lost_reason"] for row in found if row["lost_reason"]])
    rows = [
        {
            "reason": reasons[row["lost_reason"]] if row["lost_reason"] else _("No reason given"),
            "count": row["count"],
            "link": scope.projects_link(lost_reason=row["lost_reason"], **scope.period_params("lost"))
            if row["lost_reason"]
            else None,
        }
        for row in found
    ]
    return {
        "rows": rows,
        "chart": chart(
            "hbar",
            "count",
            [row["reason"] for row in rows],
            (_("Projects lost"), [row["count"] for row in rows], [row["link"] for row in rows]),
        ),
    }


# 9. Record completeness by rep --------------------------------------------------------------------


def completeness(scope, authors=None):
    authors = authors or AuthorWeeks.read(scope)
    found = [
        {"author": author, "total": row["count"], "complete": row["complete"], "share": row["complete"] * 100.0 / total}
        for author, row in authors.by_author().items()
        if (total := row["count"])
    ]
    people = authors.people
    rows = sorted(
        (
            {
                "author": people[row["author"]],
                "total": row["total"],
                "complete": row["complete"],
                "incomplete": row["total"] - row["complete"],
                "share": round(row["share"], 1),
                "link": scope.ledger_link(author=row["author"], **_occurred(scope)),
                "incomplete_link": scope.ledger_link(author=row["author"], incomplete="on", **_occurred(scope)),
            }
            for row in found
        ),
        key=lambda row: (str(row["author"]), row["author"].pk),
    )
    return {
        "rows": rows,
        "chart": chart(
            "hbar",
            "percent",
            [row["author"] for row in rows],
            (_("Complete records"), [row["share"] for row in rows], [row["link"] for row in rows]),
        ),
    }


# 9b. Timeliness -----------------------------------------------------------------------------------


def timeliness(scope, authors=None):
    """Per author, how many of the period's key points were written within 24 hours of the event
    (keypoints.timeliness's rule, as keypoints.selectors.timeliness_by_author counts it), ordered by name."""
    authors = authors or AuthorWeeks.read(scope)
    found = sorted(
        (
            {
                "author": authors.people[author],
                "count": row["count"],
                "within_day": row["within_day"],
                "share": row["within_day"] / row["count"] if row["count"] else None,
            }
            for author, row in authors.by_author().items()
        ),
        key=lambda row: (str(row["author"]), row["author"].pk),
    )
    rows = [
        {
            "author": row["author"],
            "total": row["count"],
            "within_day": row["within_day"],
            "late": row["count"] - row["within_day"],
            "share": round(row["share"] * 100, 1) if row["share"] is not None else None,
            "link": scope.ledger_link(author=row["author"].pk, **_occurred(scope)),
            "late_link": scope.ledger_link(author=row["author"].pk, timeliness="late", **_occurred(scope)),
        }
        for row in found
    ]
    return {
        "rows": rows,
        "chart": chart(
            "hbar",
            "percent",
            [str(row["author"]) for row in rows],
            (_("Recorded within 24 hours"), [row["share"] for row in rows], [row["link"] for row in rows]),
        ),
    }


# 10. Obstacles ------------------------------------------------------------------------------------


def obstacles(scope):
    if scope.counted_by_day:
        # From the counts per day and obstacle the database keeps: the same counts.
        found = (
            ObstacleDay.objects.filter(day__gte=scope.start, day__lte=scope.end, keypoints__gt=0)
            .values("obstacle")
            .annotate(count=Sum("keypoints"))
        )
    else:
        found = (
            keypoint_selectors.with_obstacle(scope.keypoints_in_period())
            .values(obstacle=F("named_obstacle"))
            # Counted by occurred_at (never null), not pk: read from the obstacles' period index alone.
            .annotate(count=Count("occurred_at"))
        )
    found = list(found.order_by("-count", "obstacle")[:TOP_OBSTACLES])
    rows = [
        {
            "obstacle": row["obstacle"],
            "count": row["count"],
            "link": scope.ledger_link(obstacle=row["obstacle"], **_occurred(scope)),
        }
        for row in found
    ]
    return {
        "rows": rows,
        "chart": chart(
            "hbar",
            "count",
            [row["obstacle"][:40] for row in rows],
            (_("Key points"), [row["count"] for row in rows], [row["link"] for row in rows]),
        ),
    }


FIGURES = {
    "pipeline": pipeline,
    "conversion": conversion,
    "durations": durations,
    "signed": signed_by_month,
    "attention": attention,
    "ratings": lead_ratings,
    "activity": activity,
    "lost": lost_reasons,
    "completeness": completeness,
    "timeliness": timeliness,
    "obstacles": obstacles,
}


# The figures that read the period's key points per author and week (one query serves the three), and
# those that read the cohort per rating (one query serves the two).
BY_AUTHOR = ("activity", "completeness", "timeliness")
BY_COHORT = ("conversion", "ratings")


def figures(scope):
    authors, cohort = AuthorWeeks.read(scope), Cohort.read(scope)
    shared = dict.fromkeys(BY_AUTHOR, authors) | dict.fromkeys(BY_COHORT, cohort)
    return {name: figure(scope, shared[name]) if name in shared else figure(scope) for name, figure in FIGURES.items()}
