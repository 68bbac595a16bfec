"""The XLSX worksheet written row by row (SheetWriter): what openpyxl reads back, cell by cell, is what was
written (dates as dates, numbers as numbers, text as text that never runs), with the header in view, the
filter over every row and the columns' widths; every part of the file is well-formed XML."""

import datetime
import io
import zipfile
from decimal import Decimal
from xml.etree import ElementTree

import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from salesrecord.spreadsheet import FORMULA_STARTS, SheetWriter, column_letter, looks_like_formula
from tests.test_spreadsheet import FORMULA_LIKE, in_a_cell

HEADER = ["时间", "金额", "What happened"]


def workbook_bytes(rows, header=HEADER, widths=None, title="关键点", date_format="yyyy-mm-dd"):
    spool = io.BytesIO()
    widths = widths or [14] * len(header)
    with SheetWriter(spool, title, widths, date_format=date_format, datetime_format=f"{date_format} hh:mm") as sheet:
        sheet.write_row(header)
        for row in rows:
            sheet.write_row(row)
    return spool.getvalue()


def read_back(rows, **options):
    return load_workbook(io.BytesIO(workbook_bytes(rows, **options))).active


def cell_of(value):
    """The one cell openpyxl reads back for a value written in the first column of the first row."""
    return read_back([[value]], header=["h"]).cell(row=2, column=1)


def in_the_sheet(text):
    """The text as the sheet holds it: xlsx_cell's, and no character XML cannot hold."""
    kept = in_a_cell(text)
    return "".join(char for char in kept if char not in "\ufffe\uffff" and not 0xD800 <= ord(char) <= 0xDFFF)


def test_column_letters_run_from_a_to_z_then_aa():
    assert [column_letter(index) for index in (1, 26, 27, 52, 53, 702, 703)] == [
        "A",
        "Z",
        "AA",
        "AZ",
        "BA",
        "ZZ",
        "AAA",
    ]


def test_dates_are_date_cells_in_the_given_format():
    sheet = read_back(
        [[datetime.date(2026, 4, 30), datetime.datetime(2026, 4, 29, 14, 5), datetime.datetime(2026, 4, 29, 9, 0, 7)]],
        date_format="d mmm yyyy",
    )
    day, when, seconds = sheet[2]
    assert (day.value, day.data_type, day.number_format) == (datetime.datetime(2026, 4, 30), "d", "d mmm yyyy")
    assert (when.value, when.data_type, when.number_format) == (
        datetime.datetime(2026, 4, 29, 14, 5),
        "d",
        "d mmm yyyy hh:mm",
    )
    assert seconds.value == datetime.datetime(2026, 4, 29, 9, 0, 7)


def test_dates_before_march_1900_keep_excels_own_count():
    assert cell_of(datetime.date(1900, 1, 5)).value == datetime.datetime(1900, 1, 5)
    assert cell_of(datetime.date(1900, 3, 1)).value == datetime.datetime(1900, 3, 1)


class Moment(datetime.datetime):
    pass


@pytest.mark.parametrize("kind", [datetime.datetime, Moment])
def test_a_date_and_time_with_a_time_zone_is_refused(kind):
    with pytest.raises(TypeError):
        workbook_bytes([[kind(2026, 4, 29, 14, 5, tzinfo=datetime.UTC)]], header=["h"])
    assert cell_of(kind(2026, 4, 29, 14, 5)).value == datetime.datetime(2026, 4, 29, 14, 5)


@pytest.mark.parametrize(
    ("value", "expected"),
    [(-3, -3), (0, 0), (12345678901, 12345678901), (Decimal("-1.5"), -1.5), (Decimal("12.0"), 12), (2.5, 2.5)],
)
def test_numbers_are_number_cells(value, expected):
    cell = cell_of(value)
    assert (cell.value, cell.data_type, cell.number_format) == (expected, "n", "General")


def test_a_yes_or_no_is_a_boolean_cell():
    assert (cell_of(True).value, cell_of(False).value, cell_of(True).data_type) == (True, False, "b")


@pytest.mark.parametrize(
    "text",
    [
        "甲方客户 - 二期",
        "张三、李四(采购经理)",
        "A & B <C> \"quoted\" 'single'",
        "两行\n文字",
        "  leading and trailing spaces  ",
        "\n",
        "x" * 5000,
        "emoji 😀 and 𠀀",
    ],
)
def test_text_is_a_string_cell_holding_the_text_itself(text):
    cell = cell_of(text)
    assert (cell.value, cell.data_type, cell.quotePrefix) == (text, "s", False)


@pytest.mark.parametrize("text", FORMULA_LIKE)
def test_formula_like_text_is_a_string_cell_with_the_quote_prefix(text):
    cell = cell_of(text)
    assert (cell.value, cell.data_type, cell.quotePrefix) == (in_a_cell(text), "s", True)


