"""The ledger as CSV or XLSX, written row by row so that no export sits in memory whole."""

import csv
import datetime
import itertools
import logging
import operator
import secrets
import tempfile
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, models
from django.db.models import Case, CharField, F, OuterRef, StringAgg, Subquery, Value, When
from django.db.models.functions import Cast, Coalesce, Concat
from django.http import FileResponse, QueryDict, StreamingHttpResponse
from django.utils import dateformat, formats, timezone, translation
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from salesrecord.spreadsheet import SheetWriter, csv_cell
from salesrecord.text import list_separator

from . import selectors, timeliness
from .filters import KeyPointFilter
from .models import ExportFormat, ExportStatus, KeyPoint, LedgerExport
from .permissions import visible_keypoints
from .stages import COMMON_FIELDS, STAGES, all_stage_fields

logger = logging.getLogger(__name__)

FORMATS = ("csv", "xlsx")
CHUNK_SIZE = 2000
# A background export reports how far it got every so many rows.
PROGRESS_EVERY = 5000
# A running export whose worker has not reported for this long was lost with it: it may be taken again.
STALE_AFTER = datetime.timedelta(minutes=10)
EXPORT_FOLDER = "exports"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# The record's own columns, with its customer and project after the date, then its completeness.
LEADING_COLUMNS = (COMMON_FIELDS[0], "customer", "project", *COMMON_FIELDS[1:], "next_step_status")
COMPLETENESS_COLUMNS = ("completeness", "missing_elements")
TRAILING_COLUMNS = ("author", "created_at", "recording_delay")


def columns():
    return (*LEADING_COLUMNS, *COMPLETENESS_COLUMNS, *all_stage_fields(), *TRAILING_COLUMNS)


def header():
    labels = {
        "customer": _("Customer"),
        "project": _("Project"),
        "completeness": _("Completeness"),
        "missing_elements": _("Missing elements"),
        "created_at": _("Logged at"),
        "recording_delay": _("Logged after the event (hours)"),
    }
    result = []
    for name in columns():
        if name in labels:
            result.append(labels[name])
        else:
            result.append(capfirst(str(KeyPoint._meta.get_field(name).verbose_name)))
    return result


def _user_names():
    """Every person's name as the pages show it (str(user)), by id, in login order: one query, people
    are few."""
    people = get_user_model().objects.only("display_name", "first_name", "last_name", "username")
    return {user.pk: str(user) for user in people.order_by("username", "pk")}


def _participant_columns(separator):
    """Each row's participants, computed by the database in the export's own query: ours as the
    people's ids (their names and login order come from _user_names: joining the people in the
    query, once per row, would cost more than the rest of it), the customer's as the pages show them,
    in the order contacts sort by. Contacts since archived still met us then: the through table
    reaches them all."""
    ours = (
        KeyPoint.our_participants.through.objects.filter(keypoint_id=OuterRef("pk"))
        .order_by()
        .values("keypoint_id")
        .annotate(joined=StringAgg(Cast("user_id", CharField()), Value(",")))
        .values("joined")
    )
    shown = Case(
        When(contact__title="", then=F("contact__name")),
        default=Concat(F("contact__name"), Value(" ("), F("contact__title"), Value(")")),
        output_field=CharField(),
    )
    theirs = (
        KeyPoint.customer_participants.through.objects.filter(keypoint_id=OuterRef("pk"))
        .order_by()
        .values("keypoint_id")
        .annotate(
            joined=StringAgg(shown, Value(separator), order_by=("contact__customer_id", "contact__name", "contact_id"))
        )
        .values("joined")
    )
    return {
        "our_participant_ids": Subquery(ours, output_field=CharField()),
        "customer_participant_names": Coalesce(Subquery(theirs, output_field=CharField()), Value("")),
    }


