"""`make backup` and `make restore` (the `backup` and `restore` commands): a backup of the demo data,
the data wiped, the backup restored, and every row of every table — history, migrations and sessions
included — equal to what was backed up. On SQLite always; on PostgreSQL when the suite runs on it (CI),
in a scratch database of its own.
"""

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from salesrecord import backup

ON_POSTGRESQL = connection.vendor == "postgresql"


def manage(database_url, tmp_path, *args):
    env = {key: value for key, value in os.environ.items() if not key.startswith("PYTEST")}
    # The demo data's reminders go to a file broker of the test's own, never to a shared Redis.
    env |= {"DATABASE_URL": database_url, "SALESRECORD_TESTING": "1", "REDIS_URL": "", "VAR_DIR": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def seed(database_url, tmp_path):
    """Migrations and the demo data (a year of a team's records, with their stage history) in one process."""
    code = (
        "import django; django.setup(); from django.core.management import call_command; "
        "call_command('migrate', verbosity=0); call_command('seed_demo')"
    )
    manage(database_url, tmp_path, "shell", "--no-imports", "-c", code)


def rows(cursor, tables):
    snapshot = {}
    for table in tables:
        cursor.execute(f'SELECT * FROM "{table}"')
        snapshot[table] = sorted(cursor.fetchall(), key=repr)
    return snapshot


def sqlite_snapshot(path):
    with sqlite3.connect(path) as db:
        cursor = db.cursor()
        tables = [name for (name,) in cursor.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        return rows(cursor, [table for table in tables if not table.startswith("sqlite_")])


def postgresql_snapshot(url):
    with psycopg.connect(url) as db, db.cursor() as cursor:
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        snapshot = rows(cursor, [name for (name,) in cursor.fetchall()])
        # Where each id sequence stands: a restore that left them behind would fail the next insert.
        cursor.execute("SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = 'public'")
        snapshot["sequences"] = sorted(cursor.fetchall())
        return snapshot


def assert_demo_data(snapshot):
    assert len(snapshot["customers_customer"]) == 32
    for table in ["keypoints_keypoint", "keypoints_stagehistory", "accounts_user", "django_migrations"]:
        assert snapshot[table], f"{table} is empty"


def test_sqlite_backup_wipe_restore_gives_back_every_row(tmp_path):
    database = tmp_path / "salesrecord.sqlite3"
    url = f"sqlite:///{database}"
    seed(url, tmp_path)
    before = sqlite_snapshot(database)
    assert_demo_data(before)

    written = Path(manage(url, tmp_path, "backup", "--dir", str(tmp_path / "backups")).strip())
    assert written.parent == tmp_path / "backups" and written.suffix == ".sqlite3"
    assert written.name.startswith("salesrecord-") and written.stat().st_mode & 0o077 == 0

    database.unlink()  # the disk is lost
    manage(url, tmp_path, "restore", str(written), "--confirm")
    assert sqlite_snapshot(database) == before


@pytest.fixture
def scratch_postgresql():
    """A database of the test's own beside the test database, dropped afterwards."""
    db = connection.settings_dict
    name = f"{db['NAME']}_backup"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    server = f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{server}/{name}"
    finally:
        with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.skipif(not ON_POSTGRESQL, reason="runs when the suite runs on PostgreSQL (DATABASE_URL=postgres://...)")
def test_postgresql_backup_wipe_restore_gives_back_every_row(scratch_postgresql, tmp_path):
    url = scratch_postgresql
    seed(url, tmp_path)
    before = postgresql_snapshot(url)
    assert_demo_data(before)

    written = Path(manage(url, tmp_path, "backup", "--dir", str(tmp_path / "backups")).strip())
    assert written.suffix == ".dump" and written.stat().st_mode & 0o077 == 0

    # Every row gone, and a table the backup does not know (a later migration's) in the way.
    with psycopg.connect(url) as db:
        tables = [name for (name,) in db.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")]
        db.execute("TRUNCATE " + ", ".join(f'"{table}"' for table in tables) + " RESTART IDENTITY CASCADE")
        db.execute("CREATE TABLE added_later (id integer)")
    assert postgresql_snapshot(url)["customers_customer"] == []

    manage(url, tmp_path, "restore", str(written), "--confirm")
    assert postgresql_snapshot(url) == before


def test_restore_refuses_without_confirmation(tmp_path):
    with pytest.raises(CommandError, match="replaces every record now in .* --confirm"):
        call_command("restore", str(tmp_path / "any.sqlite3"))


def test_restore_refuses_a_file_that_is_not_a_backup_of_this_database(tmp_path):
    with pytest.raises(CommandError, match="no backup file"):
        call_command("restore", str(tmp_path / "missing.sqlite3"), confirm=True)
    wrong_kind = tmp_path / ("salesrecord.dump" if not ON_POSTGRESQL else "salesrecord.sqlite3")
    wrong_kind.write_text("not a backup")
    with pytest.raises(CommandError, match="not a backup of this kind of database"):
        call_command("restore", str(wrong_kind), confirm=True)
    garbage = tmp_path / ("salesrecord.dump" if ON_POSTGRESQL else "salesrecord.sqlite3")
    garbage.write_text("not a backup")
    with pytest.raises(CommandError, match="is not a SalesRecord"):
        call_command("restore", str(garbage), confirm=True)


def test_a_missing_postgresql_tool_is_named_with_how_to_install_it(monkeypatch, tmp_path):
    monkeypatch.setattr(backup, "engine", lambda: backup.POSTGRESQL)
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(CommandError, match=r"pg_dump not found: .*apt-get install postgresql-client"):
        call_command("backup", dir=str(tmp_path / "backups"))
    assert list((tmp_path / "backups").iterdir()) == []  # no half-written file left behind
