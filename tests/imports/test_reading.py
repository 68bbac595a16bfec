"""Reading an uploaded file: XLSX and CSV in the encodings Chinese teams use, and every hostile file
refused with its reason before anything is trusted."""

import datetime

import pytest

from imports.reading import ImportFileError, read

from .files import csv_bytes, sheet_xml, with_part, workbook

HEADER = ["客户全称", "所属行业", "项目名称"]
ROW = ["上海华信科技有限公司", "制造业", "企业生产管理系统升级"]


def refused(data, filename, code):
    with pytest.raises(ImportFileError) as caught:
        read(data, filename)
    assert caught.value.code == code
    assert caught.value.message
    return caught.value.message


def test_a_workbook_gives_each_sheet_with_its_header_and_numbered_rows():
    data = workbook(
        {
            "客户基础信息": [HEADER, ROW, [None, None, None], ["北京远航电子有限公司", "金融业", "ERP"]],
            "关键点记录明细": [["日期", "阶段"], [datetime.datetime(2024, 3, 15, 10, 0), 1]],
        }
    )
    customers, keypoints = read(data, "台账.xlsx")
    assert customers.name == "客户基础信息"
    assert customers.header == HEADER
    assert customers.header_row == 1
    # Empty rows are skipped; row numbers are the file's own.
    assert customers.rows == [(2, ROW), (4, ["北京远航电子有限公司", "金融业", "ERP"])]
    assert keypoints.rows == [(2, [datetime.datetime(2024, 3, 15, 10, 0), 1])]


def test_a_header_may_sit_below_title_rows_and_cells_are_trimmed():
    data = workbook({"Sheet": [[None], ["  客户全称 ", "所属行业"], ["  华信  ", "制造业"]]})
    (sheet,) = read(data, "x.xlsx")
    assert sheet.header == ["客户全称", "所属行业"]
    assert sheet.header_row == 2
    assert sheet.rows == [(3, ["华信", "制造业"])]


@pytest.mark.parametrize(
    ("encoding", "prefix"),
    [("utf-8", b""), ("utf-8", b"\xef\xbb\xbf"), ("gb18030", b"")],
    ids=["utf-8", "utf-8 with BOM", "gb18030"],
)
def test_csv_in_utf8_with_or_without_bom_and_in_gb18030(encoding, prefix):
    data = prefix + csv_bytes([HEADER, ROW], encoding=encoding)
    (sheet,) = read(data, "客户.csv")
    assert sheet.header == HEADER
    assert sheet.rows == [(2, ROW)]


@pytest.mark.parametrize("delimiter", [",", "\t", ";"])
def test_csv_delimiter_is_found(delimiter):
    (sheet,) = read(csv_bytes([HEADER, ROW], delimiter=delimiter), "x.csv")
    assert sheet.rows == [(2, ROW)]


def test_csv_in_another_encoding_is_refused():
    data = "客户全称,行业\n华信,制造\n".encode("utf-16")
    refused(data, "x.csv", "encoding")


def test_an_empty_file_is_refused():
    refused(b"  \n", "x.csv", "empty")


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(settings):
    settings.IMPORT_MAX_BYTES = 1024
    message = refused(csv_bytes([HEADER] + [ROW] * 100), "x.csv", "too_large")
    assert "MB" in message


def test_a_formula_in_a_workbook_is_refused_naming_its_cell():
    data = workbook({"客户基础信息": [HEADER, ["华信", "制造业", '=HYPERLINK("http://x","y")']]})
    message = refused(data, "x.xlsx", "formula")
    assert "C2" in message
    assert "客户基础信息" in message


def test_text_that_only_looks_like_a_formula_in_a_workbook_is_text():
    # A string cell starting with "=" is not a formula cell: it stays text, never evaluated.
    book = workbook({"S": [["备注"], ["x"]]})
    import io

    from openpyxl import load_workbook

    loaded = load_workbook(io.BytesIO(book))
    cell = loaded["S"]["A2"]
    cell.value = "=1+1"
    cell.data_type = "s"
    out = io.BytesIO()
    loaded.save(out)
    (sheet,) = read(out.getvalue(), "x.xlsx")
    assert sheet.rows == [(2, ["=1+1"])]


def test_a_formula_in_a_csv_is_refused():
    message = refused(csv_bytes([HEADER, ["华信", "=1+2", "x"]]), "x.csv", "formula")
    assert "B2" in message


def test_a_macro_enabled_workbook_is_refused_by_name_and_by_content():
    data = workbook({"S": [HEADER, ROW]})
    refused(data, "台账.xlsm", "macro")
    refused(with_part(data, "xl/vbaProject.bin", b"\x00" * 64), "台账.xlsx", "macro")


def test_an_old_xls_or_encrypted_workbook_is_refused():
    refused(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "旧.xls", "old_format")


@pytest.mark.parametrize(
    "damage",
    [
        lambda data: data[: len(data) // 2],  # cut short
        lambda data: b"PK\x03\x04" + b"\x00" * 200,  # a zip header and nothing
        lambda data: with_part(data, "xl/worksheets/sheet1.xml", b"<not xml"),
        lambda data: with_part(data, "[Content_Types].xml", b"<Types/>"),
    ],
    ids=["truncated", "no archive", "broken sheet xml", "no content types"],
)
def test_a_corrupt_workbook_is_refused(damage):
    refused(damage(workbook({"S": [HEADER, ROW]})), "x.xlsx", "corrupt")


def test_a_zip_bomb_is_refused_by_what_it_unpacks_to(settings):
    settings.IMPORT_MAX_UNPACKED_BYTES = 2 * 1024 * 1024
    bomb = with_part(workbook({"S": [HEADER, ROW]}), "xl/media/padding.bin", b"\x00" * (8 * 1024 * 1024))
    assert len(bomb) < 100 * 1024  # small on the wire
    refused(bomb, "x.xlsx", "unpacked_too_large")


def test_a_sheet_of_a_million_empty_rows_is_refused():
    rows = "".join(f'<row r="{number}"/>' for number in range(2, 1_000_002))
    data = workbook({"S": [HEADER, ROW]})
    first = '<row r="1"><c r="A1" t="inlineStr"><is><t>x</t></is></c></row>'
    data = with_part(data, "xl/worksheets/sheet1.xml", sheet_xml(first + rows))
    message = refused(data, "x.xlsx", "too_many_rows")
    assert "100,000" in message


def test_rows_past_the_limit_are_refused_in_csv_too(settings):
    settings.IMPORT_MAX_ROWS = 3
    read(csv_bytes([HEADER] + [ROW] * 3), "x.csv")
    refused(csv_bytes([HEADER] + [ROW] * 4), "x.csv", "too_many_rows")


def test_entities_are_not_expanded():
    evil = (
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
        '<row r="1"><c r="A1" t="inlineStr"><is><t>&lol2;</t></is></c></row></sheetData></worksheet>'
    )
    data = with_part(workbook({"S": [HEADER]}), "xl/worksheets/sheet1.xml", evil)
    refused(data, "x.xlsx", "corrupt")
