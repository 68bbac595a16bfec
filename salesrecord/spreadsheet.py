"""Cells of the exports (CSV, XLSX) that a spreadsheet program shows as the text itself, never runs.

A cell that starts with = + - @ is taken for a formula (CSV injection, OWASP), and so, by some
spreadsheet programs and input methods, are their full-width forms ＝ ＋ － ＠; a leading tab or
carriage return can hide such a start. In CSV, text starting so gets a leading apostrophe, as OWASP
advises. In XLSX it is a string cell with Excel's quote prefix: the cell holds the text itself, shows
no apostrophe, and editing it does not turn it into a formula. Numbers and dates stay numbers and dates.
"""

import datetime
from decimal import Decimal

from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

FORMULA_STARTS = ("=", "+", "-", "@", "＝", "＋", "－", "＠", "\t", "\r")

_KEPT = int | float | Decimal | datetime.date | datetime.time


def looks_like_formula(text):
    return text.startswith(FORMULA_STARTS)


def _text(value):
    # Control characters have no place in a spreadsheet (XLSX refuses them outright).
    return ILLEGAL_CHARACTERS_RE.sub("", str(value))


def csv_cell(value):
    """A CSV cell: nothing for None, numbers and dates as they are, text that could run quoted."""
    if value is None:
        return ""
    if isinstance(value, _KEPT):
        return value
    text = _text(value)
    return "'" + text if looks_like_formula(text) else text


def xlsx_cell(sheet, value):
    """What to append to an XLSX sheet (write-only or not) for one value: numbers and dates as they
    are, text as a string cell (line breaks as line feeds), marked as text where it could be taken for
    a formula."""
    if value is None or isinstance(value, _KEPT):
        return value
    text = _text(value)
    formula_like = looks_like_formula(text)
    # A line break in a cell is a line feed (XML would read a carriage return back as one anyway).
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not formula_like:
        return text
    cell = WriteOnlyCell(sheet, value=text)
    # openpyxl takes a value starting with "=" for a formula; this one is text.
    cell.data_type = "s"
    cell.quotePrefix = True
    return cell
