"""The key-point journey in a real browser: log, advance, log again, export, and a manager's read-only look."""

import io
import re
from datetime import datetime, timedelta

import pytest
from django.utils import timezone
from openpyxl import load_workbook
from playwright.sync_api import expect

from customers.models import Contact, Project
from keypoints.models import KeyPoint

from .conftest import reachable_customers

pytestmark = pytest.mark.e2e

# The demo data (keypoints/management/commands/seed_demo.py).
HANGZHOU = "杭州云栖金融服务有限公司"  # rep2's
PROJECT = "客户关系平台采购"  # its project, in stage 1 (lead acquisition) since 6 days ago
CONTACT = "冯晓"  # its only contact
HUADONG = "华东精密制造股份有限公司"  # rep1's; rep2 has no part in it
SUZHOU = "苏州恒通物流有限公司"  # rep1's; rep2 has no part in it
# Some of what rep2 may see: their own customers, and rep1's 宁波海纳 whose project team they are on.
REP2_CUSTOMERS = {HANGZHOU, "合肥新材能源集团有限公司", "成都锦程医疗器械有限公司", "宁波海纳电子科技有限公司"}

LEAD_SUMMARY = "电话沟通预算与决策人,客户确认今年内上线。"
NEEDS_SUMMARY = "到客户现场访谈市场部,梳理客户信息管理的现状。"
DECISION_PROCESS = "技术部评估→财务部审核→总经理终审"
QUESTION_LIST = "1. 现有客户信息存放在哪里?\n2. 交接时丢失过哪些信息?"

NEW_FORM = "#keypoint-form-new"
STAGE_FIELDS = "#stage-fields-new"


def open_keypoint_form(page):
    """Open the form from the "Log a key point" button (a link, so this works without JavaScript too)."""
    panel = page.locator("#log-keypoint")
    if not panel.is_visible():
        page.get_by_test_id("log-keypoint").click()
    expect(panel).to_be_visible()
    return page.locator(NEW_FORM)


def fill_common_elements(form, contact, *, method, summary):
    """The elements every key point records; occurred_at, our participant and next-step owner come prefilled."""
    form.locator("select[name=method]").select_option(method)
    form.locator(f"input[name=customer_participants][value='{contact.pk}']").check()
    form.locator("textarea[name=summary]").fill(summary)
    form.locator("textarea[name=customer_feedback]").fill("客户希望先看演示再谈价格。")
    form.locator("textarea[name=obstacles]").fill("IT 部门担心数据迁移的工作量。")
    form.locator("textarea[name=our_response]").fill("提供迁移方案和同行业案例。")
    form.locator("input[name=next_step]").fill("安排产品演示")
    form.locator("input[name=next_step_due]").fill((timezone.localdate() + timedelta(days=7)).isoformat())


def save(page, form, project, summary):
    """Save the form; return the new record, once the project page shows it."""
    form.locator("button[name=save]").click()
    page.wait_for_url(re.compile(rf"/projects/{project.pk}/\?logged=\d+#kp-\d+$"))
    keypoint = KeyPoint.objects.get(project=project, summary=summary)
    assert page.url.endswith(f"#kp-{keypoint.pk}")
    return keypoint


def export_rows(page):
    """Click Export XLSX on the ledger; the sheet's rows as dicts keyed by the (English) header."""
    with page.expect_download() as info:
        page.get_by_test_id("export-xlsx").click()
    download = info.value
    assert download.suggested_filename.endswith(".xlsx")
    # Playwright keeps the download under a random name with no extension: hand openpyxl the bytes.
    with open(download.path(), "rb") as file:
        sheet = load_workbook(io.BytesIO(file.read()), read_only=True).active
    header, *rows = sheet.iter_rows(values_only=True)
    return [dict(zip(header, row, strict=True)) for row in rows]


