"""Live key points counted per day, kept by the database (PostgreSQL) in two tables that the dashboard
reads when its scope is every live key point (no narrowing filter, a person who sees every customer),
instead of grouping a period's tens of thousands of key points on every visit:

- `AuthorDay`: per author and day, how many live key points, how many complete, and how many written
  within `timeliness.ON_TIME` of their event (key points per person per week, completeness, timeliness);
- `ObstacleDay`: per day and obstacle named (`KeyPoint.named_obstacle`), how many live key points name
  it (the most frequent obstacles). As few rows as the team's obstacles repeat: at worst one per key point.

A day is the local date of the event in the site's time zone (`TIME_ZONE`), as the dashboard's period
reads it. A trigger on the key points keeps both tables, whatever writes: a key point logged, edited (its
completeness, obstacle, time or author), archived, restored or deleted, an import, the admin, a bulk load.

The time zone and the on-time rule are written into the trigger when it is installed (after every
migrate), which also counts the rows again when either has changed since: the function's comment
records both, and the dashboard reads the rows only while that comment matches the running site's and
the trigger is enabled (`kept()`), so a site that changed its time zone and has not migrated since
reads the key points as before.

SQLite (the development database) keeps no rows: the dashboard reads the key points there.
"""

from django.conf import settings
from django.db import connection as default_connection
from django.db import connections
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

from . import timeliness

KEYPOINT = "keypoints_keypoint"
AUTHOR_DAY = "keypoints_authorday"
OBSTACLE_DAY = "keypoints_obstacleday"
TABLES = (AUTHOR_DAY, OBSTACLE_DAY)
FUNCTION = "salesrecord_day_counts"
TRIGGER = "keypoint_day_counts"
MIGRATION = ("keypoints", "0012_day_counts")


def _version():
    """What the rows were counted by: the time zone of the days and the on-time limit."""
    return f"{settings.TIME_ZONE} {int(timeliness.ON_TIME.total_seconds())}"


def _day(row):
    zone = settings.TIME_ZONE.replace("'", "''")
    return f"({row}.occurred_at AT TIME ZONE '{zone}')::date"


def _on_time(row):
    seconds = int(timeliness.ON_TIME.total_seconds())
    return f"({row}.created_at - {row}.occurred_at <= interval '{seconds} seconds')::int"


COUNTED = ("author_id", "occurred_at", "created_at", "is_complete", "named_obstacle", "archived_at")


def _counted(row):
    """What a key point's row is counted by: a change to none of these changes no count."""
    return "(" + ", ".join(f"{row}.{column}" for column in COUNTED) + ")"


def _function():
    return f"""
    CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger AS $$
    BEGIN
        IF TG_OP = 'UPDATE' AND {_counted("OLD")} IS NOT DISTINCT FROM {_counted("NEW")} THEN
            RETURN NULL;
        END IF;
        IF TG_OP <> 'INSERT' AND OLD.archived_at IS NULL THEN
            UPDATE {AUTHOR_DAY} SET keypoints = keypoints - 1, complete = complete - OLD.is_complete::int,
                   on_time = on_time - {_on_time("OLD")}
             WHERE day = {_day("OLD")} AND author_id = OLD.author_id;
            IF OLD.named_obstacle <> '' THEN
                UPDATE {OBSTACLE_DAY} SET keypoints = keypoints - 1
                 WHERE day = {_day("OLD")} AND obstacle = OLD.named_obstacle;
            END IF;
        END IF;
        IF TG_OP <> 'DELETE' AND NEW.archived_at IS NULL THEN
            INSERT INTO {AUTHOR_DAY} (day, author_id, keypoints, complete, on_time)
            VALUES ({_day("NEW")}, NEW.author_id, 1, NEW.is_complete::int, {_on_time("NEW")})
            ON CONFLICT (day, author_id) DO UPDATE SET keypoints = {AUTHOR_DAY}.keypoints + 1,
                complete = {AUTHOR_DAY}.complete + EXCLUDED.complete, on_time = {AUTHOR_DAY}.on_time + EXCLUDED.on_time;
            IF NEW.named_obstacle <> '' THEN
                INSERT INTO {OBSTACLE_DAY} (day, obstacle, keypoints) VALUES ({_day("NEW")}, NEW.named_obstacle, 1)
                ON CONFLICT (day, obstacle) DO UPDATE SET keypoints = {OBSTACLE_DAY}.keypoints + 1;
            END IF;
        END IF;
        RETURN NULL;
    END
    $$ LANGUAGE plpgsql
    """


def _trigger():
    return f"""
    CREATE OR REPLACE TRIGGER {TRIGGER}
    AFTER INSERT OR DELETE OR UPDATE OF {", ".join(COUNTED)} ON {KEYPOINT}
    FOR EACH ROW EXECUTE FUNCTION {FUNCTION}()
    """


def _installed_version(cursor):
    cursor.execute(
        "SELECT obj_description(p.oid, 'pg_proc') FROM pg_proc p "
        "WHERE p.proname = %s AND p.pronamespace = current_schema()::regnamespace",
        [FUNCTION],
    )
    found = cursor.fetchone()
    return found[0] if found else None


def install(connection=default_connection):
    """The trigger in place (idempotent); the rows counted again when the day or the rule changed."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        version = _installed_version(cursor)
        cursor.execute(_function())
        cursor.execute(_trigger())
        if version != _version():
            rebuild(cursor)
            cursor.execute(f"COMMENT ON FUNCTION {FUNCTION}() IS %s", [_version()])


def rebuild(cursor):
    """Every row counted again from the key points (after a bulk load with the trigger off)."""
    for table in TABLES:
        cursor.execute(f"DELETE FROM {table}")
    live = f"FROM {KEYPOINT} k WHERE k.archived_at IS NULL"
    cursor.execute(
        f"INSERT INTO {AUTHOR_DAY} (day, author_id, keypoints, complete, on_time) "
        f"SELECT {_day('k')}, k.author_id, COUNT(*), SUM(k.is_complete::int), SUM({_on_time('k')}) {live} "
        "GROUP BY 1, 2"
    )
    cursor.execute(
        f"INSERT INTO {OBSTACLE_DAY} (day, obstacle, keypoints) "
        f"SELECT {_day('k')}, k.named_obstacle, COUNT(*) {live} AND k.named_obstacle <> '' GROUP BY 1, 2"
    )


def uninstall(connection=default_connection):
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TRIGGER IF EXISTS {TRIGGER} ON {KEYPOINT}")
        cursor.execute(f"DROP FUNCTION IF EXISTS {FUNCTION}()")


def kept(connection=default_connection):
    """Whether the rows are kept (the trigger in place and enabled) and counted by the day and rule the
    site reads by now (one query): never on SQLite, nor while a time zone other than the site's is active."""
    if connection.vendor != "postgresql" or timezone.get_current_timezone_name() != settings.TIME_ZONE:
        return False
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT obj_description(p.oid, 'pg_proc') FROM pg_proc p JOIN pg_trigger t ON t.tgfoid = p.oid "
            "WHERE p.proname = %s AND p.pronamespace = current_schema()::regnamespace "
            "AND t.tgname = %s AND t.tgenabled <> 'D'",
            [FUNCTION, TRIGGER],
        )
        found = cursor.fetchone()
    return found is not None and found[0] == _version()


def installed_after_migrate(sender, using, **kwargs):
    """After every migrate (and flush), while the migration that brought the tables is applied."""
    connection = connections[using]
    if connection.vendor == "postgresql" and MIGRATION in MigrationRecorder(connection).applied_migrations():
        install(connection)
