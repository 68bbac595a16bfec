"""The reminder rules, on a controlled clock: a stall starts, ends with a key point and starts again;
escalation at twice the threshold; a stage whose check is off; a pause and its resume date; an overdue
next step and its escalation. Each reminder is written once, however often the scans run."""

import datetime
import zoneinfo

import pytest
import time_machine
from django.db import IntegrityError
from django.utils import timezone

from accounts.models import Role
from customers import stalls
from customers.models import ProjectStatus, StallSetting
from keypoints import services as keypoint_services
from keypoints.models import KeyPoint, NextStepStatus
from keypoints.stages import StageNumber, get_stage
from reminders import services
from reminders.models import Channel, Kind, Preference, Reminder, ScanRun
from tests.factories import KeyPointFactory, ProjectFactory, UserFactory

# 9 a.m. in the team's time zone (settings.TIME_ZONE), where due dates fall.
START = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=zoneinfo.ZoneInfo("Asia/Shanghai"))
LEAD_DAYS = get_stage(StageNumber.LEAD).default_stall_days


def at(days, hours=0):
    return time_machine.travel(START + datetime.timedelta(days=days, hours=hours), tick=False)


def scan():
    return services.run_scan(ScanRun.Job.STALLS)


def reminders(kind=None, channel=Channel.APP):
    rows = Reminder.objects.filter(channel=channel)
    if kind:
        rows = rows.filter(kind=kind)
    return list(rows.order_by("pk"))


@pytest.fixture
def project(db):
    with at(0):
        return ProjectFactory(owner=UserFactory(username="owner", role=Role.REP))


@pytest.fixture
def team_lead(db):
    return UserFactory(username="teamlead", role=Role.LEAD)


def test_a_stall_starts_after_the_threshold_ends_with_a_key_point_and_starts_again(project, team_lead):
    with at(LEAD_DAYS, -1):
        scan()
    assert reminders() == [], "not stalled a day before the threshold"

    with at(LEAD_DAYS, 1):
        scan()
        scan()
    [first] = reminders()
    assert (first.kind, first.recipient, first.days, first.threshold) == (
        Kind.STALL,
        project.owner,
        LEAD_DAYS,
        LEAD_DAYS,
    )
    assert first.since == START

    # A key point ends the stall: the silence now begins at that record.
    with at(LEAD_DAYS, 2):
        KeyPointFactory(project=project, occurred_at=timezone.now())
    with at(LEAD_DAYS + 3):
        scan()
    assert reminders() == [first]

    # Silent again for longer than the threshold: a new stall, a new reminder.
    with at(2 * LEAD_DAYS + 3):
        scan()
    [_, second] = reminders()
    assert second.kind == Kind.STALL and second.since == START + datetime.timedelta(days=LEAD_DAYS, hours=2)


def test_a_stall_open_at_twice_the_threshold_escalates_to_the_sales_leads_once(project, team_lead):
    other_lead = UserFactory(username="lead2", role=Role.LEAD)
    UserFactory(username="gone", role=Role.LEAD, is_active=False)
    with at(2 * LEAD_DAYS, -1):
        scan()
    assert reminders(Kind.STALL_ESCALATION) == []
    with at(2 * LEAD_DAYS, 1):
        scan()
        scan()
    escalated = reminders(Kind.STALL_ESCALATION)
    assert {row.recipient for row in escalated} == {team_lead, other_lead}
    assert len(reminders(Kind.STALL)) == 1


def test_a_new_stage_starts_a_new_clock(project):
    with at(LEAD_DAYS - 1):
        keypoint_services.project_change_stage(
            project=project, actor=project.owner, to_stage=StageNumber.NEEDS, reason="跳过"
        )
    with at(LEAD_DAYS + 1):
        scan()
    assert reminders() == []


def test_a_stage_whose_threshold_is_zero_is_not_checked_and_thresholds_are_the_admins(project):
    StallSetting.objects.create(stage=StageNumber.LEAD, days=0)
    with at(300):
        scan()
    assert reminders() == []
    StallSetting.objects.filter(stage=StageNumber.LEAD).update(days=3)
    with at(4):
        scan()
    assert [row.threshold for row in reminders()] == [3]


