"""The reminder rules: what is stalled, overdue or due to resume, and who hears of it on which channel.

A scan writes one Reminder row per event, level, channel and recipient; the row's unique key makes
that exactly once however often, and however concurrently, the scans run. Only rows this scan
created are handed back for delivery by email or chat; in-app rows are the notification itself.
"""

import datetime
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role, User
from customers import stalls
from customers.models import Project, ProjectStatus, StallSetting
from keypoints.models import KeyPoint, NextStepStatus
from salesrecord import versions
from salesrecord.text import join_list

from .models import Channel, ChatWebhook, Kind, Preference, Reminder, ScanRun


@dataclass(frozen=True)
class Event:
    """Something to remind of: its kind, its project (and next step), and the facts the message states."""

    kind: str
    project: Project
    since: datetime.datetime
    days: int
    threshold: int | None = None
    keypoint: KeyPoint | None = None

    @property
    def key(self):
        subject = f"kp{self.keypoint.pk}" if self.keypoint else f"p{self.project.pk}s{self.project.stage}"
        return f"{self.kind}:{subject}:{self.since.astimezone(datetime.UTC):%Y%m%dT%H%M%S.%f}"


def _start_of(day):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


# The rules -----------------------------------------------------------------------------------------


# What a scan reads of a project and of a next step: an event names them (the message is written from
# the reminder row later), so the scans over every open project load these columns and no others.
PROJECT_FIELDS = ("id", "stage", "status", "owner_id", "quiet_since")
STEP_FIELDS = ("id", "project_id", "occurred_at", "next_step_due", "next_step_owner_id", "next_step_status")


def _people():
    """Every person by id, in one query: attached to the rows of a scan instead of joined to each."""
    return User.objects.in_bulk()


def stalled_projects(now=None):
    """Open projects silent for longer than their stage's threshold, with `quiet_since` and their owner
    (the columns a scan reads: PROJECT_FIELDS)."""
    return stalls.stalled(Project.objects.only(*PROJECT_FIELDS), now).select_related("owner")


def stall_events(now=None):
    now = now or timezone.now()
    thresholds = stalls.thresholds()
    people = _people()
    events = []
    for project in stalls.stalled(Project.objects.only(*PROJECT_FIELDS), now):
        project.owner = people[project.owner_id]
        threshold = thresholds[project.stage]
        days = (now - project.quiet_since).days
        events.append(Event(Kind.STALL, project, project.quiet_since, days, threshold))
        if now - project.quiet_since > datetime.timedelta(days=2 * threshold):
            events.append(Event(Kind.STALL_ESCALATION, project, project.quiet_since, days, threshold))
    return events


def overdue_events(now=None):
    """Open next steps past their due date, on open projects; escalated once overdue as long again as
    they were given (the time from the record to the due date, at least a day)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    steps = (
        KeyPoint.objects.filter(
            next_step_status=NextStepStatus.OPEN, next_step_due__lt=today, project__status=ProjectStatus.OPEN
        )
        .select_related("project")
        .only(*STEP_FIELDS, *(f"project__{name}" for name in PROJECT_FIELDS))
    )
    people = _people()
    zone = timezone.get_current_timezone()
    events = []
    for step in steps:
        step.next_step_owner = people[step.next_step_owner_id]
        step.project.owner = people[step.project.owner_id]
        overdue = (today - step.next_step_due).days
        given = max(1, (step.next_step_due - timezone.localdate(step.occurred_at, zone)).days)
        since = _start_of(step.next_step_due)
        events.append(Event(Kind.OVERDUE, step.project, since, overdue, given, keypoint=step))
        if overdue >= given:
            events.append(Event(Kind.OVERDUE_ESCALATION, step.project, since, overdue, given, keypoint=step))
    return events


def resume_events(now=None):
    """Paused projects whose resume date has come: their owner decides whether to resume."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    projects = Project.objects.filter(status=ProjectStatus.ON_HOLD, resume_on__lte=today).select_related(
        "owner", "customer"
    )
    return [
        Event(Kind.RESUME, project, _start_of(project.resume_on), (today - project.resume_on).days)
        for project in projects
    ]


