"""The manager's dashboard in a real browser: they land on it, narrow it by period and owner, and drill
into a stalled project from its list."""

from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect

from customers import stalls
from customers.models import Project
from keypoints.management.commands.seed_demo import DEMO_PASSWORD

from .conftest import PHONE

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("viewport", [PHONE["viewport"], {"width": 1280, "height": 900}], ids=["375", "1280"])
def test_the_manager_lands_on_the_dashboard_filters_it_and_drills_into_a_stalled_project(page, viewport):
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.set_viewport_size(viewport)
    page.goto("/accounts/login/")
    page.fill("#id_username", "manager")
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url("**/dashboard/")
    expect(page.get_by_test_id("dashboard")).to_be_visible()

    stalled = stalls.stalled(Project.objects.all()).select_related("owner").order_by("quiet_since", "pk").first()
    owner = stalled.owner
    expected = stalls.stalled(Project.objects.filter(owner=owner)).count()
    if viewport["width"] < 768:
        page.get_by_test_id("filter-toggle").click()
    # A date typed in makes the period custom; choosing a preset clears the dates again.
    page.fill("#id_date_from", "2026-01-01")
    expect(page.locator("#id_period")).to_have_value("custom")
    page.select_option("#id_period", "this_year")
    expect(page.locator("#id_date_from")).to_have_value("")
    page.select_option("#id_owner", str(owner.pk))
    page.get_by_role("button", name="筛选").click()
    page.wait_for_url("**/dashboard/?*")
    query = parse_qs(urlsplit(page.url).query)
    assert query["period"] == ["this_year"] and query["owner"] == [str(owner.pk)]
    expect(page.get_by_test_id("stalled-count")).to_contain_text(str(expected))
    # Every chart on the page is drawn (ECharts puts a canvas in it), with no script or policy error.
    charts = page.locator(".chart[data-chart]")
    assert charts.count() >= 5
    expect(page.locator(".chart.chart-drawn canvas")).to_have_count(charts.count())
    # Each drawn as wide as its card gives it (drawn while hidden, ECharts would take 100 px).
    narrow = page.evaluate(
        """[...document.querySelectorAll('.chart.chart-drawn')]
             .filter(chart => chart.querySelector('canvas').getBoundingClientRect().width < chart.clientWidth * 0.9)
             .map(chart => chart.dataset.chart)"""
    )
    assert narrow == [], f"charts narrower than their place: {narrow}"
    assert errors == [], errors
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= viewport["width"], f"the dashboard scrolls sideways: {width}px"

    link = page.get_by_test_id("stalled-project").filter(has_text=stalled.name)
    expect(link).to_have_count(1)
    link.click()
    page.wait_for_url(f"**/projects/{stalled.pk}/")
    expect(page.locator("h1")).to_contain_text(stalled.name)
