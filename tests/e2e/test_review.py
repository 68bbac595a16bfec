"""The review (复盘) report in real Chromium with the demo data: a rep opens it from a signed project's
page, prints it (the print button calls the browser's print; print media hides the app's chrome), and
Chromium makes an A4 PDF of it; on a phone it fits the screen."""

import pytest
from playwright.sync_api import expect

from customers.models import Project

from .conftest import PHONE

pytestmark = [pytest.mark.e2e, pytest.mark.browser_context_args(locale="en")]

# The demo data: rep2's deal with 合肥新材, signed; and rep2's lost deal with 成都锦程.
SIGNED = "合肥新材能源集团有限公司"
LOST = "成都锦程医疗器械有限公司"


def project_of(customer):
    return Project.objects.get(customer__legal_name=customer)


@pytest.fixture
def rep_page(context, login):
    return login(context.new_page(), "rep2")


def test_a_rep_opens_the_review_from_the_project_page_and_prints_it(rep_page):
    page = rep_page
    project = project_of(SIGNED)
    page.goto(f"/projects/{project.pk}/")
    page.get_by_test_id("review-link").click()
    page.wait_for_url(f"**/projects/{project.pk}/review/")

    expect(page.get_by_role("heading", level=1)).to_have_text(f"Review: {project.name}")
    expect(page.get_by_test_id("review-outcome")).to_contain_text("Signed")
    expect(page.get_by_test_id("review-stages").locator("tbody tr").first).to_be_visible()
    expect(page.get_by_test_id("review-keypoints").locator("tbody tr")).to_have_count(project.keypoints.count())

    # The print button is app.js's (no inline script): it calls the browser's print.
    page.evaluate("() => { window.print = () => { window.printCalls = (window.printCalls || 0) + 1; }; }")
    page.get_by_test_id("print").click()
    assert page.evaluate("window.printCalls") == 1

    # On paper: no header, menu, footer or buttons; the report itself all there.
    page.emulate_media(media="print")
    for chrome in ("nav.navbar", "footer", ".breadcrumb", "[data-testid=print]", ".skip-link"):
        expect(page.locator(chrome).first).to_be_hidden()
    for part in ("review-header", "review-stages", "review-keypoints", "review-terms"):
        expect(page.get_by_test_id(part)).to_be_visible()
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(255, 255, 255)"
    # The stage table stays a table on the narrow A4 page (not the phone's stacked cards).
    assert page.evaluate("getComputedStyle(document.querySelector('[data-testid=review-stages] td')).display") == (
        "table-cell"
    )

    pdf = page.pdf(format="A4")
    assert pdf[:5] == b"%PDF-"


def test_a_lost_deals_review_on_a_phone_fits_the_screen(new_context, live_server, demo_data, login):
    page = login(new_context(base_url=live_server.url, **PHONE).new_page(), "rep2")
    project = project_of(LOST)
    page.goto("/projects/")
    page.get_by_role("link", name=f"Review of {project.name}").click()
    page.wait_for_url(f"**/projects/{project.pk}/review/")

    expect(page.get_by_test_id("review-lost")).to_contain_text(project.lost_reason.name_en)
    expect(page.get_by_test_id("print")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_an_open_deal_has_no_review_link_and_its_review_says_when_it_opens(rep_page):
    page = rep_page
    project = Project.objects.filter(status="open", signed_on__isnull=True, owner__username="rep2").first()
    page.goto(f"/projects/{project.pk}/")
    expect(page.get_by_test_id("review-link")).to_have_count(0)
    page.goto(f"/projects/{project.pk}/review/")
    expect(page.get_by_test_id("review-not-ready")).to_contain_text("signed, completed or lost")
