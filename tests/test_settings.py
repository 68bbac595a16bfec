"""Configuration by environment: what the app refuses, and what it defaults to."""

import json
import os
import subprocess
import sys

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
