"""A database's rows, read once and written back many times: the browser tests seed the demo once per
worker and give each test that state again, instead of seeding it again (several seconds) per test.

`taken(make)` runs `make` in a transaction, reads every table's rows and rolls the transaction back,
so the database is left as it was for the other tests of the worker. `restore(rows)` empties every
table, as the flush between transactional tests does, writes the rows back and moves each id
sequence past them. PostgreSQL copies each table with COPY (every column type as the server writes
it); SQLite reads and inserts plain values.
"""

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.management.color import no_style
from django.core.management.sql import sql_flush
from django.db import connection, transaction

# Kept by triggers from the other tables' rows (keypoints/day_counts.py): not read, and counted again by
# the triggers as the key points are written back.
DERIVED = {"keypoints_authorday", "keypoints_obstacleday"}


def _tables():
    names = connection.introspection.django_table_names(only_existing=True, include_views=False)
    return sorted(set(names) - DERIVED)


def _quoted(table):
    return connection.ops.quote_name(table)


def read():
    """{table: its rows, in primary key order} for every table of the project's models that holds any.

    In key order, not as stored: an update moves a row within its table's storage (the activity
    triggers update a project for each of its key points written), so rows written back in another
    order of updates are stored in another order, holding the same values."""
    rows = {}
    with connection.cursor() as cursor:
        for table in _tables():
            key = ", ".join(map(_quoted, connection.introspection.get_primary_key_columns(cursor, table)))
            select = f"SELECT * FROM {_quoted(table)} ORDER BY {key}"
            if connection.vendor == "postgresql":
                with cursor.cursor.copy(f"COPY ({select}) TO STDOUT") as copy:
                    data = b"".join(bytes(block) for block in copy)
            else:
                cursor.execute(select)
                data = cursor.fetchall()
            if data:
                rows[table] = data
    return rows


def taken(make):
    """The rows the database holds once `make()` has run, without keeping them."""
    with transaction.atomic():
        make()
        rows = read()
        transaction.set_rollback(True)
    ContentType.objects.clear_cache()
    return rows


def restore(rows):
    """Every table emptied, then holding exactly `rows` (from `read` or `taken`), committed."""
    with transaction.atomic():
        connection.ops.execute_sql_flush(sql_flush(no_style(), connection, allow_cascade=True))
        with connection.cursor() as cursor:
            for table, data in rows.items():
                if connection.vendor == "postgresql":
                    with cursor.cursor.copy(f"COPY {_quoted(table)} FROM STDIN") as copy:
                        copy.write(data)
                else:
                    marks = ", ".join(["%s"] * len(data[0]))
                    cursor.executemany(f"INSERT INTO {_quoted(table)} VALUES ({marks})", data)
            models = apps.get_models(include_auto_created=True)
            for statement in connection.ops.sequence_reset_sql(no_style(), models):
                cursor.execute(statement)
    # Content types are cached by id in the process: the rows written back may number them otherwise.
    ContentType.objects.clear_cache()