class _Memo(dict):
    """A function's results by argument, for values that repeat across many rows (dates, names)."""

    def __init__(self, function):
        super().__init__()
        self.function = function

    def __missing__(self, key):
        if len(self) > 100_000:
            self.clear()
        value = self[key] = self.function(key)
        return value


def _source(name):
    """What one column reads from the database: a field, a related name, or an annotation."""
    return {
        "customer": "project__customer__legal_name",
        "project": "project__name",
        "completeness": "completeness",
        "author": "author_id",
        "next_step_owner": "next_step_owner_id",
        "our_participants": "our_participant_ids",
        "customer_participants": "customer_participant_names",
    }.get(name, name)


def _converter(name, spreadsheet, users, separator):
    """A function from the value the database gives for one column to its cell, or None where the value
    is the cell; built once per export, not per row, in the export's language: its list separator and
    date formats. A spreadsheet gets real dates."""
    if name == "our_participants":
        # In login order, as the pages list them (users is in that order).
        rank = {pk: position for position, pk in enumerate(users)}

        def names(ids):
            people = sorted(map(int, ids.split(",")), key=lambda pk: (rank.get(pk, len(rank)), pk))
            return separator.join(users.get(pk, "") for pk in people)

        in_order = _Memo(names)
        return lambda ids: in_order[ids] if ids else ""
    if name == "missing_elements":
        labels = {element.key: str(element.label) for stage in STAGES for element in stage.elements}
        shown = _Memo(lambda keys: separator.join(labels.get(key, key) for key in keys))
        return lambda keys: shown[tuple(keys)]
    if name == "recording_delay":
        return timeliness.hours
    if name in ("author", "next_step_owner"):
        return lambda pk: users.get(pk, "")
    if name in ("customer", "project", "completeness", "customer_participants"):
        return None
    field = KeyPoint._meta.get_field(name)
    if field.choices:
        labels = {value: str(label) for value, label in field.flatchoices}
        return lambda value: labels.get(value, value)
    if isinstance(field, models.BooleanField):
        return {None: "", True: _("Yes"), False: _("No")}.__getitem__
    zone = timezone.get_current_timezone()
    if spreadsheet and isinstance(field, models.DateTimeField):
        # Spreadsheet dates carry no time zone: the local time, as the pages show it.
        return lambda value: value and value.astimezone(zone).replace(tzinfo=None)
    if spreadsheet and isinstance(field, models.DateField):
        return None
    # In CSV, dates are text, written as the pages show them.
    if isinstance(field, models.DateTimeField):
        return _datetime_text()
    if isinstance(field, models.DateField):
        date_format = formats.get_format("DATE_FORMAT")
        shown = _Memo(lambda value: dateformat.format(value, date_format))
        return lambda value: value and shown[value]
    return None


def _datetime_text():
    """Date-times as the pages show them, in local time. Formatting is the slow part: a format that is
    the date's followed by the time's formats the two halves once per day and per minute of the day
    (a few thousand of each), not once per row."""
    date_format = formats.get_format("DATE_FORMAT")
    datetime_format = formats.get_format("DATETIME_FORMAT")
    zone = timezone.get_current_timezone()
    if not datetime_format.startswith(date_format):
        shown = _Memo(lambda value: dateformat.format(value, datetime_format))
        return lambda value: value and shown[value.astimezone(zone)]
    time_format = datetime_format[len(date_format) :]
    days = _Memo(lambda day: dateformat.format(day, date_format))
    minutes = _Memo(lambda minute: dateformat.time_format(datetime.time(*minute), time_format))

    def text(value):
        if value is None:
            return None
        local = value.astimezone(zone)
        return days[local.date()] + minutes[local.hour, local.minute]

    return text


def count(queryset):
    return queryset.select_related(None).prefetch_related(None).order_by().count()


