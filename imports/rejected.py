"""The rejected rows of an import as a workbook to fix and upload again: each source sheet's header
with a first column that says why, then the row as it was (its cells never taken for formulas)."""

import secrets
from collections import defaultdict

from django.utils.translation import gettext as _
from openpyxl import Workbook

from salesrecord.spreadsheet import xlsx_cell
from salesrecord.text import list_separator

from .storage import path


def write(job, rows):
    """Write the rows (imports.plan.Rejected) next to the job's file; returns the file's name."""
    by_sheet = defaultdict(list)
    for row in rows:
        by_sheet[row.sheet].append(row)
    headers = {sheet["name"]: sheet["header"] for sheet in job.sheets}
    book = Workbook(write_only=True)
    for name, sheet_rows in by_sheet.items():
        sheet = book.create_sheet(title=_sheet_title(name))
        sheet.append([_("Why it was not imported"), _("Row in the file"), *headers.get(name, [])])
        separator = list_separator()
        for row in sheet_rows:
            reason = separator.join(row.reasons)
            sheet.append([xlsx_cell(sheet, value) for value in (reason, row.row, *row.cells)])
    name = f"rejected-{secrets.token_hex(12)}.xlsx"
    book.save(path(name))
    return name


def _sheet_title(name):
    for character in "[]:*?/\\":
        name = name.replace(character, " ")
    return name[:31] or "Sheet"