def sales_leads():
    return list(User.objects.filter(role=Role.LEAD))


def recipients(event, leads):
    """Who is told of an event: the owner; an escalation goes one level up, to `leads` (sales_leads(),
    read once for a whole scan). (Whoever is no longer active is left out when the reminders are written.)"""
    if event.kind == Kind.STALL_ESCALATION:
        return leads
    if event.kind == Kind.OVERDUE:
        return [event.keypoint.next_step_owner]
    if event.kind == Kind.OVERDUE_ESCALATION:
        # The project owner, unless they own the step themselves and have been told already.
        owner = event.project.owner
        return [] if owner.pk == event.keypoint.next_step_owner_id else [owner]
    return [event.project.owner]


def chat_groups(event, webhooks):
    """The group robots that hear of an event: the team's, and those of the deal's owner."""
    return [hook for hook in webhooks if hook.owner_id in (None, event.project.owner_id)]


# The scans -----------------------------------------------------------------------------------------

# What someone who never set preferences gets: every email.
DEFAULT_PREFERENCE = Preference()


def _planned_rows(event, webhooks, preferences, leads):
    rows = []
    for person in recipients(event, leads):
        if not person.is_active:
            continue
        rows.append((Channel.APP, person, None))
        preference = preferences.get(person.pk) or DEFAULT_PREFERENCE
        if person.email and preference.wants_email(event.kind):
            rows.append((Channel.EMAIL, person, None))
    for hook in chat_groups(event, webhooks):
        rows.append((Channel.CHAT, None, hook))
    return [
        Reminder(
            key=f"{event.key}:{channel}:{f'u{person.pk}' if person else f'w{hook.pk}'}",
            kind=event.kind,
            channel=channel,
            project=event.project,
            keypoint=event.keypoint,
            recipient=person,
            webhook=hook,
            stage=event.project.stage,
            since=event.since,
            days=event.days,
            threshold=event.threshold,
        )
        for channel, person, hook in rows
    ]


def _written(keys):
    """Which of these reminders exist already (most, on a repeated scan): they are not tried again."""
    return set(Reminder.objects.filter(key__in=keys).values_list("key", flat=True))


def remind(events):
    """Write the reminders of these events that do not exist yet; return the new email and chat rows,
    which are to be delivered."""
    webhooks = list(ChatWebhook.objects.filter(is_active=True))
    preferences = {pref.user_id: pref for pref in Preference.objects.all()}
    leads = sales_leads()
    planned = [row for event in events for row in _planned_rows(event, webhooks, preferences, leads)]
    existing = _written([row.key for row in planned])
    created = []
    for row in planned:
        if row.key in existing:
            continue
        try:
            with transaction.atomic():
                row.save()
        except IntegrityError:
            if not Reminder.objects.filter(key=row.key).exists():
                raise  # not the unique key: a real fault, which must not pass unseen
            # Another scan wrote this reminder a moment ago: it is theirs to deliver.
            continue
        created.append(row)
    return created


JOBS = {
    ScanRun.Job.STALLS: lambda now: stall_events(now) + resume_events(now),
    ScanRun.Job.OVERDUE: overdue_events,
}


def run_scan(job, now=None):
    """Run one scan, record that it ran and what it did; return the reminders to deliver."""
    now = now or timezone.now()
    run = ScanRun.objects.create(job=job, started_at=now)
    try:
        events = JOBS[job](now)
        created = remind(events)
    except Exception as error:
        run.error = repr(error)[:2000]
        run.finished_at = timezone.now()
        run.save(update_fields=["error", "finished_at"])
        raise
    run.found = len(events)
    run.created = len(created)
    run.finished_at = timezone.now()
    run.save(update_fields=["found", "created", "finished_at"])
    return [row for row in created if row.channel != Channel.APP]


