"""The daily summary (每日信息汇总): what was logged, what moved, what stalled, for the team or one owner."""

import datetime

from django.db import IntegrityError, transaction
from django.db.models import Count
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import Role, User
from customers.models import Project, ProjectStatus
from keypoints.models import KeyPoint, NextStepStatus, StageChange, StageHistory
from salesrecord.text import colon, join_list

from .messages import Message, absolute
from .models import Channel, ChatWebhook, Kind, Preference, Reminder, ScanRun, SummaryDelivery
from .services import stalled_projects

LISTED = 5


def _day_bounds(day):
    start = timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))
    return start, start + datetime.timedelta(days=1)


def facts(day, owner=None):
    """The day's numbers over the team's projects, or one owner's."""
    start, end = _day_bounds(day)
    projects = Project.objects.all() if owner is None else Project.objects.filter(owner=owner)
    logged = list(
        KeyPoint.objects.filter(project__in=projects, created_at__gte=start, created_at__lt=end)
        .values("author")
        .annotate(count=Count("id"))
        .order_by("-count", "author")
    )
    authors = User.objects.in_bulk([row["author"] for row in logged])
    changes = list(
        StageHistory.objects.filter(project__in=projects, at__gte=start, at__lt=end)
        .select_related("project", "lost_reason")
        .order_by("at", "pk")
    )
    stalled = stalled_projects(end).filter(pk__in=projects.values("pk"))
    new_stalls = (
        Reminder.objects.filter(
            kind=Kind.STALL, channel=Channel.APP, created_at__gte=start, created_at__lt=end, project__in=projects
        )
        .values("project")
        .distinct()
        .count()
    )
    return {
        "day": day,
        "logged": [(authors[row["author"]], row["count"]) for row in logged],
        "moved": [row for row in changes if row.kind in (StageChange.ADVANCE, StageChange.SKIP)],
        "signed": list(projects.filter(signed_on=day).order_by("name")),
        "lost": [row for row in changes if row.kind == StageChange.LOST],
        "completed": [row for row in changes if row.kind == StageChange.COMPLETE],
        "stalled": stalled.count(),
        "new_stalls": new_stalls,
        "overdue": KeyPoint.objects.filter(
            project__in=projects.filter(status=ProjectStatus.OPEN),
            next_step_status=NextStepStatus.OPEN,
            next_step_due__lt=day,
        ).count(),
    }


def _names(items, name):
    shown = [name(item) for item in items[:LISTED]]
    if len(items) > LISTED:
        shown.append(_("and %(count)s more") % {"count": len(items) - LISTED})
    return join_list(shown)


def _lost(row):
    if row.lost_reason:
        return _("%(project)s (%(reason)s)") % {"project": row.project.name, "reason": row.lost_reason}
    return row.project.name


def compose(summary, language):
    """The summary as a message, in `language`."""
    with translation.override(language):
        day = formats.date_format(summary["day"])
        lines = []
        total = sum(count for _person, count in summary["logged"])
        line = ngettext("%(count)s key point logged", "%(count)s key points logged", total) % {"count": total}
        if summary["logged"]:
            line += colon() + join_list(f"{person} {count}" for person, count in summary["logged"])
        lines.append(line)
        for key, phrase, name in (
            (
                "moved",
                lambda n: ngettext("%(count)s project moved on", "%(count)s projects moved on", n),
                lambda row: f"{row.project.name} → {row.get_to_stage_display()}",
            ),
            ("signed", lambda n: ngettext("%(count)s signed", "%(count)s signed", n), lambda project: project.name),
            (
                "completed",
                lambda n: ngettext("%(count)s completed", "%(count)s completed", n),
                lambda row: row.project.name,
            ),
            ("lost", lambda n: ngettext("%(count)s lost", "%(count)s lost", n), _lost),
        ):
            items = summary[key]
            if items:
                lines.append(phrase(len(items)) % {"count": len(items)} + colon() + _names(items, name))
        lines.append(
            _("Stalled open projects: %(stalled)s, of them new today: %(new)s. Overdue next steps: %(overdue)s.")
            % {"stalled": summary["stalled"], "new": summary["new_stalls"], "overdue": summary["overdue"]}
        )
        return Message(
            title=_("Daily summary %(day)s") % {"day": day},
            lines=lines,
            url=absolute(reverse("projects:list")),
            link_label=_("Open the opportunity list"),
        )


def run(day, now=None):
    """Plan the day's summary and record the run; returns the new deliveries."""
    run = ScanRun.objects.create(job=ScanRun.Job.SUMMARY, started_at=now or timezone.now())
    created = plan(day)
    run.found = run.created = len(created)
    run.finished_at = timezone.now()
    run.save(update_fields=["found", "created", "finished_at"])
    return created


def plan(day):
    """The deliveries of the day's summary: each lead and manager who wants it by email, each group robot
    that posts it. Written once each (by key); returns the new ones."""
    readers = User.objects.filter(role__in=[Role.LEAD, Role.MANAGER], is_active=True).exclude(email="")
    opted_out = set(Preference.objects.filter(daily_summary=False).values_list("user_id", flat=True))
    rows = [
        SummaryDelivery(
            key=f"summary:{day:%Y%m%d}:email:u{reader.pk}", day=day, channel=Channel.EMAIL, recipient=reader
        )
        for reader in readers
        if reader.pk not in opted_out
    ]
    rows += [
        SummaryDelivery(key=f"summary:{day:%Y%m%d}:chat:w{hook.pk}", day=day, channel=Channel.CHAT, webhook=hook)
        for hook in ChatWebhook.objects.filter(is_active=True, daily_summary=True)
    ]
    created = []
    for row in rows:
        try:
            with transaction.atomic():
                row.save()
        except IntegrityError:
            continue
        created.append(row)
    return created