def rows(queryset, spreadsheet=False):
    """Each record's values, column by column, as they are (the writers make cells of them).

    Plain values, not model instances: at 300,000 rows building each instance (and its related
    ones) would take most of the time. The related names, the completeness and the participants
    come in the same query; only the columns that need it are converted, value by value."""
    names = columns()
    separator = list_separator()
    users = _user_names()
    in_query = connection.features.supports_aggregate_order_by_clause
    if in_query:
        participants = _participant_columns(separator)
    else:
        # Filled in per chunk below; until then these two columns hold the key point's id.
        participants = {"our_participant_ids": F("pk"), "customer_participant_names": F("pk")}
    sources = list(dict.fromkeys(_source(name) for name in names))
    queryset = (
        queryset.select_related(None)
        .prefetch_related(None)
        .annotate(
            recording_delay=timeliness.recording_delay(),
            completeness=Concat(
                Cast("elements_filled", CharField()),
                Value("/"),
                Cast("elements_total", CharField()),
                output_field=CharField(),
            ),
            **participants,
        )
        .values_list(*sources)
    )
    pick = operator.itemgetter(*(sources.index(_source(name)) for name in names))
    conversions = [
        (position, convert)
        for position, name in enumerate(names)
        if (convert := _converter(name, spreadsheet, users, separator)) is not None
    ]
    if in_query:
        for values in queryset.iterator(chunk_size=CHUNK_SIZE):
            row = list(pick(values))
            for position, convert in conversions:
                row[position] = convert(row[position])
            yield row
        return
    placeholders = [(names.index(name), _source(name)) for name in ("our_participants", "customer_participants")]
    pk = sources.index("our_participant_ids")
    for chunk in itertools.batched(queryset.iterator(chunk_size=CHUNK_SIZE), CHUNK_SIZE):
        found = _participants_of([values[pk] for values in chunk], separator)
        for values in chunk:
            row = list(pick(values))
            for position, source in placeholders:
                row[position] = found[source].get(row[position], "")
            for position, convert in conversions:
                row[position] = convert(row[position])
            yield row


def _participants_of(keypoint_ids, separator):
    """The two participant columns for databases without ordered aggregates (SQLite before 3.44): one
    query each per chunk of rows; by key point id, as the subqueries of _participant_columns give them."""
    ours = KeyPoint.our_participants.through.objects.filter(keypoint_id__in=keypoint_ids)
    theirs = KeyPoint.customer_participants.through.objects.filter(keypoint_id__in=keypoint_ids)
    found = {"our_participant_ids": {}, "customer_participant_names": {}}
    for keypoint_id, user_id in ours.order_by("user__username", "user_id").values_list("keypoint_id", "user_id"):
        found["our_participant_ids"].setdefault(keypoint_id, []).append(str(user_id))
    for keypoint_id, name, title in theirs.order_by("contact__customer_id", "contact__name", "contact_id").values_list(
        "keypoint_id", "contact__name", "contact__title"
    ):
        found["customer_participant_names"].setdefault(keypoint_id, []).append(f"{name} ({title})" if title else name)
    return {
        "our_participant_ids": {pk: ",".join(ids) for pk, ids in found["our_participant_ids"].items()},
        "customer_participant_names": {
            pk: separator.join(names) for pk, names in found["customer_participant_names"].items()
        },
    }


def _spreadsheet_date_formats():
    """(date, date and time) number formats: the pages' own, in the spreadsheet's notation."""
    if (translation.get_language() or "").startswith("zh"):
        return "yyyy-mm-dd", "yyyy-mm-dd hh:mm"
    return "d mmm yyyy", "d mmm yyyy hh:mm"


WIDE_COLUMNS = {"summary", "customer_feedback", "obstacles", "our_response", "next_step", "missing_elements"}


def _width(name):
    if name in WIDE_COLUMNS:
        return 40
    if name in ("customer", "project"):
        return 28
    if name in ("occurred_at", "created_at"):
        return 17
    return 14


def _filename(extension):
    return f"keypoints-{timezone.localdate():%Y%m%d}.{extension}"


