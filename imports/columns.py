"""What each column of a team's spreadsheet holds: the fields an import fills, and the headers that name
them — the guide's own words (客户基础信息, 关键点记录明细), our ledger export's headers in both languages,
and the variants teams write.

Two kinds of sheet:

- **customers** (客户基础信息): one row per customer, optionally with a contact and a project on it, as the
  guide's customer sheet holds them;
- **key points** (关键点记录明细): one row per key point, naming its customer and project.

A header is compared without spaces, punctuation or case, and without a parenthesised remark
("客户全称(与营业执照一致)" is "客户全称").
"""

import re
from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from customers.models import Customer, Project
from keypoints.models import KeyPoint
from keypoints.stages import COMMON_FIELDS, all_stage_fields

from .values import labels_in_both_languages


class SheetKind(models.TextChoices):
    CUSTOMERS = "customers", _("Customers (客户基础信息)")
    KEYPOINTS = "keypoints", _("Key points (关键点记录明细)")
    SKIP = "skip", _("Do not import this sheet")


@dataclass(frozen=True)
class Column:
    key: str
    label: object
    synonyms: tuple = ()
    required: bool = False


def _field_label(model, name):
    return model._meta.get_field(name).verbose_name


CUSTOMER_COLUMNS = (
    Column(
        "legal_name",
        _field_label(Customer, "legal_name"),
        ("客户全称", "客户名称", "客户", "公司名称", "企业名称", "单位名称", "customer", "company"),
        required=True,
    ),
    Column(
        "credit_code", _field_label(Customer, "credit_code"), ("统一社会信用代码", "信用代码", "credit code", "uscc")
    ),
    Column("industry", _field_label(Customer, "industry"), ("所属行业", "行业", "行业类别")),
    Column(
        "employee_count", _field_label(Customer, "employee_count"), ("企业规模", "员工数", "员工人数", "人数", "规模")
    ),
    Column("tier", _field_label(Customer, "tier"), ("客户等级", "客户级别", "客户分级", "等级", "tier")),
    Column(
        "owner",
        _("Sales owner"),
        ("销售负责人", "负责人", "客户负责人", "销售", "销售代表", "销售经理", "owner", "sales owner", "account owner"),
    ),
    Column("contact_name", _("Contact"), ("联系人", "联系人姓名", "姓名", "contact", "contact name")),
    Column("contact_title", _("Contact's title"), ("职务", "联系人职务", "职位", "title", "job title")),
    Column(
        "contact_phone", _("Contact's phone"), ("联系方式", "电话", "手机", "手机号", "联系电话", "phone", "mobile")
    ),
    Column("contact_email", _("Contact's email"), ("邮箱", "电子邮箱", "email", "e-mail")),
    Column(
        "contact_role",
        _("Contact's decision-chain role"),
        ("决策链角色", "角色", "决策角色", "decision role", "role"),
    ),
    Column("project_name", _field_label(Project, "name"), ("项目名称", "项目", "商机", "商机名称", "project")),
    Column("source", _field_label(Project, "source"), ("项目来源", "来源", "线索来源", "客户来源", "source")),
    Column("pain_points", _field_label(Project, "pain_points"), ("客户当前痛点", "痛点", "当前痛点", "需求痛点")),
    Column("budget", _("Budget"), ("客户预算范围", "预算范围", "预算", "客户预算", "budget", "budget range")),
    Column(
        "expected_close_date",
        _field_label(Project, "expected_close_date"),
        ("预计成交日期", "预计成交时间", "预计签约日期", "expected close", "close date"),
    ),
    Column(
        "project_owner",
        _field_label(Project, "owner"),
        ("项目负责人", "商机负责人", "project owner"),
    ),
)

