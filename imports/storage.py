"""Where an import's files are kept: the uploaded file until it is imported, and its rejected rows."""

from pathlib import Path

from django.conf import settings

FOLDER = "imports"


def folder():
    found = Path(settings.MEDIA_ROOT) / FOLDER
    found.mkdir(parents=True, exist_ok=True)
    return found


def path(name):
    return folder() / name if name else None


def remove(name):
    found = path(name)
    if found is not None and found.is_file():
        found.unlink()
