"""Simplified Chinese is complete, compiled, and covers every string the code marks for translation."""

import gettext
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command

PO = Path(django_settings.BASE_DIR) / "locale/zh_Hans/LC_MESSAGES/django.po"
MO = PO.with_suffix(".mo")

needs_gettext = pytest.mark.skipif(shutil.which("msgfmt") is None, reason="GNU gettext (msgfmt) is not installed")


def untranslated(po_path):
    result = subprocess.run(
        ["msgattrib", "--untranslated", "--no-obsolete", str(po_path)], capture_output=True, text=True, check=True
    )
    fuzzy = subprocess.run(["msgattrib", "--only-fuzzy", str(po_path)], capture_output=True, text=True, check=True)
    return result.stdout + fuzzy.stdout


@needs_gettext
def test_every_chinese_entry_is_translated_and_not_fuzzy():
    assert untranslated(PO) == ""


@needs_gettext
def test_committed_mo_matches_the_po(tmp_path):
    fresh = tmp_path / "django.mo"
    subprocess.run(["msgfmt", "--check", "-o", str(fresh), str(PO)], check=True)
    with MO.open("rb") as committed, fresh.open("rb") as compiled:
        assert gettext.GNUTranslations(committed)._catalog == gettext.GNUTranslations(compiled)._catalog


@needs_gettext
def test_no_string_in_the_code_is_missing_from_the_catalogue(tmp_path, monkeypatch, settings):
    """Run makemessages over a copy of the project: every string it finds must already be translated."""
    base = Path(django_settings.BASE_DIR)
    copy = tmp_path / "project"
    ignore = shutil.ignore_patterns(".venv", ".git", "staticfiles", "var", "node_modules", "__pycache__", "*.sqlite3")
    for name in ("accounts", "customers", "keypoints", "handovers", "salesrecord", "templates", "locale"):
        if (base / name).exists():
            shutil.copytree(base / name, copy / name, ignore=ignore)
    monkeypatch.chdir(copy)
    settings.LOCALE_PATHS = [copy / "locale"]
    call_command("makemessages", locale=["zh_Hans"], no_location=True, verbosity=0)
    assert untranslated(copy / "locale/zh_Hans/LC_MESSAGES/django.po") == ""
