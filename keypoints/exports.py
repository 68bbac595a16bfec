"""The ledger as CSV or XLSX, written row by row so that no export sits in memory whole."""

import csv
import datetime
import tempfile

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


def _getter(name, spreadsheet=False):
    """A function from a key point to the cell of one column; built once per export, not per row,
    in the export's language: its list separator and date formats. A spreadsheet gets real dates."""
    separator = list_separator()
    if name == "customer":
        return lambda kp: kp.project.customer.legal_name
    if name == "project":
        return lambda kp: kp.project.name
    if name in ("our_participants", "customer_participants"):
        return lambda kp: separator.join(str(item) for item in getattr(kp, name).all())
    if name == "completeness":
        return lambda kp: f"{kp.elements_filled}/{kp.elements_total}"
    if name == "missing_elements":
        labels = {element.key: str(element.label) for stage in STAGES for element in stage.elements}
        return lambda kp: separator.join(labels.get(key, key) for key in kp.missing_elements)
    if name == "recording_delay":
        return lambda kp: timeliness.hours(kp.recording_delay)
    if name in ("author", "next_step_owner"):
        return lambda kp: str(getattr(kp, name))
    field = KeyPoint._meta.get_field(name)
    if field.choices:
        labels = {value: str(label) for value, label in field.flatchoices}
        return lambda kp: labels.get(getattr(kp, name), getattr(kp, name))
    if isinstance(field, models.BooleanField):
        yes, no = _("Yes"), _("No")
        return lambda kp: "" if getattr(kp, name) is None else (yes if getattr(kp, name) else no)
    if spreadsheet and isinstance(field, models.DateTimeField):
        # Spreadsheet dates carry no time zone: the local time, as the pages show it.
        return lambda kp: getattr(kp, name) and timezone.localtime(getattr(kp, name)).replace(tzinfo=None)
    if spreadsheet and isinstance(field, models.DateField):
        return lambda kp: getattr(kp, name)
    # In CSV, dates are text, written as the pages show them.
    if isinstance(field, models.DateTimeField):
        datetime_format = formats.get_format("DATETIME_FORMAT")
        return lambda kp: dateformat.format(timezone.localtime(getattr(kp, name)), datetime_format)
    if isinstance(field, models.DateField):
        date_format = formats.get_format("DATE_FORMAT")
        return lambda kp: getattr(kp, name) and dateformat.format(getattr(kp, name), date_format)
    return lambda kp: getattr(kp, name)


def rows(queryset, spreadsheet=False):
    """Each record's values, column by column, as they are (the writers make cells of them)."""
    getters = [_getter(name, spreadsheet) for name in columns()]
    # Only the relations the columns read: at 300,000 rows every model instance counts.
    queryset = (
        queryset.select_related(None)
        .select_related("project__customer", "author", "next_step_owner")
        .annotate(recording_delay=timeliness.recording_delay())
    )
    for keypoint in queryset.iterator(chunk_size=CHUNK_SIZE):
        yield [getter(keypoint) for getter in getters]


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