# The key-point sheet: our export's columns (keypoints/exports.py) and the guide's words.
_KEYPOINT_SYNONYMS = {
    "occurred_at": ("日期", "时间", "发生时间", "沟通时间", "拜访时间", "记录日期", "date", "when", "time"),
    "customer": ("客户", "客户全称", "客户名称", "公司名称", "customer"),
    "project": ("项目", "项目名称", "商机", "project"),
    "stage": ("阶段", "销售阶段", "所处阶段", "stage"),
    "method": ("沟通方式", "方式", "拜访方式", "method"),
    "our_participants": ("我方参与人", "我方人员", "参与人员我方", "our participants"),
    "customer_participants": ("客户参与人", "客户方参与人", "参与人员", "客户人员", "customer participants"),
    "summary": ("内容", "沟通内容", "经过", "事项", "摘要", "记录内容", "what happened", "summary"),
    "customer_feedback": ("客户反馈", "反馈", "feedback"),
    "obstacles": ("障碍", "关键障碍", "问题", "obstacles"),
    "our_response": ("我方应对", "应对", "应对策略", "our response"),
    "next_step": ("下一步", "下一步计划", "后续计划", "next step"),
    "next_step_owner": ("下一步负责人", "跟进人", "next step owner"),
    "next_step_due": ("下一步期限", "下一步截止", "截止日期", "跟进日期", "next step due"),
    "next_step_status": ("下一步状态", "next step status"),
    "lead_rating": ("线索评级", "评级", "lead rating"),
    "source_channel": ("客户来源渠道", "来源渠道", "source channel"),
    "contract_number": ("合同编号", "合同号", "contract number"),
    "signed_amount": ("签约金额", "合同金额", "signed amount"),
    "signing_date": ("签约日期", "签订日期", "signing date"),
}


# What a key point cannot be without, whatever else its sheet holds.
_KEYPOINT_REQUIRED = ("occurred_at", "stage", "summary")


def _keypoint_column(name):
    return Column(
        name, _field_label(KeyPoint, name), _KEYPOINT_SYNONYMS.get(name, ()), required=name in _KEYPOINT_REQUIRED
    )


KEYPOINT_COLUMNS = (
    _keypoint_column("occurred_at"),
    Column("customer", _("Customer"), _KEYPOINT_SYNONYMS["customer"], required=True),
    Column("project", _("Project"), _KEYPOINT_SYNONYMS["project"], required=True),
    *(_keypoint_column(name) for name in COMMON_FIELDS[1:]),
    _keypoint_column("next_step_status"),
    *(_keypoint_column(name) for name in all_stage_fields()),
    Column("author", pgettext_lazy("key point", "Author"), ("记录人", "填写人", "作者", "author", "recorded by")),
    Column("created_at", _("Logged at"), ("记录时间", "填写时间", "录入时间", "logged at")),
)

COLUMNS = {SheetKind.CUSTOMERS: CUSTOMER_COLUMNS, SheetKind.KEYPOINTS: KEYPOINT_COLUMNS}
SHEET_NAMES = {
    SheetKind.CUSTOMERS: ("客户基础信息", "客户信息", "客户", "customers", "customer"),
    SheetKind.KEYPOINTS: ("关键点记录明细", "关键点记录", "关键点", "台账", "key points", "keypoints", "ledger"),
}


def normal(header):
    """A header as compared: no remark in brackets, no spaces or punctuation, case folded."""
    header = re.sub(r"[(（][^)）]*[)）]", "", str(header or ""))
    return re.sub(r"[\s\-_:：·,，.。/、*＊]+", "", header.casefold())


def _spellings(column):
    yield column.key
    yield from labels_in_both_languages(column.label)
    yield from column.synonyms


def _index(columns):
    found = {}
    for column in columns:
        for spelling in _spellings(column):
            found.setdefault(normal(spelling), column.key)
    return found


def guess(kind, header):
    """Each column of a sheet's header mapped to a field key, or None where no field is named.
    A field named twice keeps its first column."""
    index = _index(COLUMNS[kind])
    mapping, taken = [], set()
    for cell in header:
        key = index.get(normal(cell))
        if key in taken:
            key = None
        if key:
            taken.add(key)
        mapping.append(key)
    return mapping


def guess_kind(name, header):
    """The kind of a sheet, by its name or else by how many of its headers each kind knows."""
    sheet_name = normal(name)
    for kind, names in SHEET_NAMES.items():
        if sheet_name in {normal(candidate) for candidate in names}:
            return kind
    scores = {kind: sum(1 for key in guess(kind, header) if key) for kind in COLUMNS}
    keypoint_markers = {"occurred_at", "stage", "summary", "method"}
    if len(keypoint_markers & set(guess(SheetKind.KEYPOINTS, header))) >= 2:
        return SheetKind.KEYPOINTS
    if "legal_name" in guess(SheetKind.CUSTOMERS, header) and scores[SheetKind.CUSTOMERS] >= 2:
        return SheetKind.CUSTOMERS
    return SheetKind.SKIP


def missing_required(kind, mapping):
    """The required columns a mapping lacks, as Column objects."""
    chosen = set(mapping)
    return [column for column in COLUMNS.get(kind, ()) if column.required and column.key not in chosen]
