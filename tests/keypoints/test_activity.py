"""A project's quiet_since and last_keypoint_at, kept by the database (keypoints/activity.py): after every
kind of write, the stored values are what the project's records say: its newest key point in its current
stage, or its entry into that stage if later; and its newest key point (archived ones too in both). Run on
SQLite and on PostgreSQL, whose triggers differ."""

import datetime

import pytest
from django.core.management.sql import emit_post_migrate_signal, emit_pre_migrate_signal
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.db.models import OuterRef, Subquery
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

from customers.models import Project
from keypoints import activity, services
from keypoints.models import KeyPoint
from tests.factories import KeyPointFactory, ProjectFactory

pytestmark = pytest.mark.django_db
DAY = datetime.timedelta(days=1)


def as_the_records_say():
    """Each project's values read from its records, as the stall rule and the lists read them before they
    were stored."""
    in_stage = KeyPoint.all_objects.filter(project=OuterRef("pk"), stage=OuterRef("stage")).order_by("-occurred_at")
    newest_in_stage = Subquery(in_stage.values("occurred_at")[:1])
    newest = Subquery(
        KeyPoint.all_objects.filter(project=OuterRef("pk")).order_by("-occurred_at").values("occurred_at")[:1]
    )
    rows = Project.all_objects.annotate(
        expected_quiet=Greatest("stage_entered_at", Coalesce(newest_in_stage, "stage_entered_at")),
        expected_last=newest,
    )
    return {
        pk: (quiet, last)
        for pk, quiet, last in rows.order_by("pk").values_list("pk", "expected_quiet", "expected_last")
    }


def stored():
    return {
        pk: (quiet, last)
        for pk, quiet, last in Project.all_objects.order_by("pk").values_list("pk", "quiet_since", "last_keypoint_at")
    }


def stored_of(project):
    return Project.all_objects.values_list("quiet_since", flat=True).get(pk=project.pk)


def last_of(project):
    return Project.all_objects.values_list("last_keypoint_at", flat=True).get(pk=project.pk)


@pytest.fixture
def entered():
    return timezone.now().replace(microsecond=0) - 30 * DAY


@pytest.fixture
def project(rep_customer, entered):
    project = ProjectFactory(customer=rep_customer)
    Project.objects.filter(pk=project.pk).update(stage=2, stage_entered_at=entered)
    project.refresh_from_db()
    return project


def test_a_new_project_is_quiet_since_it_entered_its_stage_with_no_key_point_yet(project, entered):
    assert stored_of(project) == entered and last_of(project) is None
    fresh = ProjectFactory(customer=project.customer)
    assert stored_of(fresh) == Project.objects.get(pk=fresh.pk).stage_entered_at


def test_a_key_point_in_its_stage_moves_it_and_one_in_another_stage_or_before_the_entry_does_not(project, entered):
    KeyPointFactory(project=project, stage=1, occurred_at=entered + 5 * DAY)
    KeyPointFactory(project=project, stage=2, occurred_at=entered - 2 * DAY)
    assert stored_of(project) == entered and last_of(project) == entered + 5 * DAY
    KeyPointFactory(project=project, stage=2, occurred_at=entered + 3 * DAY)
    KeyPointFactory(project=project, stage=2, occurred_at=entered + 1 * DAY)
    assert stored_of(project) == entered + 3 * DAY and last_of(project) == entered + 5 * DAY
    assert stored() == as_the_records_say()


def test_editing_moving_and_deleting_a_key_point_each_move_it(project, entered, rep_customer):
    keypoint = KeyPointFactory(project=project, stage=2, occurred_at=entered + 3 * DAY)
    keypoint.occurred_at = entered + 6 * DAY
    keypoint.save()
    assert stored_of(project) == entered + 6 * DAY == last_of(project)
    KeyPoint.all_objects.filter(pk=keypoint.pk).update(stage=3)
    assert stored_of(project) == entered and last_of(project) == entered + 6 * DAY
    other = ProjectFactory(customer=rep_customer, stage=3)
    Project.objects.filter(pk=other.pk).update(stage_entered_at=entered)
    KeyPoint.all_objects.filter(pk=keypoint.pk).update(project=other)
    assert stored_of(other) == entered + 6 * DAY == last_of(other) and last_of(project) is None
    assert stored() == as_the_records_say()
    KeyPoint.all_objects.filter(pk=keypoint.pk).delete()
    assert stored_of(other) == entered and last_of(other) is None
    assert stored() == as_the_records_say()


def test_an_archived_key_point_still_counts(project, entered, rep):
    keypoint = KeyPointFactory(project=project, stage=2, occurred_at=entered + 4 * DAY)
    services.keypoint_archive(keypoint=keypoint, actor=rep)
    assert stored_of(project) == entered + 4 * DAY == last_of(project)


def test_a_stage_change_restarts_it_and_a_back_dated_key_point_in_the_new_stage_counts(project, entered, lead):
    KeyPointFactory(project=project, stage=2, occurred_at=entered + 4 * DAY)
    services.project_advance_stage(project=project, actor=lead)
    moved = Project.objects.get(pk=project.pk)
    assert moved.stage == 3 and stored_of(project) == moved.stage_entered_at
    KeyPointFactory(project=project, stage=3, occurred_at=moved.stage_entered_at + DAY)
    assert stored_of(project) == moved.stage_entered_at + DAY
    assert stored() == as_the_records_say()


