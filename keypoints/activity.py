"""A project's activity, kept by the database in two columns of the project:

- `quiet_since`: when its silence in its current stage began. That is its newest key point in its
  current stage, or its entry into that stage (or its resume) if that is later, so that a project just
  back from a pause is not stalled by the silence before it. The stall rule (customers.stalls) compares
  it with each stage's cutoff, and lists rank the quietest first by it: an index range instead of a
  lookup per open project on every page that counts or ranks stalls.
- `last_keypoint_at`: when its newest key point happened (none: null). The opportunity and customer
  lists show and sort by it (a customer's latest activity is its projects' newest).

Archived key points count in both, as a project's records always have. Both depend on two tables and
change with every write to either (a key point logged, edited, moved or deleted; a stage change, a
pause lifted, an import, a restore), so triggers keep them, whatever writes: services, imports, the
admin, bulk loads, tests.

On PostgreSQL a migration installs them (and removes them when migrated back). SQLite checks every
trigger when a migration rebuilds a table, and a trigger on one table that reads the other then stops
the rebuild: there they are removed before every `migrate` and installed after it (apps.py), once the
migration is applied. Installing is idempotent, and `migrate` installs them again on both databases.
Nothing reads these columns on a project instance that was saved since it was read: read them from a query.
"""

from django.db import connection as default_connection
from django.db import connections
from django.db.migrations.recorder import MigrationRecorder

PROJECT = "customers_project"
KEYPOINT = "keypoints_keypoint"


def _newest_in_stage(project):
    """SQL for `project`'s (a row alias or NEW) newest key point in its stage, or its entry into the stage."""
    return (
        f"COALESCE((SELECT MAX(k.occurred_at) FROM {KEYPOINT} k "
        f"WHERE k.project_id = {project}.id AND k.stage = {project}.stage), {project}.stage_entered_at)"
    )


def _newest(project):
    return f"(SELECT MAX(k.occurred_at) FROM {KEYPOINT} k WHERE k.project_id = {project}.id)"


POSTGRESQL = [
    f"""
    CREATE OR REPLACE FUNCTION salesrecord_project_activity() RETURNS trigger AS $$
    BEGIN
        NEW.quiet_since := GREATEST(NEW.stage_entered_at, {_newest_in_stage("NEW")});
        NEW.last_keypoint_at := {_newest("NEW")};
        RETURN NEW;
    END
    $$ LANGUAGE plpgsql
    """,
    # Every insert and update of a project, whatever it sets: a save() writing back the value it read
    # before a key point changed it is corrected here.
    f"""
    CREATE OR REPLACE TRIGGER project_activity BEFORE INSERT OR UPDATE ON {PROJECT}
    FOR EACH ROW EXECUTE FUNCTION salesrecord_project_activity()
    """,
    # A key point's change touches its project (the one before and after a move): the project's own
    # trigger then computes the values, with the lock of that row held, as every other change to it.
    f"""
    CREATE OR REPLACE FUNCTION salesrecord_keypoint_activity() RETURNS trigger AS $$
    BEGIN
        IF TG_OP <> 'INSERT' THEN
            UPDATE {PROJECT} SET quiet_since = NULL WHERE id = OLD.project_id;
        END IF;
        IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.project_id <> OLD.project_id) THEN
            UPDATE {PROJECT} SET quiet_since = NULL WHERE id = NEW.project_id;
        END IF;
        RETURN NULL;
    END
    $$ LANGUAGE plpgsql
    """,
    f"""
    CREATE OR REPLACE TRIGGER keypoint_activity
    AFTER INSERT OR DELETE OR UPDATE OF project_id, stage, occurred_at ON {KEYPOINT}
    FOR EACH ROW EXECUTE FUNCTION salesrecord_keypoint_activity()
    """,
]