@pytest.mark.browser_context_args(locale="en")
def test_rep_logs_advances_exports_and_a_manager_reads(page, login, new_context, live_server):
    project = Project.objects.get(name=PROJECT)
    contact = Contact.objects.get(customer=project.customer, name=CONTACT)
    records_before = KeyPoint.objects.filter(project=project).count()

    # 1. rep2 finds the project through its customer and logs a complete lead-stage record.
    login(page, "rep2")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.locator("main").get_by_role("link", name=HANGZHOU, exact=True).click()
    page.locator(f"main a[href='/projects/{project.pk}/']").click()
    page.wait_for_url(f"**/projects/{project.pk}/")
    expect(page.get_by_test_id("project-stage")).to_have_text("Lead acquisition")

    form = open_keypoint_form(page)
    expect(form.locator("select[name=stage]")).to_have_value("1")
    expect(form.locator("button[name=switch_stage]")).to_be_hidden()  # JavaScript runs: htmx does its job
    expect(form.locator("input[name=occurred_at]")).not_to_have_value("")
    expect(form.locator("select[name=next_step_owner] option:checked")).to_have_count(1)
    expect(form.locator("input[name=our_participants]:checked")).to_have_count(1)  # rep2, pre-checked
    fill_common_elements(form, contact, method="phone", summary=LEAD_SUMMARY)
    fields = form.locator(STAGE_FIELDS)
    fields.locator("select[name=source_channel]").select_option("website")
    fields.locator("textarea[name=first_conversation]").fill("客户主动留言,想了解客户管理系统的价格区间。")
    fields.locator("input[name=need_keywords]").fill("客户信息集中、交接不丢单")
    fields.locator("select[name=lead_rating]").select_option("A")
    fields.locator("input[name=lead_rating_basis]").fill("预算已批,年内上线,市场部经理牵头")
    lead = save(page, form, project, LEAD_SUMMARY)

    assert (lead.stage, lead.lead_rating, lead.is_complete) == (1, "A", True)
    assert list(lead.customer_participants.all()) == [contact]
    article = page.locator(f"article#kp-{lead.pk}")
    expect(article).to_contain_text(LEAD_SUMMARY)
    expect(article.get_by_test_id("completeness")).to_have_text("Elements 4/4")
    expect(article.get_by_test_id("missing")).to_have_count(0)
    expect(page.locator("#timeline article")).to_have_count(records_before + 1)

    # 2. The project moves on to needs discovery.
    expect(page.get_by_test_id("stage-days-2")).to_have_text("—")
    page.get_by_test_id("advance").click()
    expect(page.get_by_test_id("advance-move")).to_have_text(
        "The project moves from Lead acquisition to Needs discovery."
    )
    expect(page.get_by_test_id("stage-gaps")).to_contain_text("Every element of this stage is recorded.")
    page.get_by_test_id("confirm-advance").click()
    expect(page.get_by_test_id("project-stage")).to_have_text("Needs discovery")
    current = page.locator("[data-testid=stage-path] li[aria-current=step]")
    expect(current).to_have_count(1)
    expect(current).to_contain_text("2. Needs discovery")
    expect(page.locator("[data-testid=stage-path] li").nth(1)).to_have_attribute("aria-current", "step")
    expect(page.get_by_test_id("stage-days-1")).to_have_text("6 days")  # seeded 6 days ago
    expect(page.get_by_test_id("stage-days-2")).to_have_text("0 days")
    project.refresh_from_db()
    assert project.stage == 2

    # 3. A needs-discovery record; the stage's elements follow the stage select (htmx).
    form = open_keypoint_form(page)
    stage_select = form.locator("select[name=stage]")
    expect(stage_select).to_have_value("2")
    fields = form.locator(STAGE_FIELDS)
    guidance = fields.get_by_test_id("stage-guidance")
    expect(fields.locator("textarea[name=decision_process]")).to_be_visible()
    needs_guidance = guidance.inner_text()

    stage_select.select_option("4")
    expect(fields.locator("input[name=price_before]")).to_be_visible()
    expect(guidance).not_to_have_text(needs_guidance)
    expect(guidance).to_contain_text("floor price")
    expect(fields.locator("textarea[name=decision_process]")).to_have_count(0)

    stage_select.select_option("2")
    expect(fields.locator("textarea[name=decision_process]")).to_be_visible()
    expect(fields.locator("input[name=price_before]")).to_have_count(0)
    expect(guidance).to_have_text(needs_guidance)

    fill_common_elements(form, contact, method="on_site", summary=NEEDS_SUMMARY)
    fields.locator("textarea[name=question_list]").fill(QUESTION_LIST)
    fields.locator("textarea[name=decision_process]").fill(DECISION_PROCESS)
    # Explicit pains and implicit needs stay empty: the record is saved, and flagged as incomplete.
    needs = save(page, form, project, NEEDS_SUMMARY)

    assert (needs.stage, needs.decision_process, needs.is_complete) == (2, DECISION_PROCESS, False)
    assert sorted(needs.missing_elements) == ["explicit_pains", "implicit_needs"]
    article = page.locator(f"article#kp-{needs.pk}")
    expect(article).to_contain_text(DECISION_PROCESS)
    expect(article.get_by_test_id("completeness")).to_have_text("Elements 4/6")
    expect(article.get_by_test_id("missing")).to_have_text("Missing: Explicit pains, Implicit needs")
    expect(page.locator(f"article#kp-{lead.pk}")).to_be_visible()

    # 4. The ledger lists both; its XLSX export holds them and nothing of rep1's own customers.
    page.locator("#main-nav").get_by_role("link", name="Key point ledger", exact=True).click()
    page.wait_for_url("**/keypoints/")
    table = page.get_by_test_id("ledger-table")
    for keypoint, badge in ((lead, "4/4"), (needs, "4/6")):
        row = table.locator("tbody tr").filter(has=page.locator(f"a[href$='#kp-{keypoint.pk}']"))
        expect(row).to_have_count(1)
        expect(row).to_contain_text(keypoint.summary)
        expect(row).to_contain_text(badge)
    expect(table).not_to_contain_text(HUADONG)

    rows = export_rows(page)
    ours = {row["What happened"]: row for row in rows if row["Project"] == PROJECT}
    assert {LEAD_SUMMARY, NEEDS_SUMMARY} <= set(ours)
    assert ours[LEAD_SUMMARY]["Customer"] == HANGZHOU
    assert ours[LEAD_SUMMARY]["Completeness"] == "4/4"
    assert ours[NEEDS_SUMMARY]["Completeness"] == "4/6"
    assert ours[NEEDS_SUMMARY]["Decision process"] == DECISION_PROCESS
    assert isinstance(ours[NEEDS_SUMMARY]["When"], datetime)  # a real date cell, formatted by the spreadsheet
    customers = {row["Customer"] for row in rows}
    assert HUADONG not in customers
    assert SUZHOU not in customers
    rep2_customers = reachable_customers("rep2")
    assert rep2_customers >= REP2_CUSTOMERS
    assert customers <= rep2_customers
    assert len(rows) == KeyPoint.objects.filter(project__customer__legal_name__in=rep2_customers).count()

    # 5. The manager reads the same page and finds nothing to change.
    manager_page = new_context(base_url=live_server.url).new_page()
    login(manager_page, "manager")
    manager_page.goto(f"/projects/{project.pk}/")
    main = manager_page.locator("main")
    expect(manager_page.get_by_test_id("project-stage")).to_have_text("Needs discovery")
    expect(main.locator("[data-testid=stage-path] li[aria-current=step]")).to_contain_text("2. Needs discovery")
    expect(main.locator(f"article#kp-{lead.pk}")).to_contain_text(LEAD_SUMMARY)
    expect(main.locator(f"article#kp-{needs.pk}")).to_contain_text(DECISION_PROCESS)
    expect(main.locator(f"article#kp-{needs.pk}").get_by_test_id("completeness")).to_have_text("Elements 4/6")
    expect(main.locator("form")).to_have_count(0)
    expect(main.locator("#log-keypoint")).to_have_count(0)
    expect(main.get_by_test_id("advance")).to_have_count(0)
    expect(main.locator("a[href*='/edit/']")).to_have_count(0)