def test_paused_projects_are_skipped_until_their_resume_date_which_reminds_the_owner(project):
    with at(1):
        keypoint_services.project_put_on_hold(
            project=project,
            actor=project.owner,
            reason="预算冻结",
            resume_on=(START + datetime.timedelta(days=60)).date(),
        )
    with at(59):
        scan()
    assert reminders() == []
    with at(60, 1):
        scan()
        scan()
    [resume] = reminders()
    assert (resume.kind, resume.recipient) == (Kind.RESUME, project.owner)
    # Resumed: the clock starts at the resume, not at the silence before the pause.
    with at(61):
        keypoint_services.project_reopen(project=project, actor=project.owner, reason="预算恢复")
    with at(61 + LEAD_DAYS, -1):
        scan()
    assert reminders(Kind.STALL) == []
    with at(61 + LEAD_DAYS, 1):
        scan()
    assert len(reminders(Kind.STALL)) == 1


@pytest.mark.parametrize("status", [ProjectStatus.LOST, ProjectStatus.COMPLETED])
def test_lost_and_completed_projects_are_never_stalled(project, status):
    type(project).objects.filter(pk=project.pk).update(status=status)
    with at(400):
        scan()
    assert reminders() == []


def overdue_scan():
    return services.run_scan(ScanRun.Job.OVERDUE)


def test_an_overdue_next_step_reminds_its_owner_once_and_escalates_after_as_many_days_again(project):
    helper = UserFactory(username="helper", role=Role.REP)
    with at(0):
        # Recorded on day 0, due on day 4: four days given.
        step = KeyPointFactory(
            project=project, occurred_at=timezone.now(), next_step_owner=helper, next_step_due=datetime.date(2026, 3, 6)
        )
    with at(4, 14):
        overdue_scan()
    assert reminders() == [], "due today is not overdue"
    with at(5):
        overdue_scan()
        overdue_scan()
    [reminder] = reminders()
    assert (reminder.kind, reminder.recipient, reminder.keypoint, reminder.days) == (Kind.OVERDUE, helper, step, 1)
    with at(7):
        overdue_scan()
    assert reminders(Kind.OVERDUE_ESCALATION) == []
    with at(8):
        overdue_scan()
        overdue_scan()
    [escalated] = reminders(Kind.OVERDUE_ESCALATION)
    assert (escalated.recipient, escalated.days) == (project.owner, 4)


def test_a_done_next_step_is_not_overdue_and_an_owners_own_step_does_not_escalate_to_themselves(project):
    with at(0):
        done = KeyPointFactory(project=project, occurred_at=timezone.now(), next_step_due=datetime.date(2026, 3, 3))
        own = KeyPointFactory(project=project, occurred_at=timezone.now(), next_step_due=datetime.date(2026, 3, 3))
        keypoint_services.next_step_set_done(keypoint=done, actor=project.owner, done=True)
    with at(30):
        overdue_scan()
    assert [(row.kind, row.keypoint) for row in reminders()] == [(Kind.OVERDUE, own)]
    assert own.next_step_status == NextStepStatus.OPEN


def test_email_follows_the_recipients_preference_and_chat_goes_to_matching_groups(project, team_lead):
    from reminders.models import ChatWebhook, Platform

    team = ChatWebhook.objects.create(name="销售群", platform=Platform.WECOM, url="http://127.0.0.1:9/team")
    ChatWebhook.objects.create(name="别人的群", platform=Platform.FEISHU, url="http://127.0.0.1:9/x", owner=team_lead)
    Preference.objects.create(user=team_lead, email_stall=False)
    with at(2 * LEAD_DAYS + 1):
        to_deliver = scan()
    assert {(row.kind, row.channel, row.recipient, row.webhook) for row in to_deliver} == {
        (Kind.STALL, Channel.EMAIL, project.owner, None),
        (Kind.STALL, Channel.CHAT, None, team),
        (Kind.STALL_ESCALATION, Channel.CHAT, None, team),
    }
    with at(2 * LEAD_DAYS + 2):
        assert scan() == [], "a second scan delivers nothing new"


def test_each_scan_records_that_it_ran_and_what_it_did(project):
    with at(LEAD_DAYS + 1):
        scan()
    with at(LEAD_DAYS + 2):
        scan()
    runs = list(ScanRun.objects.filter(job=ScanRun.Job.STALLS).order_by("started_at"))
    assert [(run.found, run.created) for run in runs] == [(1, 2), (1, 0)]
    assert all(run.finished_at and not run.error for run in runs)


