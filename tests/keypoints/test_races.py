"""Two people change one project at the same moment, on real PostgreSQL: one change wins, one row is written.

SQLite cannot show a race (it has no row locks); tests/keypoints/test_races_sqlite.py shows the same
through the threaded development server, where IMMEDIATE transactions do the serializing.
"""

import os
import threading
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections
from django.utils import timezone

from customers.models import LostReason, Project, ProjectStatus
from keypoints import services
from keypoints.models import StageHistory
from keypoints.stages import StageNumber

pytestmark = [
    pytest.mark.django_db(transaction=True),
    # Under CI (which runs on PostgreSQL) these never skip.
    pytest.mark.skipif(
        connection.vendor != "postgresql" and not os.environ.get("CI"),
        reason="a race needs row locks: run with DATABASE_URL=postgres://...",
    ),
]


def advance(project, actor):
    services.project_advance_stage(project=project, actor=actor, seen_stage=1, seen_status=ProjectStatus.OPEN)


def lose(project, actor):
    services.project_mark_lost(
        project=project,
        actor=actor,
        lost_reason=LostReason.objects.first(),
        note="竞品",
        seen_stage=1,
        seen_status=ProjectStatus.OPEN,
    )


def hold(project, actor):
    services.project_put_on_hold(
        project=project,
        actor=actor,
        reason="等预算",
        resume_on=timezone.localdate() + timedelta(days=9),
        seen_stage=1,
        seen_status=ProjectStatus.OPEN,
    )


def run_at_once(project_pk, actors, actions):
    """Each action on its own copy of the project, in its own thread and connection, released together."""
    barrier = threading.Barrier(len(actions))
    outcomes = [None] * len(actions)

    def work(index, action):
        try:
            stale_copy = Project.objects.get(pk=project_pk)
            barrier.wait(timeout=10)
            action(stale_copy, actors[index])
            outcomes[index] = "done"
        except ValidationError as error:
            outcomes[index] = error.code
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(i, action)) for i, action in enumerate(actions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes


@pytest.mark.parametrize(
    ("first", "second"),
    [(advance, advance), (advance, lose), (lose, hold), (hold, advance), (lose, lose), (hold, hold)],
    ids=lambda action: action.__name__,
)
def test_two_changes_at_once_end_in_exactly_one(project, rep, lead, first, second):
    outcomes = run_at_once(project.pk, [rep, lead], [first, second])
    assert sorted(outcomes) == ["done", "stale"]
    rows = list(StageHistory.objects.filter(project=project))
    assert len(rows) == 1
    project.refresh_from_db()
    row = rows[0]
    assert (row.from_stage, row.from_status) == (StageNumber.LEAD, ProjectStatus.OPEN)
    assert (row.to_stage, row.to_status) == (project.stage, project.status)


def test_a_key_point_and_a_stage_change_at_once_both_land_in_order(project, rep, lead):
    from tests.factories import KeyPointFactory

    def log(project, actor):
        KeyPointFactory(project=project, author=actor)

    outcomes = run_at_once(project.pk, [rep, lead], [log, advance])
    assert outcomes == ["done", "done"]
    project.refresh_from_db()
    assert project.stage == StageNumber.NEEDS and project.keypoints.count() == 1
