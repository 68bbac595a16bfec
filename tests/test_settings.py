"""Configuration by environment: what the app refuses, and what it defaults to."""

import json
import os
import re
import subprocess
import sys

import pytest
from django.conf import settings

# What the test's own run sets; each case starts from a bare environment plus what it names.
IGNORED_ENV = {"DEBUG", "SECRET_KEY", "SALESRECORD_TESTING", "DATABASE_URL", "REDIS_URL"}


def run_python(code, **env):
    clean = {key: value for key, value in os.environ.items() if key not in IGNORED_ENV}
    clean.update(env)
    return subprocess.run(
        [sys.executable, "-c", code], cwd=settings.BASE_DIR, env=clean, capture_output=True, text=True, timeout=60
    )


def test_web_app_refuses_to_start_without_a_secret_key_in_production():
    result = run_python("import salesrecord.wsgi")
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_web_app_starts_with_a_secret_key():
    result = run_python("import salesrecord.wsgi", SECRET_KEY="a-real-secret-from-the-environment")
    assert result.returncode == 0, result.stderr


def test_debug_is_off_unless_asked():
    code = "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='salesrecord.settings'; django.setup(); "
    code += "from django.conf import settings as s; print(s.DEBUG, s.LANGUAGE_CODE, s.TIME_ZONE)"
    result = run_python(code, SECRET_KEY="x" * 50)
    assert result.stdout.split() == ["False", "zh-hans", "Asia/Shanghai"]


def test_database_url_switches_to_postgresql():
    code = "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='salesrecord.settings'; django.setup(); "
    code += "from django.conf import settings as s; print(s.DATABASES['default']['ENGINE'])"
    assert run_python(code, DEBUG="1").stdout.strip().endswith("sqlite3")
    on_pg = run_python(code, DEBUG="1", DATABASE_URL="postgres://u@db:5432/x").stdout.strip()
    assert on_pg == "django.db.backends.postgresql"


def test_file_broker_keeps_every_folder_under_var_dir(tmp_path):
    code = "import django, os, json; os.environ['DJANGO_SETTINGS_MODULE']='salesrecord.settings'; django.setup(); "
    code += "from django.conf import settings as s; print(json.dumps(s.CELERY_BROKER_TRANSPORT_OPTIONS))"
    result = run_python(code, DEBUG="1", VAR_DIR=str(tmp_path))
    options = json.loads(result.stdout)
    folders = {key: value for key, value in options.items() if key.endswith("_folder") or key.startswith("data_folder")}
    # kombu writes its exchange table to ./control unless told where: never into the source tree.
    assert {"data_folder_in", "data_folder_out", "processed_folder", "control_folder"} <= folders.keys()
    assert all(value.startswith(str(tmp_path)) for value in folders.values()), folders


SCHEDULE = (
    "import django, os, json; os.environ['DJANGO_SETTINGS_MODULE']='salesrecord.settings'; django.setup(); "
    "from django.conf import settings as s; b = s.CELERY_BEAT_SCHEDULE; c = b['daily-summary']['schedule']; "
    "print(json.dumps([b['scan-stalls']['schedule'], b['scan-overdue']['schedule'], sorted(c.hour), "
    "sorted(c.minute), s.CELERY_TIMEZONE, b['daily-summary']['task']]))"
)


def test_the_scans_run_hourly_and_the_summary_at_six_in_the_evening_local_time_by_default():
    result = run_python(SCHEDULE, DEBUG="1")
    assert json.loads(result.stdout) == [3600.0, 3600.0, [18], [0], "Asia/Shanghai", "reminders.tasks.daily_summary"]


def test_the_schedules_follow_the_environment():
    env = {"REMINDER_SCAN_MINUTES": "15", "DAILY_SUMMARY_AT": "07:30", "TIME_ZONE": "Asia/Urumqi"}
    result = run_python(SCHEDULE, DEBUG="1", **env)
    assert json.loads(result.stdout) == [900.0, 900.0, [7], [30], "Asia/Urumqi", "reminders.tasks.daily_summary"]


def environment_variables_read():
    """Every environment variable the app, its Makefile, scripts, compose file, gunicorn settings,
    benchmark and test configuration read (the names they are given by, not those they set)."""
    root = settings.BASE_DIR
    python = [root / "salesrecord" / "settings.py", root / "gunicorn.conf.py", root / "tests" / "conftest.py"]
    python += sorted((root / "bench").glob("*.py"))
    names = set()
    for path in python:
        text = path.read_text(encoding="utf-8")
        names |= set(re.findall(r'env_(?:str|bool|int|list)\(\s*"(\w+)"', text))
        names |= set(re.findall(r'os\.environ\.get\(\s*"(\w+)"', text))
    makefile = (root / "Makefile").read_text(encoding="utf-8")
    internal = set(re.findall(r"^(\w+) :=", makefile, re.MULTILINE))
    names |= set(re.findall(r"^(\w+) \?=", makefile, re.MULTILINE))
    names |= set(re.findall(r"\$\$\{(\w+)", makefile)) | (set(re.findall(r"\$\((\w+)\)", makefile)) - internal)
    names |= set(re.findall(r"\$\{(\w+)", (root / "docker-compose.yml").read_text(encoding="utf-8")))
    for script in (root / "scripts").iterdir():
        names |= set(re.findall(r"\$\{([A-Z_]\w*):?-", script.read_text(encoding="utf-8")))
    return names


def test_the_readmes_configuration_tables_list_every_environment_variable():
    readme = (settings.BASE_DIR / "README.md").read_text(encoding="utf-8")
    listed = set(re.findall(r"^\| `(\w+)` \|", readme, re.MULTILINE))
    read = environment_variables_read()
    assert {"REMINDER_SCAN_MINUTES", "DAILY_SUMMARY_AT", "REDIS_URL", "PORT", "WEB_CONCURRENCY"} <= read
    assert read - listed == set(), "add these to the README's configuration tables"


@pytest.mark.django_db
def test_postgresql_connections_compile_no_plan():
    """JIT compilation cost seconds on pages that run in milliseconds: the app's connections turn it off."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's JIT")
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"
        cursor.execute("SHOW work_mem")
        assert cursor.fetchone()[0] == "16MB"
