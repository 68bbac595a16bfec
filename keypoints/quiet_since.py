"""A project's `quiet_since`, kept by the database: when its silence in its current stage began.

That is its newest key point in its current stage (archived ones too: a project's silence has always
been read from all its records), or its entry into that stage (or its resume) if that is later, so that
a project just back from a pause is not stalled by the silence before it.

The stall rule (customers.stalls) compares this column with each stage's cutoff, and lists rank the
quietest first by it: an index range instead of a lookup per open project on every page that counts
or ranks stalls. It depends on two tables and changes with every write to either (a key point logged,
edited, moved or deleted; a stage change, a pause lifted, an import, a restore), so triggers keep it,
whatever writes: services, imports, the admin, bulk loads, tests.

On PostgreSQL a migration installs them (and removes them when migrated back). SQLite checks every
trigger when a migration rebuilds a table, and a trigger on one table that reads the other then stops
the rebuild: there they are removed before every `migrate` and installed after it (apps.py), once the
migration is applied. Installing is idempotent, and `migrate` installs them again on both databases.
Nothing reads this column on a project instance that was saved since it was read: read it from a query.
"""

from django.db import connection as default_connection
from django.db import connections
from django.db.migrations.recorder import MigrationRecorder

PROJECT = "customers_project"
KEYPOINT = "keypoints_keypoint"


def _computed(project):
    """SQL for the value of `project` (a row alias or NEW), the same on both databases but for GREATEST."""
    return (
        f"COALESCE((SELECT MAX(k.occurred_at) FROM {KEYPOINT} k "
        f"WHERE k.project_id = {project}.id AND k.stage = {project}.stage), {project}.stage_entered_at)"
    )


POSTGRESQL = [
    f"""
    CREATE OR REPLACE FUNCTION salesrecord_project_quiet_since() RETURNS trigger AS $$
    BEGIN
        NEW.quiet_since := GREATEST(NEW.stage_entered_at, {_computed("NEW")});
        RETURN NEW;
    END
    $$ LANGUAGE plpgsql
    """,
    # Every insert and update of a project, whatever it sets: a save() writing back the value it read
    # before a key point changed it is corrected here.
    f"""
    CREATE OR REPLACE TRIGGER project_quiet_since BEFORE INSERT OR UPDATE ON {PROJECT}
    FOR EACH ROW EXECUTE FUNCTION salesrecord_project_quiet_since()
    """,
    # A key point's change touches its project (the one before and after a move): the project's own
    # trigger then computes the value, with the lock of that row held, as every other change to it.
    f"""
    CREATE OR REPLACE FUNCTION salesrecord_keypoint_quiet_since() RETURNS trigger AS $$
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
    CREATE OR REPLACE TRIGGER keypoint_quiet_since
    AFTER INSERT OR DELETE OR UPDATE OF project_id, stage, occurred_at ON {KEYPOINT}
    FOR EACH ROW EXECUTE FUNCTION salesrecord_keypoint_quiet_since()
    """,
]

# SQLite cannot change the row being written: its triggers update the project after the write. Its
# triggers do not set each other off again (recursive triggers are off), so each runs once.
_SQLITE_SET = f"UPDATE {PROJECT} SET quiet_since = MAX(stage_entered_at, {_computed(PROJECT)})"
SQLITE = [
    f"CREATE TRIGGER IF NOT EXISTS project_quiet_since_insert AFTER INSERT ON {PROJECT} "
    f"BEGIN {_SQLITE_SET} WHERE id = NEW.id; END",
    f"CREATE TRIGGER IF NOT EXISTS project_quiet_since_update AFTER UPDATE ON {PROJECT} "
    f"BEGIN {_SQLITE_SET} WHERE id = NEW.id; END",
    f"CREATE TRIGGER IF NOT EXISTS keypoint_quiet_since_insert AFTER INSERT ON {KEYPOINT} "
    f"BEGIN {_SQLITE_SET} WHERE id = NEW.project_id; END",
    f"CREATE TRIGGER IF NOT EXISTS keypoint_quiet_since_update AFTER UPDATE OF project_id, stage, occurred_at "
    f"ON {KEYPOINT} BEGIN {_SQLITE_SET} WHERE id IN (OLD.project_id, NEW.project_id); END",
    f"CREATE TRIGGER IF NOT EXISTS keypoint_quiet_since_delete AFTER DELETE ON {KEYPOINT} "
    f"BEGIN {_SQLITE_SET} WHERE id = OLD.project_id; END",
]


DROP = {
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
    """The triggers, in place (idempotent), and every project's value filled in if it has none yet."""
    statements = POSTGRESQL if connection.vendor == "postgresql" else SQLITE
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)
        fill(cursor, connection, only_missing=True)


def fill(cursor, connection=default_connection, only_missing=False):
    """Every project's value computed again (after a bulk load with the triggers off)."""
    where = " WHERE quiet_since IS NULL" if only_missing else ""
    if connection.vendor == "postgresql":
        # The project's trigger computes it.
        cursor.execute(f"UPDATE {PROJECT} SET quiet_since = NULL{where}")
    else:
        cursor.execute(f"{_SQLITE_SET}{where}")


def uninstall(connection=default_connection):
    with connection.cursor() as cursor:
        for statement in DROP[connection.vendor]:
            cursor.execute(statement)


def installed_after_migrate(sender, using, **kwargs):
    """After every migrate (and flush), while the migration that brought the column is applied."""
    connection = connections[using]
    if ("keypoints", "0010_quiet_since_triggers") in MigrationRecorder(connection).applied_migrations():
        install(connection)


def removed_before_migrate(sender, using, **kwargs):
    connection = connections[using]
    if connection.vendor == "sqlite":
        uninstall(connection)