# SQLite cannot change the row being written: its triggers update the project after the write. A key
# point's trigger sets off the project's update trigger once more, which does not set itself off again
# (recursive triggers are off).
_SQLITE_SET = (
    f"UPDATE {PROJECT} SET quiet_since = MAX(stage_entered_at, {_newest_in_stage(PROJECT)}), "
    f"last_keypoint_at = {_newest(PROJECT)}"
)
SQLITE = [
    f"CREATE TRIGGER IF NOT EXISTS project_activity_insert AFTER INSERT ON {PROJECT} "
    f"BEGIN {_SQLITE_SET} WHERE id = NEW.id; END",
    f"CREATE TRIGGER IF NOT EXISTS project_activity_update AFTER UPDATE ON {PROJECT} "
    f"BEGIN {_SQLITE_SET} WHERE id = NEW.id; END",
    f"CREATE TRIGGER IF NOT EXISTS keypoint_activity_insert AFTER INSERT ON {KEYPOINT} "
    f"BEGIN {_SQLITE_SET} WHERE id = NEW.project_id; END",
    f"CREATE TRIGGER IF NOT EXISTS keypoint_activity_update AFTER UPDATE OF project_id, stage, occurred_at "
    f"ON {KEYPOINT} BEGIN {_SQLITE_SET} WHERE id IN (OLD.project_id, NEW.project_id); END",
    f"CREATE TRIGGER IF NOT EXISTS keypoint_activity_delete AFTER DELETE ON {KEYPOINT} "
    f"BEGIN {_SQLITE_SET} WHERE id = OLD.project_id; END",
]


DROP = {
    "postgresql": [
        f"DROP TRIGGER IF EXISTS keypoint_activity ON {KEYPOINT}",
        f"DROP TRIGGER IF EXISTS project_activity ON {PROJECT}",
        "DROP FUNCTION IF EXISTS salesrecord_keypoint_activity()",
        "DROP FUNCTION IF EXISTS salesrecord_project_activity()",
    ],
    "sqlite": [
        f"DROP TRIGGER IF EXISTS {name}"
        for name in [
            "project_activity_insert",
            "project_activity_update",
            "keypoint_activity_insert",
            "keypoint_activity_update",
            "keypoint_activity_delete",
        ]
    ],
}


# The triggers that kept quiet_since alone (keypoints/quiet_since.py, migration 0010_quiet_since_triggers
# on PostgreSQL, every migrate on SQLite), which these replace: a database that had them loses them here.
FORMER = {
    "postgresql": [
        f"DROP TRIGGER IF EXISTS keypoint_quiet_since ON {KEYPOINT}",
        f"DROP TRIGGER IF EXISTS project_quiet_since ON {PROJECT}",
        "DROP FUNCTION IF EXISTS salesrecord_keypoint_quiet_since()",
        "DROP FUNCTION IF EXISTS salesrecord_project_quiet_since()",
    ],
    "sqlite": [
        f"DROP TRIGGER IF EXISTS {name}"
        for name in [
            "project_quiet_since_insert",
            "project_quiet_since_update",
            "keypoint_quiet_since_insert",
            "keypoint_quiet_since_update",
            "keypoint_quiet_since_delete",
        ]
    ],
}


def install(connection=default_connection):
    """The triggers, in place (idempotent), the former ones gone, and every project's values filled in if
    it has none yet."""
    statements = FORMER[connection.vendor] + (POSTGRESQL if connection.vendor == "postgresql" else SQLITE)
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)
        fill(cursor, connection, only_missing=True)


def fill(cursor, connection=default_connection, only_missing=False):
    """Every project's values computed again (after a bulk load with the triggers off)."""
    # Missing: a project written before the triggers, or before last_keypoint_at was kept (a database
    # that had the former triggers holds quiet_since alone). A project with no key point yet is computed
    # again each time, to the same null.
    where = " WHERE quiet_since IS NULL OR last_keypoint_at IS NULL" if only_missing else ""
    if connection.vendor == "postgresql":
        # The project's trigger computes it.
        cursor.execute(f"UPDATE {PROJECT} SET quiet_since = NULL{where}")
    else:
        cursor.execute(f"{_SQLITE_SET}{where}")


def uninstall(connection=default_connection):
    with connection.cursor() as cursor:
        for statement in FORMER[connection.vendor] + DROP[connection.vendor]:
            cursor.execute(statement)


def installed_after_migrate(sender, using, **kwargs):
    """After every migrate (and flush), while the migration that brought the column is applied."""
    connection = connections[using]
    if ("keypoints", "0010_activity_triggers") in MigrationRecorder(connection).applied_migrations():
        install(connection)


def removed_before_migrate(sender, using, **kwargs):
    connection = connections[using]
    if connection.vendor == "sqlite":
        uninstall(connection)
