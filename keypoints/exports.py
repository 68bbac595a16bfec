"""The ledger as CSV or XLSX, written row by row so that no export sits in memory whole."""

import csv
import datetime
import itertools
import operator
import tempfile

from django.contrib.auth import get_user_model
from django.db import models
from django.http import FileResponse, StreamingHttpResponse
from django.utils import dateformat, formats, timezone, translation
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.utils import get_column_letter

from salesrecord.spreadsheet import csv_cell, xlsx_cell
from salesrecord.text import list_separator

from . import timeliness
from .models import KeyPoint
from .stages import COMMON_FIELDS, STAGES, all_stage_fields

FORMATS = ("csv", "xlsx")
CHUNK_SIZE = 2000

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
    """Every person's name as the pages show it (str(user)), by id: one query, people are few."""
    return {
        user.pk: str(user)
        for user in get_user_model().objects.only("display_name", "first_name", "last_name", "username")
    }


def _participants(keypoint_ids, users, separator):
    """Each key point's participants, ours and the customer's, joined as the pages list them: one query
    each per chunk of rows, in the order the related models sort by (people by login, contacts by name)."""
    ours = KeyPoint.our_participants.through.objects.filter(keypoint_id__in=keypoint_ids)
    theirs = KeyPoint.customer_participants.through.objects.filter(keypoint_id__in=keypoint_ids)
    found = {"our_participants": {}, "customer_participants": {}}
    for keypoint_id, user_id in ours.order_by("user__username", "user_id").values_list("keypoint_id", "user_id"):
        found["our_participants"].setdefault(keypoint_id, []).append(users.get(user_id, ""))
    # Contacts since archived still met us then: the through table reaches them all.
    for keypoint_id, name, title in theirs.order_by("contact__customer_id", "contact__name", "contact_id").values_list(
        "keypoint_id", "contact__name", "contact__title"
    ):
        found["customer_participants"].setdefault(keypoint_id, []).append(f"{name} ({title})" if title else name)
    return {key: {pk: separator.join(names) for pk, names in by_keypoint.items()} for key, by_keypoint in found.items()}


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
        "completeness": "elements_filled",
        "author": "author_id",
        "next_step_owner": "next_step_owner_id",
        "our_participants": "pk",
        "customer_participants": "pk",
    }.get(name, name)


def _getter(name, index, context, spreadsheet):
    """A function from a row of plain values (as _source names them, `index` into it) to the cell of
    one column; built once per export, not per row, in the export's language: its list separator and
    date formats. A spreadsheet gets real dates."""
    separator, users = context["separator"], context["users"]
    if name in ("our_participants", "customer_participants"):
        joined = context[name]
        return lambda row: joined.get(row[index], "")
    if name == "completeness":
        total = context["indexes"]["elements_total"]
        return lambda row: f"{row[index]}/{row[total]}"
    if name == "missing_elements":
        labels = {element.key: str(element.label) for stage in STAGES for element in stage.elements}
        return lambda row: separator.join(labels.get(key, key) for key in row[index])
    if name == "recording_delay":
        return lambda row: timeliness.hours(row[index])
    if name in ("author", "next_step_owner"):
        return lambda row: users.get(row[index], "")
    if name in ("customer", "project"):
        return operator.itemgetter(index)
    field = KeyPoint._meta.get_field(name)
    if field.choices:
        labels = {value: str(label) for value, label in field.flatchoices}
        return lambda row: labels.get(row[index], row[index])
    if isinstance(field, models.BooleanField):
        shown = {None: "", True: _("Yes"), False: _("No")}
        return lambda row: shown[row[index]]
    if spreadsheet and isinstance(field, models.DateTimeField):
        # Spreadsheet dates carry no time zone: the local time, as the pages show it.
        local = _Memo(lambda value: timezone.localtime(value).replace(tzinfo=None))
        return lambda row: row[index] and local[row[index]]
    if spreadsheet and isinstance(field, models.DateField):
        return operator.itemgetter(index)
    # In CSV, dates are text, written as the pages show them (to the minute: so many rows share one).
    if isinstance(field, models.DateTimeField):
        datetime_format = formats.get_format("DATETIME_FORMAT")
        shown = _Memo(lambda minute: dateformat.format(timezone.localtime(minute), datetime_format))
        return lambda row: row[index] and shown[row[index].replace(second=0, microsecond=0)]
    if isinstance(field, models.DateField):
        date_format = formats.get_format("DATE_FORMAT")
        shown = _Memo(lambda value: dateformat.format(value, date_format))
        return lambda row: row[index] and shown[row[index]]
    return operator.itemgetter(index)


def count(queryset):
    return queryset.select_related(None).prefetch_related(None).order_by().count()


def rows(queryset, spreadsheet=False):
    """Each record's values, column by column, as they are (the writers make cells of them).

    Plain values, not model instances: at 300,000 rows building each instance (and its related
    ones) would take most of the time. The related names come in the same query; the participants
    in one more query per chunk."""
    names = columns()
    sources = ["pk", "elements_total", *dict.fromkeys(_source(name) for name in names)]
    sources = list(dict.fromkeys(sources))
    indexes = {source: position for position, source in enumerate(sources)}
    queryset = (
        queryset.select_related(None)
        .prefetch_related(None)
        .annotate(recording_delay=timeliness.recording_delay())
        .values_list(*sources)
    )
    context = {
        "separator": list_separator(),
        "users": _user_names(),
        "indexes": indexes,
        "our_participants": {},
        "customer_participants": {},
    }
    getters = [_getter(name, indexes[_source(name)], context, spreadsheet) for name in names]
    pk = indexes["pk"]
    for chunk in itertools.batched(queryset.iterator(chunk_size=CHUNK_SIZE), CHUNK_SIZE):
        for name, joined in _participants([row[pk] for row in chunk], context["users"], context["separator"]).items():
            context[name].clear()
            context[name].update(joined)
        for row in chunk:
            yield [getter(row) for getter in getters]


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


def _csv_stream(queryset, language):
    with translation.override(language):
        writer = csv.writer(_Echo())
        yield "\ufeff"  # so that Excel reads the file as UTF-8
        yield writer.writerow(header())
        for row in rows(queryset):
            yield writer.writerow([csv_cell(value) for value in row])


def export_response(queryset, export_format):
    language = translation.get_language()
    if export_format == "csv":
        response = StreamingHttpResponse(_csv_stream(queryset, language), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{_filename("csv")}"'
        return response
    # openpyxl's write-only mode spools each row to a temporary file as it is appended.
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=_("Key points")[:31])
    names = columns()
    # The header stays in view, every column can be filtered, and widths suit what the column holds
    # (set before the first row: a write-only sheet writes its layout first).
    sheet.freeze_panes = "A2"
    for index, name in enumerate(names, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = _width(name)
    sheet.append([xlsx_cell(sheet, label) for label in header()])
    date_format, datetime_format = _spreadsheet_date_formats()
    count = 0
    for values in rows(queryset, spreadsheet=True):
        row = []
        for value in values:
            if isinstance(value, datetime.date):
                cell = WriteOnlyCell(sheet, value=value)
                cell.number_format = datetime_format if isinstance(value, datetime.datetime) else date_format
                row.append(cell)
            else:
                row.append(xlsx_cell(sheet, value))
        sheet.append(row)
        count += 1
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(names))}{count + 1}"
    spool = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it once sent
    workbook.save(spool)
    spool.seek(0)
    return FileResponse(
        spool,
        as_attachment=True,
        filename=_filename("xlsx"),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
