"""The project page on a phone and on a desktop, in real Chromium with the demo data: a rep logs a key
point from the main button and sees it saved, and a refused advance leads to the contract form."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from customers.models import Contact, Project
from keypoints.models import KeyPoint
from tests.keypoints.test_project_page import bulk_keypoints

from .conftest import PHONE

pytestmark = [pytest.mark.e2e, pytest.mark.browser_context_args(locale="en")]

# The demo data (keypoints/management/commands/seed_demo.py): rep1's deal, in business negotiation.
PROJECT = "企业生产管理系统升级"
CONTACT = "王总"
SUMMARY = "与王总电话确认折中付款方案,客户同意预付 20%。"
CONTRACT_SUMMARY = "双方在客户总部签署合同。"

VIEWPORTS = {
    "phone": PHONE,
    "desktop": {"viewport": {"width": 1280, "height": 900}},
}


@pytest.fixture(params=sorted(VIEWPORTS))
def viewport(request):
    return request.param


@pytest.fixture
def rep_page(new_context, live_server, demo_data, login, viewport):
    """rep1 logged in, in a browser of the size asked for."""
    page = new_context(base_url=live_server.url, **VIEWPORTS[viewport]).new_page()
    return login(page, "rep1")


def in_viewport(page, locator):
    """The element's box lies (at least partly, top edge first) within the visible part of the page."""
    box = locator.bounding_box()
    height = page.viewport_size["height"]
    return box is not None and 0 <= box["y"] < height and box["y"] + min(box["height"], height) > 0


def no_sideways_scroll(page):
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def open_project_from_the_list(page, project):
    page.goto("/projects/")
    page.locator("main").get_by_role("link", name=PROJECT, exact=True).click()
    page.wait_for_url(f"**/projects/{project.pk}/")


def fill_common_elements(form, contact, summary):
    form.locator("select[name=method]").select_option("phone")
    form.locator(f"input[name=customer_participants][value='{contact.pk}']").check()
    form.locator("textarea[name=summary]").fill(summary)
    form.locator("textarea[name=customer_feedback]").fill("客户认可折中方案。")
    form.locator("textarea[name=obstacles]").fill("财务部审批需一周。")
    form.locator("textarea[name=our_response]").fill("提供付款计划书。")
    form.locator("input[name=next_step]").fill("发送付款计划书")
    form.locator("input[name=next_step_due]").fill((timezone.localdate() + timedelta(days=5)).isoformat())


def test_a_rep_logs_a_key_point_from_the_main_button_and_sees_it_saved(rep_page, viewport):
    page = rep_page
    project = Project.objects.get(name=PROJECT)
    contact = Contact.objects.get(customer=project.customer, name=CONTACT)
    open_project_from_the_list(page, project)
    assert no_sideways_scroll(page)

    # The stage path starts with the current stage in view, and is reachable by keyboard.
    path = page.get_by_test_id("stage-path")
    current = path.locator("li[aria-current=step]")
    expect(current).to_contain_text("4. Business negotiation")
    assert path.evaluate(
        "p => { const a = p.getBoundingClientRect(), b = p.querySelector('[aria-current]').getBoundingClientRect();"
        " return b.left >= a.left - 1 && b.right <= a.right + 1; }"
    )
    expect(path).to_have_attribute("tabindex", "0")

    # The main button is in view without scrolling, above the timeline; the form opens in place.
    button = page.get_by_test_id("log-keypoint")
    assert in_viewport(page, button)
    assert button.bounding_box()["y"] < page.locator("#timeline").bounding_box()["y"]
    panel = page.locator("#log-keypoint")
    expect(panel).to_be_hidden()
    button.click()
    expect(panel).to_be_visible()
    expect(button).to_have_attribute("aria-expanded", "true")
    assert page.url.endswith(f"/projects/{project.pk}/")  # opened in place, no reload
    form = page.locator("#keypoint-form-new")
    expect(form.locator("input[name=occurred_at]")).to_be_focused()
    expect(form.locator("select[name=stage]")).to_have_value("4")

    # Tap targets at least 44 px high: the save button, each checkbox with its label, the More menu.
    save = form.locator("button[name=save]")
    if viewport == "phone":
        assert save.bounding_box()["height"] >= 44
        for check in form.locator(".checkbox-list .form-check").all():
            assert check.bounding_box()["height"] >= 44
        # The save bar stays at the bottom of the screen while the long form is scrolled.
        form.locator("textarea[name=summary]").scroll_into_view_if_needed()
        assert in_viewport(page, save)
    assert no_sideways_scroll(page)

    fill_common_elements(form, contact, SUMMARY)
    form.locator("input[name=price_after]").fill("620000")
    save.click()
    page.wait_for_url(re.compile(rf"/projects/{project.pk}/\?logged=\d+#kp-\d+$"))
    keypoint = KeyPoint.objects.get(project=project, summary=SUMMARY)

    # The confirmation is on the entry, in view, and the entry is marked in words as well as colour.
    entry = page.locator(f"article#kp-{keypoint.pk}")
    note = entry.get_by_test_id("saved-note")
    expect(note).to_have_text("Key point logged.")
    expect(note).to_have_attribute("role", "status")
    expect(entry).to_have_class(re.compile(r"\bkp-saved\b"))
    expect(entry.locator("details")).to_have_attribute("open", "")
    assert in_viewport(page, note)
    expect(entry.get_by_test_id("completeness")).to_have_text(
        f"Elements {keypoint.elements_filled}/{keypoint.elements_total}"
    )
    expect(entry.get_by_test_id("completeness-note")).to_contain_text("elements this stage asks for")

    # Its next step, marked done in "Open next steps", reads done in the timeline too, without a reload.
    line = entry.get_by_test_id("next-step-line")
    expect(line.get_by_test_id("next-step-status")).to_have_text("Open")
    page.locator(f"#next-step-{keypoint.pk}").get_by_role("button", name="Done").click()
    expect(page.locator(f"#next-step-{keypoint.pk}").get_by_role("button", name="Undo")).to_be_visible()
    expect(entry.get_by_test_id("next-step-line").get_by_test_id("next-step-status")).to_have_text("Done")

    # The More menu's items are fingers' size on a phone.
    page.locator(".project-actions summary").click()
    items = page.locator(".more-menu .list-group-item")
    expect(items.first).to_be_visible()
    if viewport == "phone":
        for item in items.all():
            assert item.bounding_box()["height"] >= 44
    assert no_sideways_scroll(page)


