"""The live key points per author and local day and per obstacle and day, kept by a PostgreSQL trigger
(keypoints/day_counts.py): after every kind of write the rows hold what the key points say, counted as
the dashboard counted them from the key points (timezone.localdate of the event, is_complete,
timeliness.recorded_within, named_obstacle). SQLite keeps none: the dashboard reads the key points there."""

import dataclasses
import datetime

import pytest
from django.core.management.sql import emit_post_migrate_signal
from django.db import connection
from django.test import override_settings
from django.utils import timezone

from dashboard import metrics
from dashboard.filters import DashboardFilter
from keypoints import day_counts, services, timeliness
from keypoints.models import AuthorDay, KeyPoint, ObstacleDay
from tests.factories import CustomerFactory, KeyPointFactory, ProjectFactory, UserFactory
from tests.reminders.test_races import at_once_calls

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the rows are kept on PostgreSQL only"),
]
DAY = datetime.timedelta(days=1)


def as_the_key_points_say():
    """{(day, author id): (key points, complete, on time)} over the live key points, in the current time zone."""
    counted = {}
    for keypoint in KeyPoint.objects.all():
        key = (timezone.localdate(keypoint.occurred_at), keypoint.author_id)
        total, complete, on_time = counted.get(key, (0, 0, 0))
        in_time = keypoint.created_at - keypoint.occurred_at <= timeliness.ON_TIME
        counted[key] = (total + 1, complete + keypoint.is_complete, on_time + in_time)
    return counted


def obstacles_as_the_key_points_say():
    """{(day, obstacle): key points} over the live key points that name one."""
    counted = {}
    for keypoint in KeyPoint.objects.exclude(named_obstacle=""):
        key = (timezone.localdate(keypoint.occurred_at), keypoint.named_obstacle)
        counted[key] = counted.get(key, 0) + 1
    return counted


def kept_rows():
    rows = AuthorDay.objects.values_list("day", "author_id", "keypoints", "complete", "on_time")
    # A day emptied keeps its row, at zero throughout.
    assert all(complete == on_time == 0 for _day, _author, total, complete, on_time in rows if total == 0)
    return {(day, author): (total, complete, on_time) for day, author, total, complete, on_time in rows if total}


def kept_obstacles():
    return {
        (day, obstacle): total
        for day, obstacle, total in ObstacleDay.objects.values_list("day", "obstacle", "keypoints")
        if total
    }


def assert_kept_as_the_key_points_say():
    assert kept_rows() == as_the_key_points_say()
    assert kept_obstacles() == obstacles_as_the_key_points_say()


@pytest.fixture
def project(rep_customer):
    return ProjectFactory(customer=rep_customer)


@pytest.fixture
def moment():
    # 03:00 on 2 March in Shanghai: still 1 March in UTC and in New York.
    return timezone.make_aware(datetime.datetime(2026, 3, 2, 3, 0))


def test_a_key_point_logged_counts_on_its_local_day_with_its_completeness_and_timeliness(project, moment):
    assert kept_rows() == {}
    KeyPointFactory(project=project, occurred_at=moment, obstacles=" 价格太高 ")  # written months later: not on time
    complete = KeyPointFactory(project=project, occurred_at=moment + datetime.timedelta(hours=2), obstacles="价格太高")
    KeyPoint.objects.filter(pk=complete.pk).update(is_complete=True)  # as an edit that fills it in
    recent = timezone.now() - datetime.timedelta(hours=3)
    KeyPointFactory(project=project, occurred_at=recent)  # without participants: incomplete
    assert kept_rows() == {
        (datetime.date(2026, 3, 2), project.owner_id): (2, 1, 0),
        (timezone.localdate(recent), project.owner_id): (1, 0, 1),
    }
    assert kept_obstacles() == {(datetime.date(2026, 3, 2), "价格太高"): 2}  # "无" (the factory's) names none
    assert_kept_as_the_key_points_say()


