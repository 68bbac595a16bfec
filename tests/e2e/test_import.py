"""The spreadsheet import in a real browser, at a phone's width and a desktop's: a lead uploads the
team's workbook, corrects a column the import did not recognise, looks at the check, imports, and
finds the new customers in the list."""

import io

import pytest
from openpyxl import Workbook
from playwright.sync_api import expect

from customers.models import Customer
from imports.models import ImportJob, ImportStatus
from keypoints.models import KeyPoint

from .conftest import PHONE
from .test_archive import assert_fits, watch_console

pytestmark = pytest.mark.e2e

NEW = ["宁波海天智能装备有限公司", "厦门鹭岛医疗科技有限公司"]


def team_workbook():
    book = Workbook()
    customers = book.active
    customers.title = "客户基础信息"
    # "公司" is no header the import knows: the lead says it is the legal name.
    customers.append(
        ["公司", "所属行业", "销售负责人", "联系人", "职务", "联系方式", "项目名称", "项目来源", "客户预算范围"]
    )
    customers.append(
        [NEW[0], "制造业", "rep1", "陈总", "总经理", "13800138001", "产线数字化改造", "展会对接", "80-120万"]
    )
    customers.append(
        [NEW[1], "医疗", "rep2", "林工", "信息科主任", "13900139002", "医院物资管理系统", "转介绍", "50万"]
    )
    customers.append(["", "制造业", "rep1", "", "", "", "", "", ""])  # no name: rejected, with its reason
    keypoints = book.create_sheet("关键点记录明细")
    keypoints.append(["日期", "客户", "项目", "阶段", "沟通方式", "沟通内容", "客户反馈", "障碍", "我方应对", "下一步",
                      "下一步期限", "记录人"])  # fmt: skip
    keypoints.append(["2026年10月9日 10:00", NEW[0], "产线数字化改造", "线索获取", "电话", "首次电话沟通,确认预算",
                      "希望年内上线", "无", "约现场调研", "现场调研", "2026/10/16", "rep1"])  # fmt: skip
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.mark.parametrize("width", [375, 1280])
def test_a_lead_imports_the_teams_workbook_and_finds_the_new_customers(context, login, width):
    page = context.new_page()
    if width == 375:
        page.set_viewport_size(PHONE["viewport"])
    errors, expected = watch_console(page)
    login(page, "lead")
    page.goto("/imports/")
    page.set_input_files(
        "#id_file",
        {"name": "团队台账.xlsx", "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
         "buffer": team_workbook()},
    )  # fmt: skip
    with page.expect_navigation():
        page.get_by_role("button", name="上传并核对各列").click()
    job = ImportJob.objects.get()
    expect(page.get_by_test_id("mapping-form")).to_be_visible()
    # The column the import did not know reads "not imported" until the lead chooses its field.
    unknown = page.get_by_label("公司", exact=True)
    expect(unknown).to_have_value("")
    unknown.select_option("legal_name")
    expect(page.get_by_label("所属行业", exact=True).first).to_have_value("industry")
    if width == 375:
        assert_fits(page)
    with page.expect_navigation():
        page.get_by_role("button", name="检查文件").click()
    preview = page.get_by_test_id("import-preview")
    expect(preview).to_be_visible()
    expect(preview.get_by_test_id("import-counts")).to_contain_text("新增 2")
    expect(page.get_by_test_id("rejected")).to_contain_text("缺少客户全称")
    assert Customer.objects.filter(legal_name__in=NEW).count() == 0  # nothing written before the confirmation
    with page.expect_navigation():
        preview.get_by_role("button", name="导入").click()
    expect(page.get_by_test_id("import-result")).to_be_visible()
    assert ImportJob.objects.get(pk=job.pk).status == ImportStatus.DONE
    with page.expect_navigation():
        page.get_by_role("link", name="查看客户").click()
    # The one without key points is newest in the list; the other is found by its name.
    expect(page.get_by_role("link", name=NEW[1]).first).to_be_visible()
    page.goto("/customers/?q=宁波")
    expect(page.get_by_role("link", name=NEW[0]).first).to_be_visible()
    assert KeyPoint.objects.filter(project__customer__legal_name=NEW[0]).count() == 1
    if width == 375:
        assert_fits(page)
    assert errors == [], errors
    del expected