@pytest.mark.browser_context_args(locale="en", java_script_enabled=False)
def test_keypoint_form_switches_stage_without_javascript(page, login):
    project = Project.objects.get(name=PROJECT)
    records_before = KeyPoint.objects.count()

    login(page, "rep2")
    page.goto(f"/projects/{project.pk}/")
    form = open_keypoint_form(page)
    expect(form.locator("select[name=stage]")).to_have_value("1")
    expect(form.locator(f"{STAGE_FIELDS} select[name=lead_rating]")).to_be_visible()
    switch = form.locator("button[name=switch_stage]")
    expect(switch).to_be_visible()

    form.locator("textarea[name=summary]").fill(NEEDS_SUMMARY)  # typed before switching: kept
    form.locator("select[name=stage]").select_option("4")
    expect(form.locator(f"{STAGE_FIELDS} select[name=lead_rating]")).to_be_visible()  # nothing swaps by itself
    switch.click()

    page.wait_for_url(f"**/projects/{project.pk}/keypoints/new/")
    form = page.locator(NEW_FORM)
    expect(page.locator("#log-keypoint")).to_be_visible()
    expect(form.locator("select[name=stage]")).to_have_value("4")
    fields = form.locator(STAGE_FIELDS)
    for name in ("price_before", "price_after", "floor_price"):
        expect(fields.locator(f"input[name={name}]")).to_be_visible()
    expect(fields.locator("select[name=lead_rating]")).to_have_count(0)
    expect(fields.get_by_test_id("stage-guidance")).to_contain_text("floor price")
    expect(form.locator("textarea[name=summary]")).to_have_value(NEEDS_SUMMARY)
    expect(form.locator(".is-invalid")).to_have_count(0)  # a re-render, not a failed save
    expect(page.locator("main .alert-success")).to_have_count(0)
    assert KeyPoint.objects.count() == records_before
    project.refresh_from_db()
    assert project.stage == 1