def test_a_scan_judges_by_the_moment_it_is_given(project):
    """The scans take their moment as an argument (beat passes the time it fired): as of ten days ago
    a project silent for twenty was not stalled yet, and a step due last week was not overdue."""
    with at(20):
        KeyPointFactory(
            project=project, occurred_at=START, next_step_due=datetime.date(2026, 3, 20)
        )  # recorded on day 0, due on day 18
        earlier = timezone.now() - datetime.timedelta(days=10)
        assert services.run_scan(ScanRun.Job.STALLS, now=earlier) == []
        assert services.run_scan(ScanRun.Job.OVERDUE, now=earlier) == []
        assert reminders() == []
        services.run_scan(ScanRun.Job.STALLS, now=timezone.now())
        services.run_scan(ScanRun.Job.OVERDUE, now=timezone.now())
    assert {row.kind for row in reminders()} == {Kind.STALL, Kind.OVERDUE}


def test_stall_and_escalation_start_strictly_after_their_limits(project, team_lead):
    with at(LEAD_DAYS):
        scan()
    assert reminders() == [], "exactly at the threshold is not past it"
    with at(2 * LEAD_DAYS):
        scan()
    [stall] = reminders()
    assert (stall.kind, stall.days, stall.threshold) == (Kind.STALL, 2 * LEAD_DAYS, LEAD_DAYS)
    with at(2 * LEAD_DAYS, 1):
        scan()
    [escalated] = reminders(Kind.STALL_ESCALATION)
    assert (escalated.recipient, escalated.days, escalated.threshold) == (team_lead, 2 * LEAD_DAYS, LEAD_DAYS)


def test_people_no_longer_active_are_not_reminded(project, team_lead):
    UserFactory(username="aaa-gone-lead", role=Role.LEAD, is_active=False)  # first by name
    type(project.owner).objects.filter(pk=project.owner_id).update(is_active=False)
    with at(2 * LEAD_DAYS + 1):
        scan()
    assert [(row.kind, row.recipient) for row in reminders()] == [(Kind.STALL_ESCALATION, team_lead)]


def test_overdue_steps_on_lost_projects_are_left_alone_and_a_step_given_no_time_escalates_after_a_day(project):
    with at(0):
        same_day = KeyPointFactory(project=project, occurred_at=timezone.now(), next_step_due=datetime.date(2026, 3, 2))
        lost = ProjectFactory(owner=project.owner, customer=project.customer)
        KeyPointFactory(project=lost, occurred_at=timezone.now(), next_step_due=datetime.date(2026, 3, 2))
    type(lost).objects.filter(pk=lost.pk).update(status=ProjectStatus.LOST)
    with at(1, 1):
        overdue_scan()
    rows = reminders()
    assert [(row.kind, row.keypoint, row.days, row.threshold) for row in rows] == [(Kind.OVERDUE, same_day, 1, 1)]
    helper = UserFactory(username="helper2", role=Role.REP)
    KeyPoint.objects.filter(pk=same_day.pk).update(next_step_owner=helper)
    with at(1, 2):
        overdue_scan()
    [escalated] = reminders(Kind.OVERDUE_ESCALATION)
    assert (escalated.recipient, escalated.days, escalated.threshold) == (project.owner, 1, 1)


def test_only_paused_projects_are_reminded_of_their_resume_date(project):
    type(project).objects.filter(pk=project.pk).update(status=ProjectStatus.LOST, resume_on=datetime.date(2026, 3, 5))
    with at(10):
        scan()
    assert reminders(Kind.RESUME) == []


def test_a_failing_scan_is_recorded_with_its_error_and_still_raises(project, monkeypatch):
    def broken(now):
        raise RuntimeError("database went away")

    monkeypatch.setitem(services.JOBS, ScanRun.Job.STALLS, broken)
    with pytest.raises(RuntimeError):
        scan()
    run = ScanRun.objects.get()
    assert run.error == "RuntimeError('database went away')" and run.finished_at is not None
    assert (run.found, run.created) == (0, 0)
    assert ScanRun.objects.filter(error="", finished_at__isnull=False).count() == 0


