"""Cells read in the spellings teams type: dates, amounts, budgets and choices in either language."""

import datetime
from decimal import Decimal

import pytest
from django.utils import translation

from customers.models import Industry, Source
from imports import values


@pytest.mark.parametrize(
    "cell",
    [
        "2024-03-15",
        "2024/3/15",
        "2024.3.15",
        "2024年3月15日",
        "2024 年 3 月 15 日",
        "20240315",
        "2024-3-15",
        datetime.date(2024, 3, 15),
        datetime.datetime(2024, 3, 15, 9, 30),
        45366,  # Excel's day number
        45366.0,
    ],
)
def test_dates_in_every_usual_spelling(cell):
    assert values.date(cell) == datetime.date(2024, 3, 15)


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("2024-03-15 14:30", (14, 30)),
        ("2024/3/15 14:30:05", (14, 30)),
        ("2024年3月15日 14时30分", (14, 30)),
        ("2024-03-15T08:05", (8, 5)),
        ("2024-03-15", (0, 0)),
    ],
)
def test_moments_carry_their_time_in_the_site_time_zone(cell, expected):
    moment = values.moment(cell)
    assert moment.tzinfo is not None
    local = moment.astimezone(datetime.timezone(datetime.timedelta(hours=8)))
    assert (local.date(), (local.hour, local.minute)) == (datetime.date(2024, 3, 15), expected)


@pytest.mark.parametrize("cell", ["15/03/2024", "2024-13-01", "2024-02-30", "明天", "12", "3月15日"])
def test_what_is_not_a_date_says_how_to_write_one(cell):
    with pytest.raises(ValueError, match=r"2024|exist|存在"):
        values.date(cell)


def test_an_empty_cell_is_none_for_every_reader():
    for reader in (values.date, values.moment, values.amount, values.whole_number, values.text):
        assert reader(None) is None
        assert reader("") is None
    assert values.amount_range(None) == (None, None)


@pytest.mark.parametrize(
    ("cell", "yuan"),
    [
        ("600000", "600000"),
        ("600,000.00", "600000"),
        ("¥600,000", "600000"),
        ("￥600000元", "600000"),
        ("60万", "600000"),
        ("60万元", "600000"),
        ("62.5万", "625000"),
        ("0.6亿", "60000000"),
        ("600k", "600000"),
        (600000, "600000"),
        (62.5, "62.5"),
        ("60 万", "600000"),
    ],
)
def test_amounts_in_yuan_or_wan(cell, yuan):
    assert values.amount(cell) == Decimal(yuan)


@pytest.mark.parametrize("cell", ["六十万", "60美元", "-5", "1-2", "abc", True])
def test_what_is_not_an_amount_is_refused(cell):
    with pytest.raises(ValueError):
        values.amount(cell)


@pytest.mark.parametrize(
    ("cell", "low", "high"),
    [
        ("50-80万", "500000", "800000"),
        ("50万-80万", "500000", "800000"),
        ("50~80万", "500000", "800000"),
        ("50至80万元", "500000", "800000"),
        ("500000-800000", "500000", "800000"),
        ("60万", "600000", "600000"),
        (600000, "600000", "600000"),
    ],
)
def test_budgets_as_a_range_or_one_amount(cell, low, high):
    assert values.amount_range(cell) == (Decimal(low), Decimal(high))


def test_a_budget_upside_down_is_refused():
    with pytest.raises(ValueError):
        values.amount_range("80-50万")


def test_text_takes_off_the_apostrophe_our_export_puts_before_formula_like_text():
    assert values.text("'=SUM(A1)") == "=SUM(A1)"
    assert values.text("'-20%") == "-20%"
    assert values.text("'quoted") == "'quoted"
    assert values.text(12.0) == "12"
    assert values.text("  x ") == "x"


@pytest.mark.parametrize("cell", ["制造业", "Manufacturing", "manufacturing", " MANUFACTURING ", "制造"])
def test_choices_by_value_or_label_in_either_language_or_synonym(cell):
    industry = values.Choices(Industry.choices, synonyms={Industry.MANUFACTURING: ["制造"]})
    assert industry(cell) == Industry.MANUFACTURING


def test_an_unknown_choice_names_the_choices_in_the_page_language():
    source = values.Choices(Source.choices)
    with translation.override("en"), pytest.raises(ValueError, match="Trade show"):
        source("路边")
    with translation.override("zh-hans"), pytest.raises(ValueError, match="展会"):
        source("路边")


def test_whole_numbers():
    assert values.whole_number("1,200") == 1200
    assert values.whole_number(35.0) == 35
    with pytest.raises(ValueError):
        values.whole_number("3.5")


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("15 Mar 2024", (2024, 3, 15, 0, 0)),
        ("15 Mar 2024 14:30", (2024, 3, 15, 14, 30)),
        ("5 March 2024", (2024, 3, 5, 0, 0)),
    ],
)
def test_our_english_exports_dates(cell, expected):
    moment = values.moment(cell)
    local = moment.astimezone(datetime.timezone(datetime.timedelta(hours=8)))
    assert (local.year, local.month, local.day, local.hour, local.minute) == expected


def test_yes_no_in_either_language():
    assert [values.yes_no(cell) for cell in ("是", "否", "Yes", "no", True, None)] == [
        True,
        False,
        True,
        False,
        True,
        None,
    ]
    with pytest.raises(ValueError):
        values.yes_no("也许")


def test_lists_of_names_in_either_languages_separator():
    assert values.names("张三、李四") == ["张三", "李四"]
    assert values.names("Zhang San, Li Si") == ["Zhang San", "Li Si"]
    assert values.names("王总;李工 / 赵六") == ["王总", "李工", "赵六"]
    assert values.names(None) == []
