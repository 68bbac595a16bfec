"""Time in each stage from the stage history, checked to the hour on a hand-built history."""

import datetime

import pytest

from customers.models import Project, ProjectStatus
from keypoints import stage_time
from keypoints.models import StageChange, StageHistory
from tests.factories import ProjectFactory

T0 = datetime.datetime(2026, 6, 1, 9, 0, tzinfo=datetime.UTC)
NOW = T0 + datetime.timedelta(days=30)

OPEN, ON_HOLD, LOST = ProjectStatus.OPEN, ProjectStatus.ON_HOLD, ProjectStatus.LOST


def history(project, *rows):
    """rows: (days after T0, kind, to_stage, to_status); the project ends where the last row leaves it."""
    previous_stage, previous_status = None, ""
    for days, kind, to_stage, to_status in rows:
        StageHistory.objects.create(
            project=project,
            kind=kind,
            from_stage=previous_stage,
            to_stage=to_stage,
            from_status=previous_status,
            to_status=to_status,
            actor=project.owner,
            at=T0 + datetime.timedelta(days=days),
        )
        previous_stage, previous_status = to_stage, to_status
    Project.objects.filter(pk=project.pk).update(stage=previous_stage, status=previous_status)
    return project


@pytest.fixture
def deals(rep, other_rep):
    c, a, h, r, b, lost = (StageChange.CREATED, StageChange.ADVANCE, StageChange.HOLD, StageChange.REOPEN,
                           StageChange.BACK, StageChange.LOST)  # fmt: skip
    return {
        # Stage 1 for 2 days, stage 2 for 3, now in stage 3.
        "p1": history(ProjectFactory(owner=rep), (0, c, 1, OPEN), (2, a, 2, OPEN), (5, a, 3, OPEN)),
        # Stage 1 for 4 days; stage 2 for 2 days, 4 on hold (not counted), 1 more; stage 3 one day, lost.
        "p2": history(
            ProjectFactory(owner=rep),
            (0, c, 1, OPEN),
            (4, a, 2, OPEN),
            (6, h, 2, ON_HOLD),
            (10, r, 2, OPEN),
            (11, a, 3, OPEN),
            (12, lost, 3, LOST),
        ),  # fmt: skip
        # Another rep's: stage 1 for 8 days, back from stage 2 for one more; now in stage 2 again.
        "p3": history(
            ProjectFactory(owner=other_rep), (0, c, 1, OPEN), (8, a, 2, OPEN), (9, b, 1, OPEN), (10, a, 2, OPEN)
        ),
        # On hold in stage 1: its stay there is not finished.
        "p4": history(ProjectFactory(owner=rep), (0, c, 1, OPEN), (1, h, 1, ON_HOLD)),
        # Stage 1 for 6 days, now in stage 2.
        "p5": history(ProjectFactory(owner=rep), (0, c, 1, OPEN), (6, a, 2, OPEN)),
    }


def test_mean_and_median_days_per_stage_over_finished_stays(deals):
    times = stage_time.stage_times(Project.objects.all(), now=NOW)

    # Stage 1 finished stays: 2, 4, 9 (8 + 1 after going back), 6 days; p4 is still there, on hold.
    assert times[1] == stage_time.StageTime(stage=1, count=4, mean_days=5.25, median_days=5.0)
    # Stage 2: p1 3 days, p2 2 + 1 (the hold not counted); p3 and p5 are still in it.
    assert times[2] == stage_time.StageTime(stage=2, count=2, mean_days=3.0, median_days=3.0)
    # Stage 3: p2 one day, then lost; p1 is still in it.
    assert times[3] == stage_time.StageTime(stage=3, count=1, mean_days=1.0, median_days=1.0)
    assert set(times) == {1, 2, 3}


def test_an_odd_number_of_stays_takes_the_middle_one(deals):
    times = stage_time.stage_times(Project.objects.exclude(pk=deals["p5"].pk), now=NOW)

    assert times[1] == stage_time.StageTime(stage=1, count=3, mean_days=5.0, median_days=4.0)


def test_only_the_projects_given_count(deals, rep):
    times = stage_time.stage_times(Project.objects.filter(owner=rep), now=NOW)

    # Without the other rep's p3 (9 days in stage 1): 2, 4, 6.
    assert times[1] == stage_time.StageTime(stage=1, count=3, mean_days=4.0, median_days=4.0)


def test_days_per_project_count_the_current_stay_up_to_now(deals):
    days = stage_time.stage_days(Project.objects.filter(pk__in=[deals["p1"].pk, deals["p2"].pk]), now=NOW)

    p1, p2 = deals["p1"].pk, deals["p2"].pk
    assert days == {
        (p1, 1): (2.0, True),
        (p1, 2): (3.0, True),
        (p1, 3): (25.0, False),
        (p2, 1): (4.0, True),
        (p2, 2): (3.0, True),
        (p2, 3): (1.0, True),
    }


def test_no_history_no_figures(db):
    assert stage_time.stage_times(Project.objects.all(), now=NOW) == {}


def test_one_query(deals, django_assert_num_queries):
    with django_assert_num_queries(1):
        stage_time.stage_times(Project.objects.all(), now=NOW)
