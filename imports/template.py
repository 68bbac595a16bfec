"""The import template: the guide's two sheets (客户基础信息, 关键点记录明细) with the headers the import
reads, in the page's language, and two example rows from the guide's own examples."""

import datetime
import io
import re
from urllib.parse import quote

from django.utils import translation
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from .columns import CUSTOMER_COLUMNS, KEYPOINT_COLUMNS

CUSTOMER_KEYS = (
    "legal_name", "credit_code", "industry", "employee_count", "tier", "owner", "contact_name", "contact_title",
    "contact_phone", "contact_role", "project_name", "source", "pain_points", "budget", "expected_close_date",
)  # fmt: skip
KEYPOINT_KEYS = (
    "occurred_at", "customer", "project", "stage", "method", "customer_participants", "summary", "customer_feedback",
    "obstacles", "our_response", "next_step", "next_step_due", "lead_rating", "need_keywords", "explicit_pains",
    "implicit_needs", "decision_process", "author",
)  # fmt: skip
_CJK = re.compile(r"[\u4e00-\u9fff]")


def _header(columns, keys):
    by_key = {column.key: column for column in columns}
    chinese = translation.get_language().startswith("zh")
    header = []
    for key in keys:
        column = by_key[key]
        guide_word = next((word for word in column.synonyms if _CJK.search(word)), None)
        header.append(guide_word if chinese and guide_word else capfirst(str(column.label)))
    return header


def _customer_rows(owner):
    return [
        ["上海华信科技有限公司", "", "制造业", 800, "重点", owner, "王总", "采购部经理", "13800138000", "决策者",
         "企业生产管理系统升级", "展会对接", "现有系统效率低,需提升30%产能", "50-80万", datetime.date(2024, 6, 30)],
        ["上海华信科技有限公司", "", "制造业", 800, "重点", owner, "李工", "技术主管", "13900139000", "影响者",
         "企业生产管理系统升级", "展会对接", "", "", None],
    ]  # fmt: skip


def _keypoint_rows(owner):
    customer, project = "上海华信科技有限公司", "企业生产管理系统升级"
    return [
        [datetime.datetime(2024, 3, 15, 10, 0), customer, project, "线索获取", "电话", "王总",
         "销售代表与客户采购部经理电话沟通,客户确认预算60万左右", "需求为“替换老旧ERP系统,需兼容现有财务模块”",
         "客户正在对比3家供应商", "安排技术顾问现场调研", "现场调研", datetime.date(2024, 3, 20), "A",
         "高兼容性、快速部署", "", "", "", owner],
        [datetime.datetime(2024, 3, 20, 14, 0), customer, project, "需求挖掘", "拜访", "李工",
         "与客户技术主管李工现场调研", "旧系统接口开放性差,供应链数据延迟2天", "决策链较长", "整理调研报告",
         "提交方案初稿", datetime.date(2024, 4, 5), "", "", "旧系统接口开放性差,导致供应链数据延迟2天",
         "希望供应商提供3个月免费运维支持", "技术部评估(李工)→财务部审核(王总)→总经理终审(张总)", owner],
    ]  # fmt: skip


def workbook(owner_login):
    book = Workbook()
    book.remove(book.active)
    bold = Font(bold=True)
    for title, columns, keys, rows in (
        ("客户基础信息", CUSTOMER_COLUMNS, CUSTOMER_KEYS, _customer_rows(owner_login)),
        ("关键点记录明细", KEYPOINT_COLUMNS, KEYPOINT_KEYS, _keypoint_rows(owner_login)),
    ):
        sheet = book.create_sheet(title)
        sheet.append(_header(columns, keys))
        for cell in sheet[1]:
            cell.font = bold
        for row in rows:
            sheet.append(row)
        sheet.freeze_panes = "A2"
        for index, _key in enumerate(keys, start=1):
            sheet.column_dimensions[sheet.cell(row=1, column=index).column_letter].width = 18
        for cell in sheet["A"][1:]:
            if isinstance(cell.value, datetime.datetime):
                cell.number_format = "yyyy-mm-dd hh:mm"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def filename_quoted():
    return quote(_("import template") + ".xlsx")
