"""The keyboard alone: Tab reaches every control on the main pages, never gets stuck, and always
shows where it is; on a phone the menu opens, is walked and closes by keyboard."""

import re
from urllib.parse import urlsplit

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from customers.models import Customer, Project

from .conftest import PHONE

# No transitions: a focus ring is checked as it ends up, not halfway through its fade-in.
pytestmark = [pytest.mark.e2e, pytest.mark.browser_context_args(reduced_motion="reduce")]

HUADONG = "华东精密制造股份有限公司"  # the demo's richest customer and project (rep1's)
# The phone menu once its opening animation is over (Bootstrap ignores a toggle while it runs).
OPEN_MENU = re.compile(r"\bcollapse show\b")
CLOSED_MENU = re.compile(r"\bcollapse$")

# Marks every control a keyboard user should reach (visible, enabled, in the tab order) with
# data-kb=<n>, and returns how to name each; radios of one group share a single tab stop.
MARK_CONTROLS = """() => {
  const selector = 'a[href], button, input:not([type=hidden]), select, textarea, summary, [tabindex]';
  const controls = [];
  const radioGroups = new Set();
  document.querySelectorAll(selector).forEach((el) => {
    if (el.disabled || el.tabIndex < 0 || el.getClientRects().length === 0) return;
    const style = getComputedStyle(el);
    if (style.visibility === 'hidden') return;
    if (el.closest('details:not([open])') && el.tagName !== 'SUMMARY') return;
    let stop = String(controls.length);
    if (el.type === 'radio') {
      stop = 'radio:' + el.name;
      if (radioGroups.has(stop)) { el.dataset.kb = stop; return; }
      radioGroups.add(stop);
    }
    el.dataset.kb = stop;
    const name = (el.getAttribute('aria-label') || el.innerText || el.name || el.id || '').trim().slice(0, 40);
    controls.push({stop: stop, name: el.tagName.toLowerCase() + ' "' + name + '"'});
  });
  return controls;
}"""