def test_edits_moves_archives_restores_and_deletes_keep_the_counts(project, moment, rep, lead):
    first = KeyPointFactory(project=project, occurred_at=moment, obstacles="预算未批")
    second = KeyPointFactory(project=project, occurred_at=moment, obstacles="预算未批")

    def edit_obstacle(pk, text):
        keypoint = KeyPoint.all_objects.get(pk=pk)
        keypoint.obstacles = text
        keypoint.save()

    writes = [
        lambda: edit_obstacle(first.pk, "竞争对手报价更低"),
        lambda: edit_obstacle(second.pk, "无"),  # names none now
        lambda: edit_obstacle(second.pk, "交付周期"),
        lambda: KeyPoint.objects.filter(pk=first.pk).update(is_complete=True),  # an edit completes it
        lambda: KeyPoint.objects.filter(pk=first.pk).update(occurred_at=moment - 3 * DAY),  # another day
        lambda: KeyPoint.objects.filter(pk=second.pk).update(author=lead),  # another author
        lambda: KeyPoint.objects.filter(pk=second.pk).update(created_at=moment + datetime.timedelta(hours=1)),
        lambda: KeyPoint.objects.filter(pk=second.pk).update(summary="只改了摘要"),  # nothing it counts
        lambda: services.keypoint_archive(keypoint=KeyPoint.objects.get(pk=first.pk), actor=rep),
        lambda: services.keypoint_restore(keypoint=KeyPoint.all_objects.get(pk=first.pk), actor=rep),
        lambda: services.project_archive(project=project, actor=rep),
        lambda: services.project_restore(project=project, actor=rep),
        lambda: KeyPoint.all_objects.filter(pk=second.pk).delete(),
    ]
    for write in writes:
        write()
        assert_kept_as_the_key_points_say()
    assert kept_rows() == {(datetime.date(2026, 2, 27), project.owner_id): (1, 1, 0)}
    assert kept_obstacles() == {(datetime.date(2026, 2, 27), "竞争对手报价更低"): 1}


def test_an_archived_key_point_edited_or_deleted_changes_nothing(project, moment, rep):
    archived = KeyPointFactory(project=project, occurred_at=moment, obstacles="价格太高")
    KeyPointFactory(project=project, occurred_at=moment, obstacles="价格太高")
    services.keypoint_archive(keypoint=archived, actor=rep)
    kept = {(datetime.date(2026, 3, 2), project.owner_id): (1, 0, 0)}, {(datetime.date(2026, 3, 2), "价格太高"): 1}
    assert (kept_rows(), kept_obstacles()) == kept
    KeyPoint.all_objects.filter(pk=archived.pk).update(
        is_complete=True, occurred_at=moment - DAY, named_obstacle="交付周期"
    )
    KeyPoint.all_objects.filter(pk=archived.pk).delete()
    assert (kept_rows(), kept_obstacles()) == kept


def test_bulk_writes_count_every_row(project, moment):
    template = KeyPointFactory.build(project=project, occurred_at=moment)
    fields = {f.attname: getattr(template, f.attname) for f in KeyPoint._meta.concrete_fields if f.attname != "id"}
    KeyPoint.objects.bulk_create([KeyPoint(**{**fields, "occurred_at": moment + n * DAY}) for n in range(3)])
    KeyPoint.objects.filter(occurred_at__gt=moment).update(is_complete=True, named_obstacle="价格太高")
    assert_kept_as_the_key_points_say()
    assert sum(total for total, _complete, _on_time in kept_rows().values()) == 3


def test_migrate_counts_again_by_a_new_time_zone_and_the_dashboard_reads_them_only_by_theirs(project, moment):
    KeyPointFactory(project=project, occurred_at=moment, obstacles="价格太高")
    assert day_counts.kept()
    with override_settings(TIME_ZONE="America/New_York"):
        assert not day_counts.kept()  # counted by Shanghai's days: the dashboard reads the key points
        emit_post_migrate_signal(verbosity=0, interactive=False, db="default")
        assert day_counts.kept()
        assert kept_rows() == {(datetime.date(2026, 3, 1), project.owner_id): (1, 0, 0)} == as_the_key_points_say()
        assert kept_obstacles() == {(datetime.date(2026, 3, 1), "价格太高"): 1} == obstacles_as_the_key_points_say()
        with timezone.override("Asia/Shanghai"):
            assert not day_counts.kept()
    emit_post_migrate_signal(verbosity=0, interactive=False, db="default")
    assert kept_rows() == {(datetime.date(2026, 3, 2), project.owner_id): (1, 0, 0)}
    assert kept_obstacles() == {(datetime.date(2026, 3, 2), "价格太高"): 1}


