"""Headers matched to fields: the guide's words, our export's headers in both languages, variants."""

import pytest
from django.utils import translation

from imports.columns import COLUMNS, SheetKind, guess, guess_kind, missing_required, normal
from keypoints import exports

# The guide's customer sheet (客户基础信息), as a team would head its columns.
GUIDE_CUSTOMER_HEADER = [
    "客户全称(与营业执照一致)",
    "所属行业",
    "企业规模(员工数)",
    "联系人",
    "职务",
    "联系方式",
    "决策链角色",
    "项目名称",
    "项目来源",
    "客户当前痛点",
    "客户预算范围",
    "销售负责人",
    "支持角色",
]


def test_the_guides_customer_sheet_headers_are_each_matched():
    mapping = guess(SheetKind.CUSTOMERS, GUIDE_CUSTOMER_HEADER)
    assert mapping == [
        "legal_name",
        "industry",
        "employee_count",
        "contact_name",
        "contact_title",
        "contact_phone",
        "contact_role",
        "project_name",
        "source",
        "pain_points",
        "budget",
        "owner",
        None,  # support roles: not imported, shown as such
    ]


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_every_column_of_our_own_export_is_matched_or_known_to_be_computed(language):
    with translation.override(language):
        header = exports.header()
    mapping = guess(SheetKind.KEYPOINTS, header)
    unmatched = [cell for cell, key in zip(header, mapping, strict=True) if key is None]
    computed = {"completeness", "missing_elements", "recording_delay"}
    assert len(unmatched) == len(computed), unmatched
    matched = [key for key in mapping if key]
    assert len(matched) == len(set(matched))
    for required in ("occurred_at", "customer", "project", "stage", "summary", "author", "next_step_due", "created_at"):
        assert required in matched


@pytest.mark.parametrize(
    ("header", "key"),
    [
        ("客户名称", "legal_name"),
        ("Customer", "legal_name"),
        ("  legal name ", "legal_name"),
        ("统一社会信用代码", "credit_code"),
        ("手机号", "contact_phone"),
        ("预算(万元)", "budget"),
        ("Budget range", "budget"),
        ("客户等级*", "tier"),
    ],
)
def test_header_variants(header, key):
    assert guess(SheetKind.CUSTOMERS, [header]) == [key]


def test_a_field_named_twice_keeps_its_first_column():
    assert guess(SheetKind.CUSTOMERS, ["客户全称", "客户名称"]) == ["legal_name", None]


@pytest.mark.parametrize(
    ("name", "header", "kind"),
    [
        ("客户基础信息", ["whatever"], SheetKind.CUSTOMERS),
        ("关键点记录明细", ["whatever"], SheetKind.KEYPOINTS),
        ("Sheet1", ["日期", "客户", "项目", "阶段", "沟通内容"], SheetKind.KEYPOINTS),
        ("Sheet1", GUIDE_CUSTOMER_HEADER, SheetKind.CUSTOMERS),
        ("Sheet2", ["备注", "其他"], SheetKind.SKIP),
    ],
)
def test_a_sheet_kind_by_its_name_or_its_headers(name, header, kind):
    assert guess_kind(name, header) == kind


def test_missing_required_columns_are_named():
    assert [column.key for column in missing_required(SheetKind.CUSTOMERS, ["industry"])] == ["legal_name"]
    keypoints = missing_required(SheetKind.KEYPOINTS, ["customer", "project", "stage"])
    assert {column.key for column in keypoints} == {"occurred_at", "summary"}


def test_no_two_fields_of_a_kind_share_a_spelling():
    from imports.columns import _spellings

    for columns in COLUMNS.values():
        seen = {}
        for column in columns:
            for spelling in {normal(spelling) for spelling in _spellings(column)}:
                assert seen.setdefault(spelling, column.key) == column.key, (spelling, column.key, seen[spelling])