def test_only_key_points_of_the_current_stage_end_its_silence(project):
    with at(0):
        keypoint_services.project_change_stage(
            project=project, actor=project.owner, to_stage=StageNumber.NEEDS, reason="已明确需求"
        )
    needs_days = get_stage(StageNumber.NEEDS).default_stall_days
    with at(needs_days + 1):
        # A late record of the lead stage says nothing about needs discovery.
        KeyPointFactory(project=project, stage=StageNumber.LEAD, occurred_at=timezone.now())
        scan()
    [stall] = reminders()
    assert (stall.stage, stall.since, stall.threshold) == (StageNumber.NEEDS, START, needs_days)


def test_the_stall_badges_judge_by_the_moment_given_too(project):
    with at(LEAD_DAYS + 5):
        now = timezone.now()
        assert set(stalls.stalls_among(type(project).objects.all(), now)) == {project.pk}
        assert stalls.stalls_among(type(project).objects.all(), now - datetime.timedelta(days=10)) == {}
        [(pk, stall)] = stalls.stalls_among(type(project).objects.all(), now).items()
        assert (stall.days, stall.threshold, stall.escalated) == (LEAD_DAYS + 5, LEAD_DAYS, False)


def test_a_resume_date_is_judged_by_the_moment_given(project):
    with at(1):
        keypoint_services.project_put_on_hold(
            project=project, actor=project.owner, reason="等预算", resume_on=datetime.date(2026, 3, 20)
        )
    with at(30):
        assert services.run_scan(ScanRun.Job.STALLS, now=timezone.now() - datetime.timedelta(days=20)) == []
        assert reminders() == []
        services.run_scan(ScanRun.Job.STALLS, now=timezone.now())
    [resume] = reminders()
    assert (resume.kind, resume.days) == (Kind.RESUME, 12)


def test_a_reminder_another_scan_wrote_meanwhile_is_left_to_it_and_the_rest_are_written(
    project, team_lead, monkeypatch
):
    """The race of tests/reminders/test_races.py, played out here step by step: another scan wrote the
    owner's reminders after this one looked at what was written, before it wrote its own."""
    with at(2 * LEAD_DAYS + 1):
        events = services.stall_events()
        theirs = services.remind([event for event in events if event.kind == Kind.STALL])
        monkeypatch.setattr(services, "_written", lambda keys: set())
        ours = services.remind(events)
    owner, lead = project.owner, team_lead
    assert [(row.channel, row.recipient) for row in theirs] == [(Channel.APP, owner), (Channel.EMAIL, owner)]
    assert [(row.kind, row.channel, row.recipient) for row in ours] == [
        (Kind.STALL_ESCALATION, Channel.APP, lead),
        (Kind.STALL_ESCALATION, Channel.EMAIL, lead),
    ]
    assert Reminder.objects.count() == 4


def test_a_reminder_refused_for_another_reason_is_an_error_not_a_skip(project, monkeypatch):
    events = [services.Event(Kind.STALL, project, timezone.now(), days=-1, threshold=LEAD_DAYS)]
    with pytest.raises(IntegrityError):
        services.remind(events)


def test_the_scans_read_a_fixed_number_of_queries_however_many_projects(team_lead, django_assert_max_num_queries):
    def stalled_and_overdue(count):
        with at(0):
            for _ in range(count):
                project = ProjectFactory(owner=UserFactory(role=Role.REP))
                KeyPointFactory(project=project, occurred_at=timezone.now(), next_step_due=timezone.localdate())
        with at(3 * LEAD_DAYS):
            with django_assert_max_num_queries(6) as read:
                found = services.stall_events() + services.overdue_events()
            kinds = {event.kind for event in found}
            # Every event names its project and owner without another query.
            assert all(event.project.owner.username for event in found)
            assert all(event.keypoint.next_step_owner.username for event in found if event.keypoint)
        return len(read.captured_queries), len(found), kinds

    few = stalled_and_overdue(2)
    many = stalled_and_overdue(10)
    assert few[0] == many[0]
    assert (few[1], many[1]) == (8, 48)
    assert many[2] == {Kind.STALL, Kind.STALL_ESCALATION, Kind.OVERDUE, Kind.OVERDUE_ESCALATION}