def test_the_dashboard_does_not_read_them_while_the_trigger_is_off_or_gone(project, moment):
    KeyPointFactory(project=project, occurred_at=moment)
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no foreign key check pending: the table may be altered
        cursor.execute(f"ALTER TABLE keypoints_keypoint DISABLE TRIGGER {day_counts.TRIGGER}")
        assert not day_counts.kept()
        cursor.execute(f"ALTER TABLE keypoints_keypoint ENABLE TRIGGER {day_counts.TRIGGER}")
    assert day_counts.kept()
    day_counts.uninstall()
    assert not day_counts.kept()
    day_counts.install()
    assert day_counts.kept()
    assert_kept_as_the_key_points_say()


@pytest.mark.parametrize("narrowed", [False, True])
def test_the_dashboard_counts_the_same_from_the_rows_as_from_the_key_points(project, rep, lead, rf, narrowed):
    other = UserFactory(username="rep9")
    today = timezone.now()
    for days, author, complete, obstacle in [
        (1, rep, True, "价格太高"),
        (2, rep, False, "价格太高"),
        (9, other, True, "交付周期"),
        (40, rep, True, "无"),
        (200, rep, True, "预算未批"),  # before the period
    ]:
        keypoint = KeyPointFactory(project=project, occurred_at=today - days * DAY, author=author, obstacles=obstacle)
        KeyPoint.objects.filter(pk=keypoint.pk).update(is_complete=complete)
    params = {"owner": project.owner_id} if narrowed else {}
    dashboard_filter = DashboardFilter(rf.get("/", params).GET, user=lead)
    assert dashboard_filter.is_valid()
    scope = metrics.Scope.from_filter(dashboard_filter)
    assert scope.counted_by_day is not narrowed
    from_keypoints = dataclasses.replace(scope, every_keypoint=False)
    assert not from_keypoints.counted_by_day

    read, read_from_keypoints = metrics.AuthorWeeks.read(scope), metrics.AuthorWeeks.read(from_keypoints)
    assert sorted(read.rows, key=str) == sorted(read_from_keypoints.rows, key=str)
    assert read.by_author() == {
        rep.pk: {"count": 3, "complete": 2, "within_day": 0},
        other.pk: {"count": 1, "complete": 1, "within_day": 0},
    }
    obstacles = metrics.obstacles(scope)["rows"]
    assert obstacles == metrics.obstacles(from_keypoints)["rows"]
    assert [(row["obstacle"], row["count"]) for row in obstacles] == [("价格太高", 2), ("交付周期", 1)]


@pytest.mark.django_db(transaction=True)
def test_people_logging_at_the_same_moment_are_each_counted(rep, other_rep):
    """Four key points of one day and one obstacle, on four projects (no project lock between them),
    logged by two people at once: each lands in the same day's rows, none lost, none refused."""
    projects = [ProjectFactory(customer=CustomerFactory(owner=owner)) for owner in (rep, other_rep, rep, other_rep)]
    moment = timezone.now() - datetime.timedelta(hours=2)
    logs = [
        lambda project=project: KeyPointFactory(project=project, occurred_at=moment, obstacles="价格太高")
        for project in projects
    ]
    assert at_once_calls(logs) == []
    day = timezone.localdate(moment)
    assert kept_rows() == {(day, rep.pk): (2, 0, 2), (day, other_rep.pk): (2, 0, 2)} == as_the_key_points_say()
    assert kept_obstacles() == {(day, "价格太高"): 4}
