"""Backing up and restoring the whole database, SQLite or PostgreSQL (`make backup`, `make restore`).

SQLite is copied with its own online backup API, which copies a consistent state even while the app
writes. PostgreSQL is dumped with pg_dump in its custom format and restored with pg_restore through
psql in one transaction: the tables there now are dropped and the backup's created and filled, all or
nothing. The backup holds every table, migrations and sessions included: a restore puts the data back
exactly as it was.
"""

import contextlib
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from django.conf import settings
from django.core.management.base import CommandError
from django.db import connection
from django.utils import timezone

SQLITE = "django.db.backends.sqlite3"
POSTGRESQL = "django.db.backends.postgresql"
EXTENSIONS = {SQLITE: ".sqlite3", POSTGRESQL: ".dump"}
POSTGRESQL_TOOLS_HINT = (
    "backing up PostgreSQL needs its client tools (pg_dump, pg_restore, psql) of the server's major "
    "version or newer on PATH; on Debian or Ubuntu: apt-get install postgresql-client"
)


def engine():
    name = settings.DATABASES["default"]["ENGINE"]
    if name not in EXTENSIONS:
        raise CommandError(f"backups support SQLite and PostgreSQL, not {name}")
    return name


def database_label():
    db = settings.DATABASES["default"]
    if db["ENGINE"] == SQLITE:
        return str(db["NAME"])
    return f"{db['NAME']} on {db.get('HOST') or 'localhost'}:{db.get('PORT') or 5432}"


def tool(name):
    path = shutil.which(name)
    if path is None:
        raise CommandError(f"{name} not found: {POSTGRESQL_TOOLS_HINT}")
    return path


def postgresql_env():
    """libpq's environment for the default database: the password never shows in a process list."""
    db = settings.DATABASES["default"]
    env = dict(os.environ)
    for variable, value in {
        "PGHOST": db.get("HOST"),
        "PGPORT": db.get("PORT"),
        "PGUSER": db.get("USER"),
        "PGPASSWORD": db.get("PASSWORD"),
        "PGDATABASE": db["NAME"],
        "PGSSLMODE": db.get("OPTIONS", {}).get("sslmode"),
    }.items():
        if value:
            env[variable] = str(value)
    return env


def run(command, **kwargs):
    result = subprocess.run(command, env=postgresql_env(), capture_output=True, **kwargs)
    if result.returncode != 0:
        message = result.stderr.decode(errors="replace").strip()
        raise CommandError(f"{Path(command[0]).name} failed: {message}")
    return result


def read_only_sqlite(path):
    return sqlite3.connect(Path(path).resolve().as_uri() + "?mode=ro", uri=True)


def new_backup_path(directory):
    directory = Path(directory)
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    extension = EXTENSIONS[engine()]
    path, n = directory / f"salesrecord-{stamp}{extension}", 1
    while path.exists():
        n += 1
        path = directory / f"salesrecord-{stamp}-{n}{extension}"
    return path


def back_up(directory):
    """Writes a backup of the default database into `directory`; returns its path."""
    path = new_backup_path(directory)
    # Written under another name first: a file with the backup's name is always a whole backup.
    partial = path.with_name(path.name + ".partial")
    # The backup holds password hashes and sessions: only its owner may read it.
    partial.touch(mode=0o600)
    try:
        if engine() == SQLITE:
            source = read_only_sqlite(settings.DATABASES["default"]["NAME"])
            target = sqlite3.connect(partial)
            try:
                source.backup(target)
            finally:
                target.close()
                source.close()
        else:
            run([tool("pg_dump"), "--format=custom", f"--file={partial}"])
        partial.rename(path)
    finally:
        partial.unlink(missing_ok=True)
    return path


def check_sqlite_backup(path):
    try:
        backup = read_only_sqlite(path)
        try:
            ok = backup.execute("PRAGMA integrity_check").fetchone() == ("ok",)
            ok = ok and backup.execute("SELECT count(*) FROM django_migrations").fetchone()[0] > 0
        finally:
            backup.close()
    except sqlite3.DatabaseError:
        ok = False
    if not ok:
        raise CommandError(f"{path} is not a SalesRecord SQLite backup")


def restore_sqlite(path):
    check_sqlite_backup(path)
    connection.close()
    source = read_only_sqlite(path)
    target = sqlite3.connect(settings.DATABASES["default"]["NAME"], timeout=20)
    try:
        # One step under the database's write lock: the file holds the backup afterwards, or, if
        # the copy fails, what it held before.
        source.backup(target)
    finally:
        target.close()
        source.close()


def restore_postgresql(path):
    pg_restore, psql = tool("pg_restore"), tool("psql")
    listing = subprocess.run([pg_restore, "--list", str(path)], capture_output=True)
    if listing.returncode != 0 or b"django_migrations" not in listing.stdout:
        raise CommandError(f"{path} is not a SalesRecord PostgreSQL backup (pg_dump --format=custom)")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT format('DROP TABLE IF EXISTS %I.%I CASCADE;', schemaname, tablename) FROM pg_tables "
            "WHERE schemaname = current_schema() "
            "UNION ALL SELECT format('DROP SEQUENCE IF EXISTS %I.%I CASCADE;', sequence_schema, sequence_name) "
            "FROM information_schema.sequences WHERE sequence_schema = current_schema() "
            # The triggers' functions (keypoints/activity.py): the backup creates them again.
            "UNION ALL SELECT format('DROP FUNCTION IF EXISTS %I.%I(%s) CASCADE;', n.nspname, p.proname, "
            "pg_get_function_identity_arguments(p.oid)) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
            "WHERE n.nspname = current_schema() "
            "AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')"
        )
        drops = "\n".join(row[0] for row in cursor.fetchall())
    connection.close()
    # psql runs the drops and the backup's SQL as one transaction, stopping at the first error; it
    # commits only at the end of its input, which it reaches only when pg_restore wrote the whole script.
    loader = subprocess.Popen(
        [psql, "--no-psqlrc", "--quiet", "--single-transaction", "--set=ON_ERROR_STOP=1", "--output=/dev/null"],
        stdin=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=postgresql_env() | {"PGOPTIONS": "-c client_min_messages=warning"},
    )
    script = subprocess.Popen(
        [pg_restore, "--no-owner", "--no-privileges", "--file=-", str(path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    with contextlib.suppress(BrokenPipeError):  # psql stopped at an error: reported below
        loader.stdin.write(drops.encode() + b"\n")
        shutil.copyfileobj(script.stdout, loader.stdin)
    script.stdout.close()
    script_errors = script.stderr.read()
    if script.wait() != 0:
        loader.kill()  # before the end of its input: the transaction is rolled back
        loader.wait()
        raise CommandError(f"pg_restore failed, the database is unchanged: {script_errors.decode(errors='replace')}")
    with contextlib.suppress(BrokenPipeError):
        loader.stdin.close()
    loader_errors = loader.stderr.read()
    if loader.wait() != 0:
        raise CommandError(f"psql failed, the database is unchanged: {loader_errors.decode(errors='replace')}")


def restore(path):
    path = Path(path)
    if not path.is_file():
        raise CommandError(f"no backup file at {path}")
    if path.suffix != EXTENSIONS[engine()]:
        raise CommandError(f"{path.name} is not a backup of this kind of database ({EXTENSIONS[engine()]} expected)")
    if engine() == SQLITE:
        restore_sqlite(path)
    else:
        restore_postgresql(path)
