"""The dashboard's export: the same filters, one sheet per table, numbers as numbers."""

import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from customers.models import Project

from .conftest import Q2, at, record


def workbook(response):
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return load_workbook(io.BytesIO(b"".join(response.streaming_content)))


def rows(sheet):
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def test_the_export_holds_every_table_with_its_numbers(client_for, lead, rep, book, at_now):
    book_file = workbook(client_for(lead).get("/dashboard/export/", Q2))
    assert book_file.sheetnames == [
        "销售管道", "阶段转化", "各阶段天数", "按月签约", "停滞与逾期", "线索评级", "每周关键点",
        "丢单原因", "完整度", "记录及时性", "障碍",
    ]  # fmt: skip
    pipeline = book_file["销售管道"]
    assert pipeline.freeze_panes == "A2" and pipeline.auto_filter.ref == "A1:E9"
    table = rows(pipeline)
    assert table[0] == ["阶段", "商机数", "金额（元）", "赢单概率（%）", "加权金额（元）"]
    assert table[3] == ["3. 方案呈现", 1, 1000000, 40, 400000]
    assert table[8] == ["合计", 4, 2600000, None, 1820000]
    assert [row[1] for row in rows(book_file["阶段转化"])[1:]] == [6, 3, 3, 2, 1, 1, 0]
    assert rows(book_file["各阶段天数"])[1] == ["1. 线索获取", 5, 4.8, 4]
    assert rows(book_file["按月签约"])[2][1:] == [2, 1400000]
    assert rows(book_file["障碍"])[1:] == [["价格太高", 3], ["预算未批", 2], ["竞争对手", 1]]
    completeness = {row[0]: row[1:] for row in rows(book_file["完整度"])[1:]}
    assert completeness[str(rep)] == [5, 2, 60]
    timeliness = {row[0]: row[1:] for row in rows(book_file["记录及时性"])[1:]}
    assert timeliness[str(rep)][0] == 5 and sum(timeliness[str(rep)][1:2]) <= 5
    weeks = rows(book_file["每周关键点"])
    assert weeks[0][0] == "记录人" and weeks[0][1] == "3月30日" and weeks[0][-1] == "合计"


def test_the_export_follows_the_filters_and_the_scope(client_for, rep, other_rep, book, at_now):
    book_file = workbook(client_for(rep).get("/dashboard/export/", {**Q2, "tier": "key"}))
    assert rows(book_file["销售管道"])[-1][:2] == ["合计", 1]
    text = str([rows(sheet) for sheet in book_file])
    assert str(other_rep) not in text and "竞争对手" not in text


def test_a_cell_that_starts_like_a_formula_is_written_as_text(client_for, lead, book, at_now):
    record(book["p1"], at(6, 2), obstacles="=HYPERLINK(1)")
    sheet = workbook(client_for(lead).get("/dashboard/export/", Q2))["障碍"]
    cell = next(row[0] for row in sheet.iter_rows() if row[0].value == "=HYPERLINK(1)")
    assert (cell.data_type, cell.quotePrefix, cell.row > 1) == ("s", True, True)


@pytest.mark.parametrize("params", [{"period": "x"}, {"period": "custom"}, {"owner": "x"}])
def test_an_export_with_invalid_filters_answers_400(client_for, lead, params):
    response = client_for(lead).get("/dashboard/export/", params)
    assert response.status_code == 400 and 'data-testid="filter-errors"' in response.content.decode()


def test_the_money_is_exact(client_for, lead, book, at_now):
    Project.objects.filter(pk=book["p1"].pk).update(budget_max=Decimal("1234567.89"))
    table = rows(workbook(client_for(lead).get("/dashboard/export/", Q2))["销售管道"])
    assert table[3][2] == pytest.approx(1234567.89) and table[3][4] == pytest.approx(493827.16)
