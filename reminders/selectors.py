"""Reads for the notification centre, the stalled-and-overdue page and the health check."""

import datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Count, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from customers import permissions, stalls
from customers.models import ProjectStatus
from keypoints.models import ExportStatus, KeyPoint, LedgerExport, NextStepStatus

from .messages import compose
from .models import Channel, Reminder, ScanRun


def notifications(user):
    """The person's in-app notifications; those about an archived project leave with it."""
    live = Reminder.objects.filter(recipient=user, channel=Channel.APP, project__archived_at__isnull=True)
    return live.select_related("project__customer", "project__owner", "keypoint__next_step_owner")


def finished_exports(user):
    """The person's ledger exports prepared in the background that finished: ready to download until
    they expire, or failed (kept as long, for the reason)."""
    now = timezone.now()
    kept = now - datetime.timedelta(hours=settings.EXPORT_KEEP_HOURS)
    return LedgerExport.objects.filter(requested_by=user).filter(
        Q(status=ExportStatus.DONE, expires_at__gt=now) | Q(status=ExportStatus.FAILED, finished_at__gt=kept)
    )


def unread_count(user):
    """Unread notifications and finished exports not yet opened, in one query (the bell is on every page)."""
    reminders = notifications(user).filter(read_at__isnull=True).order_by().values("recipient")
    exports = finished_exports(user).filter(read_at__isnull=True).order_by().values("requested_by")
    counts = (
        get_user_model()
        .objects.filter(pk=user.pk)
        .annotate(
            unread_reminders=Coalesce(Subquery(reminders.annotate(n=Count("pk")).values("n")), 0),
            unread_exports=Coalesce(Subquery(exports.annotate(n=Count("pk")).values("n")), 0),
        )
        .values_list("unread_reminders", "unread_exports")
        .first()
    )
    return sum(counts) if counts else 0


def with_messages(user, reminders):
    """Each reminder with its message in the reader's language, and whether its project is still theirs to open
    (after a hand-over it may not be: the entry stays, the link goes)."""
    reminders = list(reminders)
    visible = set(
        permissions.visible_projects(user)
        .filter(pk__in={reminder.project_id for reminder in reminders})
        .values_list("pk", flat=True)
    )
    for reminder in reminders:
        reminder.message = compose(reminder)
        reminder.can_open = reminder.project_id in visible
    return reminders


def scan_interval():
    return datetime.timedelta(minutes=settings.REMINDER_SCAN_MINUTES)


def last_scan_age(now=None):
    """How long ago the older of the two scans last finished; None if either never ran."""
    now = now or timezone.now()
    ages = []
    for job in (ScanRun.Job.STALLS, ScanRun.Job.OVERDUE):
        finished = (
            ScanRun.objects.filter(job=job, finished_at__isnull=False, error="")
            .order_by("-finished_at")
            .values_list("finished_at", flat=True)
            .first()
        )
        if finished is None:
            return None
        ages.append(now - finished)
    return max(ages)


def scans_stopped(now=None):
    """True when the scans have not run for twice their interval (or never ran)."""
    age = last_scan_age(now)
    return age is None or age > 2 * scan_interval()


def scan_health():
    """For /healthz: the age of the last scan in seconds (None: never ran), healthy while under twice the interval."""
    age = last_scan_age()
    report = {
        "last_scan_seconds_ago": None if age is None else int(age.total_seconds()),
        "interval_seconds": int(scan_interval().total_seconds()),
    }
    return report, not scans_stopped()


def attention(user, now=None):
    """What needs attention in the user's scope: stalled projects (quietest first), overdue next steps
    (oldest first) and paused projects whose resume date has come."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    projects = permissions.visible_projects(user)
    thresholds = stalls.thresholds()
    stalled = stalls.stalled(projects, now).select_related("customer", "owner").order_by("quiet_since", "pk")
    overdue = (
        KeyPoint.objects.filter(
            project__in=projects.filter(status=ProjectStatus.OPEN),
            next_step_status=NextStepStatus.OPEN,
            next_step_due__lt=today,
        )
        .select_related("project__customer", "next_step_owner")
        .order_by("next_step_due", "pk")
    )
    resuming = (
        projects.filter(status=ProjectStatus.ON_HOLD, resume_on__lte=today)
        .select_related("customer", "owner")
        .order_by("resume_on", "pk")
    )
    return {"stalled": stalled, "overdue": overdue, "resuming": resuming, "thresholds": thresholds, "today": today}