def test_a_refused_advance_leads_to_the_contract_form_and_then_goes_through(rep_page, viewport):
    page = rep_page
    project = Project.objects.get(name=PROJECT)
    contact = Contact.objects.get(customer=project.customer, name=CONTACT)
    open_project_from_the_list(page, project)

    # Advancing asks first, naming where to and what this stage lacks.
    page.get_by_test_id("advance").click()
    expect(page.get_by_test_id("advance-move")).to_have_text(
        "The project moves from Business negotiation to Contract signing."
    )
    expect(page.get_by_test_id("stage-gaps")).to_be_visible()
    expect(page.get_by_test_id("contract-needed")).to_be_visible()
    assert no_sideways_scroll(page)
    page.get_by_test_id("confirm-advance").click()

    # Refused: the contract form, open at contract signing, with the refusal above it in view.
    notice = page.get_by_test_id("form-notice")
    expect(notice).to_contain_text("Before entering contract signing")
    assert in_viewport(page, notice)
    form = page.locator("#keypoint-form-new")
    expect(form.locator("select[name=stage]")).to_have_value("5")
    expect(page.get_by_test_id("required-legend")).to_be_visible()
    for name in ("contract_number", "signed_amount", "signing_date"):
        field = form.locator(f"[name={name}]")
        expect(field).to_have_attribute("required", "")
        expect(form.locator(f"label[for=id_{name}] .asteriskField")).to_have_text("*")
    assert no_sideways_scroll(page)
    project.refresh_from_db()
    assert project.stage == 4

    fill_common_elements(form, contact, CONTRACT_SUMMARY)
    form.locator("input[name=contract_number]").fill("HT-2026-088")
    form.locator("input[name=signed_amount]").fill("620000")
    form.locator("input[name=signing_date]").fill(timezone.localdate().isoformat())
    form.locator("button[name=save]").click()
    page.wait_for_url(re.compile(rf"/projects/{project.pk}/\?logged=\d+#kp-\d+$"))
    expect(page.get_by_test_id("signed-amount")).to_have_text("¥620,000")

    # Now the advance goes through, once confirmed.
    page.get_by_test_id("advance").click()
    expect(page.get_by_test_id("contract-needed")).to_have_count(0)
    page.get_by_test_id("confirm-advance").click()
    expect(page.get_by_test_id("project-stage")).to_have_text("Contract signing")
    expect(page.locator("main .alert-success")).to_contain_text("Moved to Contract signing.")
    project.refresh_from_db()
    assert project.stage == 5


def test_older_key_points_load_below_the_newest_in_pages(page, login):
    project = Project.objects.get(name=PROJECT)
    bulk_keypoints(project, project.owner, 40)
    total = project.keypoints.count()
    login(page, "rep1")
    page.goto(f"/projects/{project.pk}/")
    articles = page.locator("#timeline article")
    expect(articles).to_have_count(20)
    expect(page.locator("#timeline details[open]")).to_have_count(3)
    page.get_by_test_id("older-keypoints").click()
    expect(articles).to_have_count(40)
    assert page.url.endswith(f"/projects/{project.pk}/")  # appended in place
    # The keyboard carries on from the first entry just loaded.
    expect(articles.nth(20).locator("summary")).to_be_focused()
    page.keyboard.press("Enter")
    expect(articles.nth(20).locator("details")).to_have_attribute("open", "")
    page.get_by_test_id("older-keypoints").click()
    expect(articles).to_have_count(total)
    expect(page.get_by_test_id("older-keypoints")).to_have_count(0)


@pytest.mark.browser_context_args(locale="en", java_script_enabled=False)
def test_without_javascript_the_log_link_and_older_key_points_work_by_reload(page, login):
    project = Project.objects.get(name=PROJECT)
    bulk_keypoints(project, project.owner, 20)
    login(page, "rep1")
    page.goto(f"/projects/{project.pk}/")
    expect(page.locator("#log-keypoint")).to_be_hidden()
    page.get_by_test_id("log-keypoint").click()
    page.wait_for_url(f"**/projects/{project.pk}/?log=1#log-keypoint")
    expect(page.locator("#keypoint-form-new select[name=stage]")).to_have_value("4")
    expect(page.locator("#log-keypoint")).to_be_visible()

    # Older key points come a page at a time.
    page.get_by_test_id("older-keypoints").click()
    page.wait_for_url(f"**/projects/{project.pk}/?older=2#timeline")
    expect(page.locator("#timeline article")).to_have_count(project.keypoints.count() - 20)
    page.get_by_test_id("newer-keypoints").click()
    expect(page.locator("#timeline article")).to_have_count(20)

    # An advance asks first without JavaScript too.
    page.get_by_test_id("advance").click()
    expect(page.get_by_test_id("confirm-advance")).to_be_visible()
    page.get_by_role("link", name="Cancel").click()
    page.wait_for_url(f"**/projects/{project.pk}/")
