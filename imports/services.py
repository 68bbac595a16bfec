"""Every write of a spreadsheet import: its job's steps and the records it creates.

Steps: ``import_upload`` (the file, read and kept; the columns guessed) → ``import_map`` (the person's
mapping; starts the check) → ``import_check`` (the dry run: imports/plan.py) → ``import_confirm`` →
``import_run`` (the write, in one transaction). A file of more than ``IMPORT_INLINE_ROWS`` rows is
checked and imported by a Celery worker; a smaller one within the request.

The job's row is locked for every step and each step checks the state it starts from, so that a double
submit or two people on one import do one thing once; a form shown before the job changed is refused
with who changed it and when.
"""

import secrets
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from customers import permissions as customer_permissions

from . import reading, runs, storage, tasks
from .columns import COLUMNS, SheetKind, guess, guess_kind, missing_required
from .models import ImportJob, ImportStatus

# Upload and mapping ----------------------------------------------------------------------------------


def import_upload(*, actor, data, filename, language):
    """Read the file (ImportFileError if it cannot be imported: nothing is kept) and keep it with the
    columns guessed."""
    sheets = reading.read(data, filename)
    if not any(sheet.rows for sheet in sheets):
        raise reading.ImportFileError(_("The file holds no rows under its headers."), "no_rows")
    suffix = ".csv" if not data.startswith(reading.ZIP_MAGIC) else ".xlsx"
    stored = f"{secrets.token_hex(16)}{suffix}"
    storage.path(stored).write_bytes(data)
    described = []
    for sheet in sheets:
        kind = guess_kind(sheet.name, sheet.header)
        described.append(
            {
                "name": sheet.name,
                "header": sheet.header,
                "header_row": sheet.header_row,
                "rows": len(sheet.rows),
                "kind": kind,
                "mapping": [key or "" for key in guess(kind, sheet.header)] if kind != SheetKind.SKIP else [],
                "example": [_shown(cell) for cell in (sheet.rows[0][1] if sheet.rows else [])],
            }
        )
    return ImportJob.objects.create(
        uploaded_by=actor,
        changed_by=actor,
        filename=Path(filename or "").name[:200] or "import",
        file=stored,
        size=len(data),
        sheets=described,
        # The uploader owns what names no owner, if they may own customers (a lead); an admin chooses.
        default_owner=actor if customer_permissions.assignable_owners().filter(pk=actor.pk).exists() else None,
        language=language,
        rows_total=sum(len(sheet.rows) for sheet in sheets),
    )


def _shown(cell):
    if cell is None:
        return ""
    if hasattr(cell, "isoformat"):
        return cell.isoformat(sep=" ") if hasattr(cell, "hour") and not hasattr(cell, "tzinfo") else cell.isoformat()
    return str(cell)[:100]


def _locked(job):
    return ImportJob.objects.select_for_update().get(pk=job.pk)


def refuse_if_changed(locked, seen):
    """A form shown at ``seen`` (the job's changed_at then, as text) over a job changed since: refused."""
    if seen is None or seen == locked.changed_at.isoformat():
        return
    raise ValidationError(
        _(
            "%(person)s changed this import at %(at)s: it is now “%(status)s”. Nothing was changed; "
            "look at it again and confirm."
        ),
        code="stale",
        params={
            "person": locked.changed_by or _("Someone"),
            "at": formats.date_format(timezone.localtime(locked.changed_at), "DATETIME_FORMAT"),
            "status": locked.get_status_display(),
        },
    )


def _refuse_unless(locked, *statuses):
    if locked.status not in statuses:
        raise ValidationError(
            _("This import is “%(status)s”: that step is not open to it now."),
            code="wrong_status",
            params={"status": locked.get_status_display()},
        )


@transaction.atomic
def import_map(*, job, actor, kinds, mappings, default_owner, seen=None):
    """Keep the person's mapping (a kind and a field per column, per sheet) and start the check."""
    locked = _locked(job)
    refuse_if_changed(locked, seen)
    _refuse_unless(locked, ImportStatus.MAPPING, ImportStatus.CHECKED, ImportStatus.FAILED)
    problems = []
    sheets = []
    for sheet, kind, mapping in zip(locked.sheets, kinds, mappings, strict=True):
        chosen = [key for key in mapping if key]
        twice = sorted({key for key in chosen if chosen.count(key) > 1})
        labels = {column.key: column.label for column in COLUMNS.get(kind, ())}
        for key in twice:
            problems.append(
                _("Sheet “%(sheet)s”: %(field)s is chosen for more than one column.")
                % {"sheet": sheet["name"], "field": labels.get(key, key)}
            )
        if kind != SheetKind.SKIP:
            for column in missing_required(kind, mapping):
                problems.append(
                    _("Sheet “%(sheet)s”: choose the column that holds %(field)s.")
                    % {"sheet": sheet["name"], "field": column.label}
                )
        sheets.append({**sheet, "kind": kind, "mapping": list(mapping) if kind != SheetKind.SKIP else []})
    if all(sheet["kind"] == SheetKind.SKIP for sheet in sheets):
        problems.append(_("Choose at least one sheet to import."))
    if problems:
        raise ValidationError(problems, code="mapping")
    locked.sheets = sheets
    locked.default_owner = default_owner
    locked.status = ImportStatus.CHECKING
    locked.preview, locked.error, locked.rows_done = {}, "", 0
    locked.changed_by = actor
    locked.save()
    _start(locked, "check")
    return locked


def _start(job, step):
    if job.rows_total > settings.IMPORT_INLINE_ROWS:
        task = tasks.check_import if step == "check" else tasks.run_import
        transaction.on_commit(lambda: task.delay(job.pk))
    else:
        transaction.on_commit(lambda: (runs.import_check if step == "check" else runs.import_run)(job_id=job.pk))


@transaction.atomic
def import_confirm(*, job, actor, seen=None):
    locked = _locked(job)
    refuse_if_changed(locked, seen)
    _refuse_unless(locked, ImportStatus.CHECKED)
    locked.status = ImportStatus.IMPORTING
    locked.rows_done = 0
    locked.changed_by = actor
    locked.save()
    _start(locked, "import")
    return locked