class _Echo:
    def write(self, value):
        return value


def _written_by_people(name):
    """Whether a column holds what people typed (free text, names), which the formula guard must see;
    the others hold the app's own labels, numbers and dates."""
    if name in ("customer", "project", "author", "next_step_owner", "our_participants", "customer_participants"):
        return True
    if name in ("completeness", "missing_elements", "recording_delay"):
        return False
    field = KeyPoint._meta.get_field(name)
    return isinstance(field, (models.CharField, models.TextField)) and not field.choices


def _guarded_positions():
    """(positions of free text, positions of names that repeat from row to row)."""
    names = columns()
    repeated = {"customer", "project", "author", "next_step_owner", "our_participants", "customer_participants"}
    free = [position for position, name in enumerate(names) if _written_by_people(name) and name not in repeated]
    names_at = [position for position, name in enumerate(names) if name in repeated]
    return free, names_at


def _csv_lines(queryset, language, progress=None):
    """The CSV file's text, line by line; `progress(rows)` every PROGRESS_EVERY rows."""
    with translation.override(language):
        writer = csv.writer(_Echo())
        yield "\ufeff"  # so that Excel reads the file as UTF-8
        yield writer.writerow(header())
        free, names_at = _guarded_positions()
        guarded_name = _Memo(csv_cell)
        # Only what people typed goes through the formula guard (empty cells need none); the csv
        # module writes None as an empty cell.
        for count, row in enumerate(rows(queryset), start=1):
            for position in free:
                if value := row[position]:
                    row[position] = csv_cell(value)
            for position in names_at:
                if value := row[position]:
                    row[position] = guarded_name[value]
            yield writer.writerow(row)
            if progress is not None and count % PROGRESS_EVERY == 0:
                progress(count)


def write_xlsx(queryset, target, progress=None):
    """The XLSX workbook into `target` (a path or a binary file); returns the number of rows.

    Written row by row (SheetWriter): the header stays in view, every column can be filtered, widths
    suit what the column holds, dates are date cells in the language's format, and text is guarded
    against being taken for a formula. An empty text is no cell at all: a spreadsheet shows both alike."""
    date_format, datetime_format = _spreadsheet_date_formats()
    widths = [_width(name) for name in columns()]
    with SheetWriter(
        target, _("Key points"), widths, date_format=date_format, datetime_format=datetime_format
    ) as sheet:
        sheet.write_row(header())
        count = 0
        for values in rows(queryset, spreadsheet=True):
            sheet.write_row(values)
            count += 1
            if progress is not None and count % PROGRESS_EVERY == 0:
                progress(count)
    return count