# What has focus now, and whether it shows: an outline, or a box shadow at least half opaque (Bootstrap's
# own 25% glow barely shows, and not at all on the dark menu bar).
FOCUSED = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const style = getComputedStyle(el);
  const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0;
  const alpha = (style.boxShadow.match(/rgba?\\([^)]*\\)/g) || []).map((colour) => {
    const parts = colour.replace(/rgba?\\(|\\)/g, '').split(',');
    return parts.length === 4 ? parseFloat(parts[3]) : 1;
  });
  const shadow = alpha.some((value) => value >= 0.5);
  return {stop: el.dataset.kb || null, tag: el.tagName.toLowerCase(), id: el.id,
          visible: outline || shadow, focusVisible: el.matches(':focus-visible')};
}"""


def pages():
    customer = Customer.objects.get(legal_name=HUADONG)
    project = Project.objects.get(customer=customer)
    return {
        "customer list": reverse("customers:list"),
        "customer": reverse("customers:detail", args=[customer.pk]),
        "new customer": reverse("customers:create"),
        "project": reverse("projects:detail", args=[project.pk]),
        "opportunity list": reverse("projects:list"),
        "ledger": reverse("keypoints:ledger"),
        "hand over customers": reverse("handovers:bulk"),
        "put on hold": reverse("projects:hold", args=[project.pk]),
    }


def walk_with_tab(page):
    """Press Tab until every marked control has had focus; return (missed, stuck, unseen focus)."""
    controls = page.evaluate(MARK_CONTROLS)
    waiting = {control["stop"]: control["name"] for control in controls}
    names = dict(waiting)
    page.locator("body").focus()
    stuck, no_ring = [], []
    previous, repeats = None, 0
    # A date-and-time input takes a press per part (year, month, day, hour, minute); a trap keeps focus for good.
    for _press in range(3 * len(controls) + 20):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED)
        if focused is None:
            continue
        stop = focused["stop"]
        repeats = repeats + 1 if stop == previous else 0
        previous = stop
        if repeats > 8:
            stuck.append(names.get(stop, f"{focused['tag']}#{focused['id']}"))
            break
        if stop in waiting:
            del waiting[stop]
            if not focused["visible"]:
                no_ring.append(names[stop])
        if not waiting:
            break
    return list(waiting.values()), stuck, no_ring


MAIN_PAGES = ["customer list", "customer", "new customer", "project", "opportunity list", "ledger"]


@pytest.mark.parametrize("label", MAIN_PAGES)
def test_tab_reaches_every_control_and_shows_focus(page, login, label):
    login(page, "lead")
    page.goto(pages()[label])
    # Closed sections (the key-point form, "more" menus, the stage history) are walked open as well.
    page.evaluate("document.querySelectorAll('details').forEach(function (d) { d.open = true; })")

    missed, stuck, no_ring = walk_with_tab(page)

    assert not stuck, f"{label}: focus trapped at {stuck}"
    assert not missed, f"{label}: Tab never reached {missed}"
    assert not no_ring, f"{label}: no visible focus on {no_ring}"


@pytest.mark.parametrize("label", ["hand over customers", "put on hold"])
def test_tab_reaches_every_control_on_forms(page, login, label):
    login(page, "admin")
    page.goto(pages()[label])

    missed, stuck, no_ring = walk_with_tab(page)

    assert (missed, stuck, no_ring) == ([], [], []), label


def test_login_page_by_keyboard(page):
    page.goto(reverse("accounts:login"))
    missed, stuck, no_ring = walk_with_tab(page)
    assert (missed, stuck, no_ring) == ([], [], [])

    page.locator("#id_username").focus()
    page.keyboard.type("rep1")
    page.keyboard.press("Tab")
    page.keyboard.type("salesrecord-demo")
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: urlsplit(url).path == "/")
    expect(page.get_by_test_id("my-steps")).to_be_visible()


def test_skip_link_jumps_past_the_menu(page, login):
    login(page, "lead")
    page.locator("body").focus()

    page.keyboard.press("Tab")
    skip = page.locator(".skip-link")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    page.keyboard.press("Enter")
    expect(page.locator("main#main")).to_be_focused()

    page.keyboard.press("Tab")
    # The next stop is the page's own first control, not the menu.
    assert page.evaluate("document.activeElement.closest('main') !== null")


@pytest.mark.browser_context_args(**PHONE, reduced_motion="reduce")
def test_phone_menu_opens_and_is_walked_by_keyboard(page, login):
    login(page, "lead")
    toggler = page.locator(".navbar-toggler")
    menu = page.locator("#main-nav")
    expect(menu).to_be_hidden()

    page.locator("body").focus()
    for _stop in ("skip link", "brand", "notifications bell", "menu button"):
        page.keyboard.press("Tab")
    expect(toggler).to_be_focused()
    assert page.evaluate(FOCUSED)["visible"]
    expect(toggler).to_have_attribute("aria-expanded", "false")

    page.keyboard.press("Enter")
    expect(menu).to_have_class(OPEN_MENU)
    expect(toggler).to_have_attribute("aria-expanded", "true")

    # Tab walks the menu in order, each link showing its focus (the person's own menu stays folded).
    links = menu.locator("a.nav-link:visible")
    for index in range(links.count()):
        page.keyboard.press("Tab")
        expect(links.nth(index)).to_be_focused()
        assert page.evaluate(FOCUSED)["visible"]

    # Back to the button: Space closes the menu again.
    for _index in range(links.count()):
        page.keyboard.press("Shift+Tab")
    expect(toggler).to_be_focused()
    page.keyboard.press(" ")
    expect(menu).to_have_class(CLOSED_MENU)
    expect(menu).to_be_hidden()
    expect(toggler).to_have_attribute("aria-expanded", "false")

    # Open again and follow a link with Enter.
    page.keyboard.press("Enter")
    expect(menu).to_have_class(OPEN_MENU)
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/dashboard/$"))
