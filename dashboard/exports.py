"""The dashboard's tables as one XLSX workbook: one sheet per table, numbers as numbers."""

import tempfile

from django.http import FileResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from salesrecord.spreadsheet import xlsx_cell


def _stage(row):
    return f"{row['stage'].number}. {row['stage'].label}"


def sheets(figures):
    """(title, header, rows) for each table of the dashboard."""
    stage = _("Stage")
    pipeline = figures["pipeline"]
    yield (
        _("Pipeline"),
        [stage, _("Deals"), _("Value (CNY)"), _("Win probability (%)"), _("Weighted value (CNY)")],
        [[_stage(row), row["count"], row["value"], row["probability"], row["weighted"]] for row in pipeline["rows"]]
        + [[_("Total"), pipeline["total"]["count"], pipeline["total"]["value"], None, pipeline["total"]["weighted"]]],
    )
    yield (
        _("Conversion"),
        [stage, _("Reached"), _("Of the stage before (%)")],
        [[_stage(row), row["count"], row["share"]] for row in figures["conversion"]["rows"]],
    )
    yield (
        _("Days in each stage"),
        [stage, _("Finished stays"), _("Mean days"), _("Median days")],
        [[_stage(row), row["count"], row["mean"], row["median"]] for row in figures["durations"]["rows"]],
    )
    yield (
        _("Signed by month"),
        [_("Month"), _("Deals"), _("Signed amount (CNY)")],
        [[row["label"], row["count"], row["amount"]] for row in figures["signed"]["rows"]],
    )
    attention = figures["attention"]
    yield (
        _("Stalled and overdue"),
        [_("Figure"), _("Count")],
        [[_("Stalled projects"), attention["stalled_count"]], [_("Overdue next steps"), attention["overdue_count"]]],
    )
    yield (
        _("Lead ratings"),
        [_("Rating"), _("Projects"), _("Share (%)")],
        [[row["description"], row["count"], row["share"]] for row in figures["ratings"]["rows"]],
    )
    activity = figures["activity"]
    yield (
        _("Key points per week"),
        [_("Author"), *activity["weeks"], _("Total")],
        [[row["author"], *(cell["count"] for cell in row["cells"]), row["total"]] for row in activity["rows"]],
    )
    yield (
        _("Lost reasons"),
        [_("Reason"), _("Projects")],
        [[row["reason"], row["count"]] for row in figures["lost"]["rows"]],
    )
    yield (
        _("Completeness"),
        [_("Author"), _("Key points"), _("Incomplete"), _("Complete (%)")],
        [[row["author"], row["total"], row["incomplete"], row["share"]] for row in figures["completeness"]["rows"]],
    )
    yield (
        _("Timeliness"),
        [_("Author"), _("Key points"), _("Later than 24 hours"), _("Within 24 hours (%)")],
        [[row["author"], row["total"], row["late"], row["share"]] for row in figures["timeliness"]["rows"]],
    )
    yield (
        _("Obstacles"),
        [_("Obstacle"), _("Key points")],
        [[row["obstacle"], row["count"]] for row in figures["obstacles"]["rows"]],
    )


def export_response(figures):
    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, header, rows in sheets(figures):
        sheet = workbook.create_sheet(title=title[:31])
        sheet.append([xlsx_cell(sheet, str(label)) for label in header])
        for row in rows:
            sheet.append([xlsx_cell(sheet, value) for value in row])
        sheet.freeze_panes = "A2"
        sheet.auto_filter.ref = f"A1:{get_column_letter(len(header))}{len(rows) + 1}"
        sheet.column_dimensions["A"].width = 28
        for index in range(2, len(header) + 1):
            sheet.column_dimensions[get_column_letter(index)].width = 14
    spool = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it once sent
    workbook.save(spool)
    spool.seek(0)
    return FileResponse(
        spool,
        as_attachment=True,
        filename=f"dashboard-{timezone.localdate():%Y%m%d}.xlsx",
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