def test_a_save_of_a_project_read_before_a_key_point_does_not_write_back_its_old_value(project, entered):
    stale = Project.objects.get(pk=project.pk)
    KeyPointFactory(project=project, stage=2, occurred_at=entered + 2 * DAY)
    stale.name = "改名"
    stale.save()
    assert stored_of(project) == entered + 2 * DAY == last_of(project)


def test_key_points_written_in_bulk_and_stage_entries_changed_in_bulk_are_kept(project, entered, rep_customer):
    others = [ProjectFactory(customer=rep_customer) for _ in range(3)]
    template = KeyPointFactory.build(project=project)
    rows = []
    for number, target in enumerate([project, *others]):
        for days in (number + 1, number + 8):
            rows.append(
                KeyPoint(
                    **{
                        field.attname: getattr(template, field.attname)
                        for field in KeyPoint._meta.concrete_fields
                        if not field.primary_key
                    }
                    | {"project_id": target.pk, "stage": target.stage, "occurred_at": timezone.now() - days * DAY}
                )
            )
    KeyPoint.all_objects.bulk_create(rows)
    Project.objects.filter(pk__in=[other.pk for other in others[:2]]).update(stage_entered_at=timezone.now() - 2 * DAY)
    assert stored() == as_the_records_say()


def test_migrate_puts_the_triggers_in_place_and_fills_a_missing_value(project, entered, rep_customer):
    activity.uninstall(connection)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE customers_project SET quiet_since = NULL, last_keypoint_at = NULL")
    KeyPointFactory(project=project, stage=2, occurred_at=entered + 2 * DAY)
    assert stored_of(project) is None and last_of(project) is None

    emit_post_migrate_signal(verbosity=0, interactive=False, db="default")
    assert stored() == as_the_records_say() and stored_of(project) == entered + 2 * DAY == last_of(project)
    KeyPointFactory(project=project, stage=2, occurred_at=entered + 3 * DAY)
    assert stored_of(project) == entered + 3 * DAY


def test_on_sqlite_the_triggers_are_out_of_the_way_while_migrating_and_back_after(project, entered):
    emit_pre_migrate_signal(verbosity=0, interactive=False, db="default")
    KeyPointFactory(project=project, stage=2, occurred_at=entered + 2 * DAY)
    # SQLite rebuilds tables in migrations: its triggers are removed first. PostgreSQL's stay.
    assert stored_of(project) == (entered if connection.vendor == "sqlite" else entered + 2 * DAY)
    emit_post_migrate_signal(verbosity=0, interactive=False, db="default")
    with connection.cursor() as cursor:
        cursor.execute("UPDATE customers_project SET stage = stage")
    assert stored_of(project) == entered + 2 * DAY


# The former triggers of a database migrated before last_keypoint_at (keypoints/quiet_since.py until then):
# one of each database's, doing nothing, under its former name.
FORMER_TRIGGER = {
    "postgresql": [
        "CREATE FUNCTION salesrecord_project_quiet_since() RETURNS trigger AS $$ BEGIN RETURN NEW; END $$ "
        "LANGUAGE plpgsql",
        "CREATE TRIGGER project_quiet_since BEFORE UPDATE ON customers_project "
        "FOR EACH ROW EXECUTE FUNCTION salesrecord_project_quiet_since()",
    ],
    "sqlite": ["CREATE TRIGGER project_quiet_since_update AFTER UPDATE ON customers_project BEGIN SELECT 1; END"],
}


def trigger_names():
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")
        else:
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        return {name for (name,) in cursor.fetchall()}


def test_a_database_that_had_the_former_triggers_loses_them_and_gets_each_newest_key_point(project, entered):
    KeyPointFactory(project=project, stage=2, occurred_at=entered + 2 * DAY)
    # As the former triggers left it: quiet_since kept, last_keypoint_at not there to keep.
    activity.uninstall(connection)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE customers_project SET last_keypoint_at = NULL")
        for statement in FORMER_TRIGGER[connection.vendor]:
            cursor.execute(statement)
    assert last_of(project) is None and stored_of(project) == entered + 2 * DAY
    assert trigger_names() & {"project_quiet_since", "project_quiet_since_update"}

    emit_post_migrate_signal(verbosity=0, interactive=False, db="default")
    assert not trigger_names() & {"project_quiet_since", "project_quiet_since_update"}
    assert last_of(project) == entered + 2 * DAY and stored() == as_the_records_say()


def test_the_migrations_a_database_may_have_applied_keep_their_names():
    """A database migrated by an earlier release goes on from where it stands: a migration it applied
    is never renamed away (it would be applied a second time)."""
    graph = MigrationLoader(None, ignore_no_migrations=True).graph
    for applied in [("customers", "0012_project_quiet_since"), ("keypoints", "0010_quiet_since_triggers")]:
        assert applied in graph.nodes
    assert ("keypoints", "0010_quiet_since_triggers") in graph.node_map[("keypoints", "0010_activity_triggers")].parents
