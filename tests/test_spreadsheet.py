"""Exported cells are the text itself and never a formula, in CSV and XLSX alike."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from salesrecord.spreadsheet import FORMULA_STARTS, csv_cell, looks_like_formula, xlsx_cell

FORMULA_LIKE = ["=1+1", "+1", "-1", "@SUM(A1)", "＝1+1", "＋1", "－1", "＠A1", "\t=1", "\r=1", '=HYPERLINK("x")']


def written(values, write_only):
    """The cells of one row, as openpyxl reads them back from a saved workbook."""
    workbook = Workbook(write_only=write_only)
    sheet = workbook.create_sheet("s") if write_only else workbook.active
    sheet.append([xlsx_cell(sheet, value) for value in values])
    spool = io.BytesIO()
    workbook.save(spool)
    spool.seek(0)
    return list(next(load_workbook(spool).worksheets[0].iter_rows()))


@pytest.mark.parametrize("write_only", [True, False])
@pytest.mark.parametrize("text", FORMULA_LIKE)
def test_formula_like_text_is_a_string_cell_holding_the_text_itself(text, write_only):
    (cell,) = written([text], write_only)
    assert (cell.value, cell.data_type, cell.quotePrefix) == (in_a_cell(text), "s", True)


def in_a_cell(text):
    """The text as a cell holds it: no control characters, line breaks as line feeds."""
    return ILLEGAL_CHARACTERS_RE.sub("", text).replace("\r\n", "\n").replace("\r", "\n")


@pytest.mark.parametrize("text", FORMULA_LIKE)
def test_formula_like_text_in_csv_starts_with_an_apostrophe(text):
    assert csv_cell(text) == "'" + text


def test_plain_text_is_left_as_it_is():
    assert csv_cell("甲方客户 - 二期") == "甲方客户 - 二期"
    (cell,) = written(["甲方客户 - 二期"], True)
    assert (cell.value, cell.data_type, cell.quotePrefix) == ("甲方客户 - 二期", "s", False)


@pytest.mark.parametrize("write_only", [True, False])
def test_numbers_and_dates_stay_numbers_and_dates(write_only):
    values = [-3, Decimal("-1.5"), 2.5, datetime.date(2026, 5, 1), datetime.datetime(2026, 5, 1, 9, 30), None]
    cells = written(values, write_only)
    assert [cell.data_type for cell in cells[:5]] == ["n", "n", "n", "d", "d"]
    assert [cell.value for cell in cells[:3]] == [-3, -1.5, 2.5]
    assert cells[3].value.date() == datetime.date(2026, 5, 1)
    assert [csv_cell(value) for value in values[:4]] == values[:4]
    assert csv_cell(None) == ""


# Text as people type it, with the characters that matter here made likely.
texts = st.text(alphabet=st.one_of(st.sampled_from([*FORMULA_STARTS, "\n", "\x00", "'", '"', ","]), st.characters()))


@given(text=texts)
def test_any_text_round_trips_through_xlsx_as_a_string_never_a_formula(text):
    (cell,) = written([text], write_only=True)
    expected = in_a_cell(text)
    assert cell.data_type == "s" or (cell.value is None and expected == "")
    assert (cell.value or "") == expected
    assert cell.quotePrefix == ILLEGAL_CHARACTERS_RE.sub("", text).startswith(FORMULA_STARTS)


@given(text=texts)
def test_any_text_in_csv_never_starts_like_a_formula(text):
    out = io.StringIO()
    csv.writer(out).writerow([csv_cell(text)])
    (cell,) = next(csv.reader(io.StringIO(out.getvalue())))
    assert not looks_like_formula(cell)
    cleaned = ILLEGAL_CHARACTERS_RE.sub("", text)
    assert cell == ("'" + cleaned if cleaned.startswith(FORMULA_STARTS) else cleaned)
