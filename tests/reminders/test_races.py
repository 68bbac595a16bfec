"""Two scans at the same moment, on real PostgreSQL: one reminder per stall, level and channel, and
each delivered by exactly one of them; a task run again, or two workers delivering one reminder at
once, send nothing new."""

import datetime
import os
import threading

import pytest
from django.core import mail
from django.db import connection, connections
from django.utils import timezone

from accounts.models import Role
from customers.models import Project, StallSetting
from reminders import services, tasks
from reminders.models import ChatWebhook, Platform, Preference, Reminder, ScanRun
from tests.factories import KeyPointFactory, ProjectFactory, UserFactory

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql" and not os.environ.get("CI"),
        reason="a race needs a real database server: run with DATABASE_URL=postgres://...",
    ),
]


def at_once(job, count):
    barrier = threading.Barrier(count)
    results = [None] * count

    def scan(index):
        try:
            barrier.wait()
            results[index] = services.run_scan(job)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=scan, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_racing_scans_write_each_reminder_once_and_deliver_it_once():
    UserFactory(username="teamlead", role=Role.LEAD)
    projects = [ProjectFactory(owner=UserFactory(role=Role.REP)) for _ in range(12)]
    Project.objects.filter(pk__in=[p.pk for p in projects]).update(
        stage_entered_at=timezone.now() - datetime.timedelta(days=40)
    )
    for project in projects[:6]:
        KeyPointFactory(
            project=project,
            occurred_at=timezone.now() - datetime.timedelta(days=30),
            next_step_due=timezone.localdate() - datetime.timedelta(days=20),
        )

    for job in (ScanRun.Job.STALLS, ScanRun.Job.OVERDUE):
        results = at_once(job, 4)
        to_deliver = [row.key for result in results for row in result]
        assert len(to_deliver) == len(set(to_deliver)), "a reminder handed to delivery twice"
        rows = Reminder.objects.filter(kind__startswith="stall" if job == ScanRun.Job.STALLS else "overdue")
        assert sorted(to_deliver) == sorted(rows.exclude(channel="app").values_list("key", flat=True))

    # 12 stalled at 40 days (> 2 × 14): owner (app + email) and the lead (app + email) each.
    assert Reminder.objects.filter(kind="stall").count() == 12 * 2
    assert Reminder.objects.filter(kind="stall_escalation").count() == 12 * 2
    # 6 steps 20 days overdue after 10 days given: owner's reminder; the escalation is to the same person.
    assert Reminder.objects.filter(kind="overdue").count() == 6 * 2
    assert ScanRun.objects.count() == 8


def at_once_calls(calls):
    barrier = threading.Barrier(len(calls))
    errors = []

    def run(call):
        try:
            barrier.wait()
            call()
        except Exception as error:  # noqa: BLE001 (collected, asserted below)
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


def test_two_admins_saving_thresholds_at_once_both_succeed_one_row_per_stage():
    first, second = UserFactory(role=Role.ADMIN), UserFactory(role=Role.ADMIN)
    errors = at_once_calls(
        [
            lambda: services.save_thresholds(thresholds=dict.fromkeys(range(1, 8), 10), actor=first),
            lambda: services.save_thresholds(thresholds=dict.fromkeys(range(1, 8), 20), actor=second),
        ]
    )
    assert errors == []
    rows = list(StallSetting.objects.values_list("stage", "days"))
    assert len(rows) == 7 and len({days for _stage, days in rows}) == 1, rows


def test_a_first_save_of_preferences_from_two_tabs_makes_one_row():
    user = UserFactory(role=Role.REP)
    values = {
        "language": "en",
        "email_stall": False,
        "email_overdue": True,
        "email_resume": True,
        "daily_summary": False,
    }
    errors = at_once_calls([lambda: services.save_preferences(user=user, values=values)] * 2)
    assert errors == []
    assert Preference.objects.filter(user=user, language="en", email_stall=False).count() == 1


def stalled_with_a_group(robot):
    owner = UserFactory(role=Role.REP, email="owner@example.com")
    project = ProjectFactory(owner=owner, customer__owner=owner)
    Project.objects.filter(pk=project.pk).update(stage_entered_at=timezone.now() - datetime.timedelta(days=20))
    ChatWebhook.objects.create(name="销售群", platform=Platform.WECOM, url=f"{robot.url}/send?key=k")
    return project


def test_a_retried_scan_or_delivery_task_sends_nothing_new(robot, monkeypatch):
    """The tasks as a worker runs them: a scan run again (a retry, or beat firing twice) enqueues no
    delivery, and a delivery run again (the worker died before acknowledging it, so the broker hands
    it out again) posts and mails nothing more."""
    stalled_with_a_group(robot)
    enqueued = []
    monkeypatch.setattr(tasks.deliver, "delay", enqueued.append)

    assert tasks.scan_stalls.apply().get() == 2
    assert len(enqueued) == 2, "the email and the chat post, once each committed"
    for pk in enqueued:
        assert tasks.deliver.apply(args=[pk]).get() is True
        assert tasks.deliver.apply(args=[pk]).get() is False
    assert len(robot.received) == 1 and len(mail.outbox) == 1

    assert tasks.scan_stalls.apply().get() == 0
    assert len(enqueued) == 2
    assert len(robot.received) == 1 and len(mail.outbox) == 1
    assert Reminder.objects.filter(sent_at__isnull=False).count() == 2


def test_two_workers_delivering_one_reminder_at_once_post_it_once(robot):
    stalled_with_a_group(robot)
    [chat] = [row for row in services.run_scan(ScanRun.Job.STALLS) if row.channel == "chat"]
    # The robot answers slowly: the first worker still holds the row when the second looks at it.
    robot.delay = 1
    results = []
    errors = at_once_calls([lambda: results.append(tasks.deliver.apply(args=[chat.pk]).get())] * 2)
    assert errors == []
    assert sorted(results) == [False, True]
    assert len(robot.received) == 1
    chat.refresh_from_db()
    assert chat.sent_at and chat.attempts == 1