def export_response(queryset, export_format):
    """The export at once, within the request (small ones)."""
    language = translation.get_language()
    if export_format == "csv":
        response = StreamingHttpResponse(_csv_lines(queryset, language), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{_filename("csv")}"'
        return response
    spool = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it once sent
    write_xlsx(queryset, spool)
    spool.seek(0)
    return FileResponse(spool, as_attachment=True, filename=_filename("xlsx"), content_type=XLSX_TYPE)


# Background exports ------------------------------------------------------------------------------


def job_queryset(job):
    """The job's rows as they are now: the person's scope and the ledger's filters applied again
    (someone who lost a customer since asking no longer gets its records). None if the filters no
    longer apply (a customer or person chosen then, gone from their scope since)."""
    keypoints = selectors.ledger_rows(visible_keypoints(job.requested_by))
    ledger_filter = KeyPointFilter(QueryDict(job.query), queryset=keypoints, user=job.requested_by)
    return ledger_filter.qs if ledger_filter.is_valid() else None


def _claim(job_pk, now):
    """Take the job to run it: a queued one, or a running one whose worker stopped reporting long ago.
    A job done or failed, or running elsewhere right now, is left alone (the task is safe to run twice)."""
    stale = now - STALE_AFTER
    claimable = LedgerExport.objects.filter(pk=job_pk).filter(
        models.Q(status=ExportStatus.QUEUED)
        | models.Q(status=ExportStatus.RUNNING, progressed_at__lt=stale)
        | models.Q(status=ExportStatus.RUNNING, progressed_at__isnull=True)
    )
    if not claimable.update(status=ExportStatus.RUNNING, progressed_at=now, rows_written=0, error=""):
        return None
    return LedgerExport.objects.select_related("requested_by").get(pk=job_pk)


def _fail(job, message):
    LedgerExport.objects.filter(pk=job.pk).update(
        status=ExportStatus.FAILED, error=message, finished_at=timezone.now(), progressed_at=timezone.now()
    )


def run_job(job_pk):
    """Write the job's file and mark it done, or failed with a message its owner can read."""
    job = _claim(job_pk, timezone.now())
    if job is None:
        return None
    with translation.override(job.language):
        if not job.requested_by.is_active:
            _fail(job, _("The account that asked for this export has been deactivated."))
            return ExportStatus.FAILED
        queryset = job_queryset(job)
        if queryset is None:
            _fail(
                job, _("The filters of this export no longer apply to what you may see. Export again from the ledger.")
            )
            return ExportStatus.FAILED
        LedgerExport.objects.filter(pk=job.pk).update(rows_total=count(queryset))

        def progress(written):
            LedgerExport.objects.filter(pk=job.pk).update(rows_written=written, progressed_at=timezone.now())

        folder = Path(settings.MEDIA_ROOT) / EXPORT_FOLDER
        folder.mkdir(parents=True, exist_ok=True)
        # A name no one can guess, written aside and renamed when whole: a download never reads half a file.
        name = f"{EXPORT_FOLDER}/{job.pk}-{secrets.token_hex(8)}.{job.format}"
        partial = Path(settings.MEDIA_ROOT) / f"{name}.part"
        try:
            if job.format == ExportFormat.CSV:
                with partial.open("w", encoding="utf-8", newline="") as target:
                    written = 0
                    for line in _csv_lines(queryset, job.language, progress):
                        target.write(line)
                        written += 1
                    written = max(0, written - 2)  # less the byte order mark and the header
            else:
                written = write_xlsx(queryset, partial, progress)
            partial.rename(Path(settings.MEDIA_ROOT) / name)
        except Exception:
            logger.exception("Ledger export %s failed", job.pk)
            partial.unlink(missing_ok=True)
            _fail(job, _("The export could not be written. Try again; if it fails again, tell an administrator."))
            return ExportStatus.FAILED
        now = timezone.now()
        LedgerExport.objects.filter(pk=job.pk).update(
            status=ExportStatus.DONE,
            rows_written=written,
            file=name,
            finished_at=now,
            progressed_at=now,
            expires_at=now + datetime.timedelta(hours=settings.EXPORT_KEEP_HOURS),
        )
    return ExportStatus.DONE


def file_path(job):
    return Path(settings.MEDIA_ROOT) / job.file


def delete_expired(now=None):
    """Delete the files of expired exports (the rows stay, so that a late download answers 410), and
    the rows of exports expired a week ago. Returns the number of files deleted."""
    now = now or timezone.now()
    deleted = 0
    expired = LedgerExport.objects.filter(expires_at__lte=now).exclude(file="")
    for job in expired:
        file_path(job).unlink(missing_ok=True)
        deleted += LedgerExport.objects.filter(pk=job.pk, file=job.file).update(file="")
    LedgerExport.objects.filter(expires_at__lte=now - datetime.timedelta(days=7), file="").delete()
    # A failed export is kept as long as a done one would be, for its owner to read why.
    LedgerExport.objects.filter(
        status=ExportStatus.FAILED,
        finished_at__lte=now - datetime.timedelta(hours=settings.EXPORT_KEEP_HOURS) - datetime.timedelta(days=7),
    ).delete()
    return deleted
