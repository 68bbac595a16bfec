"""The stall rule (customers/stalls.py) at its edges: a project is stalled when open and quiet in its
stage since before the stage's cutoff, quiet since its newest key point in that stage or its entry into
the stage, whichever is later. The rule reads no annotation, so a count or a filter reads no more."""

import datetime

import pytest
from django.utils import timezone

from customers import stalls
from customers.models import Project, ProjectStatus, StallSetting
from keypoints.models import KeyPoint
from tests.factories import KeyPointFactory, ProjectFactory

NOW = datetime.datetime(2026, 6, 30, 4, 0, tzinfo=datetime.UTC)
LIMIT = 14  # stage 1's default threshold
CUTOFF = NOW - datetime.timedelta(days=LIMIT)


@pytest.fixture
def project(rep_customer):
    project = ProjectFactory(customer=rep_customer)
    Project.objects.filter(pk=project.pk).update(stage=1, stage_entered_at=NOW - datetime.timedelta(days=30))
    return project


def is_stalled(project):
    stalled = stalls.stalled(Project.objects.filter(pk=project.pk), NOW).exists()
    # A page of rows reads the rule the other way round (stalls_among): both agree at every edge.
    assert (project.pk in stalls.stalls_among(Project.objects.filter(pk=project.pk), NOW)) is stalled
    return stalled


def quiet_since(project):
    since = stalls.stalled(Project.objects.filter(pk=project.pk), NOW).get().quiet_since
    assert stalls.stalls_among(Project.objects.filter(pk=project.pk), NOW)[project.pk].days == (NOW - since).days
    return since


def test_a_project_silent_past_its_threshold_is_stalled_since_it_entered_its_stage(project):
    assert stalls.thresholds()[1] == LIMIT
    assert is_stalled(project) and quiet_since(project) == NOW - datetime.timedelta(days=30)


def test_a_key_point_in_its_stage_since_the_cutoff_keeps_it_moving(project):
    KeyPointFactory(project=project, stage=1, occurred_at=CUTOFF)
    assert not is_stalled(project)


def test_a_key_point_just_before_the_cutoff_is_when_its_silence_began(project):
    before = CUTOFF - datetime.timedelta(seconds=1)
    KeyPointFactory(project=project, stage=1, occurred_at=before)
    KeyPointFactory(project=project, stage=1, occurred_at=before - datetime.timedelta(days=3))
    assert is_stalled(project) and quiet_since(project) == before


def test_a_key_point_in_another_stage_does_not_count(project):
    KeyPointFactory(project=project, stage=2, occurred_at=NOW - datetime.timedelta(days=1))
    assert is_stalled(project) and quiet_since(project) == NOW - datetime.timedelta(days=30)


def test_a_project_that_entered_its_stage_at_the_cutoff_is_not_yet_stalled(project):
    Project.objects.filter(pk=project.pk).update(stage_entered_at=CUTOFF)
    assert not is_stalled(project)
    Project.objects.filter(pk=project.pk).update(stage_entered_at=CUTOFF - datetime.timedelta(seconds=1))
    assert is_stalled(project)


def test_entering_the_stage_after_its_last_key_point_restarts_the_silence(project):
    KeyPointFactory(project=project, stage=1, occurred_at=NOW - datetime.timedelta(days=40))
    assert quiet_since(project) == NOW - datetime.timedelta(days=30)


def test_an_archived_key_point_still_counts_as_the_project_speaking(project):
    # As the rule has always read a project's records: every one, archived or not.
    keypoint = KeyPointFactory(project=project, stage=1, occurred_at=NOW - datetime.timedelta(days=1))
    KeyPoint.objects.filter(pk=keypoint.pk).update(archived_at=timezone.now())
    assert not is_stalled(project)


@pytest.mark.parametrize("status", [ProjectStatus.ON_HOLD, ProjectStatus.LOST, ProjectStatus.COMPLETED])
def test_only_open_projects_stall(project, status):
    Project.objects.filter(pk=project.pk).update(status=status)
    assert not is_stalled(project)


def test_a_stage_whose_threshold_is_zero_is_not_checked(project):
    assert not stalls.stalled(Project.objects.filter(pk=project.pk), NOW, days={1: 0}).exists()
    assert not stalls.stalled(Project.objects.filter(pk=project.pk), NOW, days={}).exists()
    StallSetting.objects.update_or_create(stage=1, defaults={"days": 0})
    assert stalls.stalls_among(Project.objects.filter(pk=project.pk), NOW) == {}


def test_the_escalation_factor_doubles_the_threshold(project):
    condition = stalls.stalled_condition(NOW, factor=2)
    assert Project.objects.filter(pk=project.pk).filter(condition).exists()  # 30 days > 28
    Project.objects.filter(pk=project.pk).update(stage_entered_at=NOW - datetime.timedelta(days=27))
    assert not Project.objects.filter(pk=project.pk).filter(condition).exists()


def test_stalls_among_tells_the_days_and_threshold_of_each(project, rep_customer):
    moving = ProjectFactory(customer=rep_customer)
    found = stalls.stalls_among(Project.objects.filter(pk__in=[project.pk, moving.pk]), NOW)
    assert found == {project.pk: stalls.Stall(days=30, threshold=LIMIT)}


def test_stalls_among_reads_a_changed_threshold(project, rep_customer):
    StallSetting.objects.update_or_create(stage=1, defaults={"days": 31})
    assert stalls.stalls_among(Project.objects.filter(pk=project.pk), NOW) == {}
    StallSetting.objects.update_or_create(stage=1, defaults={"days": 29})
    assert stalls.stalls_among(Project.objects.filter(pk=project.pk), NOW) == {
        project.pk: stalls.Stall(days=30, threshold=29)
    }