# A delivery is tried this many times (the task retries with backoff) before it is left failed.
MAX_ATTEMPTS = 30
STRANDED_AFTER = datetime.timedelta(minutes=10)
STRANDED_FOR_AT_MOST = datetime.timedelta(days=2)


def stranded(now=None):
    """Email and chat reminders written but never sent, whose delivery was lost (a worker stopped
    between the scan and the send): each scan hands them to delivery again. Sending twice cannot
    follow: a delivery skips a row that is sent."""
    now = now or timezone.now()
    return list(
        Reminder.objects.filter(
            sent_at__isnull=True,
            attempts__lt=MAX_ATTEMPTS,
            created_at__lt=now - STRANDED_AFTER,
            created_at__gte=now - STRANDED_FOR_AT_MOST,
        ).exclude(channel=Channel.APP)
    )


# Settings ------------------------------------------------------------------------------------------


_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)


def _microseconds(moment):
    return (moment - _EPOCH) // datetime.timedelta(microseconds=1) if moment else 0


def thresholds_version():
    """The version of the stall thresholds a form shows: when the newest of them was saved
    (microseconds since 1970), 0 while every stage has its default."""
    return _microseconds(StallSetting.objects.aggregate(newest=Max("updated_at"))["newest"])


def _refuse_if_changed(rows, seen):
    """Refuse (ValidationError, code "stale") when any of these thresholds was saved after the version
    the form showed, naming who saved the newest, when, and which stages changed."""
    newer = sorted((row for row in rows if _microseconds(row.updated_at) > seen), key=lambda row: row.stage)
    if not newer:
        return
    newest = max(newer, key=lambda row: row.updated_at)
    stages = join_list([row.get_stage_display() for row in newer])
    raise versions.stale_error(
        who=User.objects.filter(pk=newest.updated_by_id).first(),
        at=newest.updated_at,
        fields=_("the stall thresholds of %(stages)s") % {"stages": stages},
    )


def save_thresholds(*, thresholds, actor, seen=None):
    """An admin's stall thresholds. A stage set back to its default keeps a row all the same (the admin's
    decision, recorded with who made it); a stage whose days did not change keeps who set it.

    With `seen`, the version the form showed (thresholds_version), a save over thresholds someone saved
    since is refused: the rows are locked, then checked, so that of two admins saving at once from one
    version the second waits and is refused. Without it (and for a stage's first row, whose insert
    meets another's) the later save wins."""
    with transaction.atomic():
        rows = {row.stage: row for row in StallSetting.objects.select_for_update()}
        if seen is not None:
            _refuse_if_changed(rows.values(), seen)
        for stage, days in thresholds.items():
            row = rows.get(stage)
            if row is None:
                try:
                    with transaction.atomic():
                        StallSetting.objects.create(stage=stage, days=days, updated_by=actor)
                    continue
                except IntegrityError:
                    # Another save created this stage's row since the lock above was taken.
                    row = StallSetting.objects.select_for_update().get(stage=stage)
                    if seen is not None:
                        _refuse_if_changed([row], seen)
            if row.days != days:
                row.days, row.updated_by = days, actor
                row.save(update_fields=["days", "updated_by", "updated_at"])


def webhook_save(*, webhook, actor, seen=None):
    """A group robot added or changed; a change over a version someone saved since the form showed it
    (seen) is refused, naming who changed what."""
    with transaction.atomic():
        versions.lock_unchanged(webhook, seen)
        webhook._history_user = actor
        webhook.save()
        return webhook


def save_preferences(*, user, values):
    """A person's reminder preferences; their first save from two tabs at once creates one row."""
    preference, _created = Preference.objects.get_or_create(user=user, defaults=values)
    Preference.objects.filter(pk=preference.pk).update(**values)