@pytest.mark.parametrize(
    ("text", "held", "quoted"),
    [
        ("a\x00b\x08c\x0bd\x1fe", "abcde", False),
        ("\x00=1", "=1", True),
        ("行一\r\n行二\r行三", "行一\n行二\n行三", False),
        ("\r=1", "\n=1", True),
        ("tab\tkept", "tab\tkept", False),
        ("no\ufffe\uffffcharacters", "nocharacters", False),
    ],
)
def test_control_characters_are_left_out_and_line_breaks_are_line_feeds(text, held, quoted):
    cell = cell_of(text)
    assert (cell.value, cell.data_type, cell.quotePrefix) == (held, "s", quoted)


@pytest.mark.parametrize("value", [None, "", "\x00\x01", "\x1f"])
def test_nothing_to_show_is_no_cell(value):
    sheet = read_back([[value, "after"]], header=["a", "b"])
    assert sheet["A2"].value is None and sheet["B2"].value == "after"


def test_cells_stay_in_their_columns_across_gaps():
    row = [None] * 30
    row[0], row[27], row[29] = "first", 7, datetime.date(2026, 1, 2)
    header = [f"h{index}" for index in range(30)]
    sheet = read_back([row, ["only"]], header=header)
    assert [cell.value for cell in sheet[2]] == ["first", *[None] * 26, 7, None, datetime.datetime(2026, 1, 2)]
    assert [cell.value for cell in sheet[3]][:2] == ["only", None]
    assert sheet["AB1"].value == "h27"


class Label:
    def __init__(self, text):
        self.text = text

    def __str__(self):
        return self.text


def test_any_other_value_is_written_as_its_text():
    cell = cell_of(Label("=标签"))
    assert (cell.value, cell.data_type, cell.quotePrefix) == ("=标签", "s", True)
    sheet = read_back([[Label(""), Label("\x00"), "after"]])
    assert [cell.value for cell in sheet[2]] == [None, None, "after"]


def test_the_header_stays_in_view_and_the_filter_covers_every_row():
    sheet = read_back([["a", 1, "x"], ["b", 2, "y"], ["c", 3, "z"]], widths=[17, 14, 40])
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:C4"
    assert [sheet.column_dimensions[letter].width for letter in "ABC"] == [17, 14, 40]
    assert [cell.value for cell in sheet[1]] == HEADER
    assert (sheet.max_row, sheet.max_column) == (4, 3)


def test_a_sheet_with_no_rows_filters_its_header_alone():
    sheet = read_back([])
    assert sheet.auto_filter.ref == "A1:C1" and sheet.max_row == 1


def test_the_sheet_is_named_by_its_title_cut_to_what_excel_allows():
    assert read_back([], title="Key points & 'others'").title == "Key points & 'others'"
    assert read_back([], title="关" * 40).title == "关" * 31


def test_read_only_reading_sees_the_same_rows():
    content = workbook_bytes([["a", 1, datetime.date(2026, 5, 1)], [None, None, "c"]])
    rows = list(load_workbook(io.BytesIO(content), read_only=True).active.iter_rows(values_only=True))
    assert rows == [tuple(HEADER), ("a", 1, datetime.datetime(2026, 5, 1)), (None, None, "c")]


def test_every_part_is_well_formed_xml_and_named_in_the_content_types():
    content = workbook_bytes([["A & B", 1, "<tag>"], ["\x00=1", Decimal("2.5"), datetime.datetime(2026, 1, 1, 8)]])
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        assert archive.testzip() is None
        names = archive.namelist()
        trees = {name: ElementTree.fromstring(archive.read(name)) for name in names}
    assert {
        "[Content_Types].xml",
        "_rels/.rels",
        "xl/workbook.xml",
        "xl/styles.xml",
        "xl/worksheets/sheet1.xml",
    } <= set(names)
    overrides = {element.get("PartName") for element in trees["[Content_Types].xml"]}
    assert {f"/{name}" for name in names if not name.endswith(".rels") and name != "[Content_Types].xml"} <= overrides


def test_a_failure_midway_leaves_no_half_written_sheet_behind():
    spool = io.BytesIO()
    with pytest.raises(RuntimeError), SheetWriter(spool, "t", [10], date_format="d", datetime_format="d h") as sheet:
        sheet.write_row(["h"])
        raise RuntimeError
    # What was written is not a workbook anyone could take for a whole one.
    with zipfile.ZipFile(io.BytesIO(spool.getvalue())) as archive:
        assert "xl/workbook.xml" not in archive.namelist()


# Text as people type it, with the characters that matter here made likely.
texts = st.text(
    alphabet=st.one_of(
        st.sampled_from([*FORMULA_STARTS, "\n", "\r", "\x00", "\x1f", "'", '"', ",", "&", "<", ">", " ", "\ufffe"]),
        st.characters(),
    )
)


@given(text=texts)
def test_any_text_round_trips_as_a_string_never_a_formula(text):
    cell = cell_of(text)
    expected = in_the_sheet(text)
    assert cell.data_type == "s" or (cell.value is None and expected == "")
    assert (cell.value or "") == expected
    # Whether it could run is judged on the text without its control characters, before its line breaks.
    kept = "".join(char for char in ILLEGAL_CHARACTERS_RE.sub("", text) if in_the_sheet(char))
    assert cell.quotePrefix == looks_like_formula(kept)
