"""The lists on a desk and on a phone: sorting from the headers, the folding filter bar, rows as cards."""

import pytest
from playwright.sync_api import expect

from customers.models import Customer

from .conftest import PHONE, reachable_customers
from .test_journeys import CUSTOMER_TABLE, HUADONG, NINGBO, SUZHOU, customer_names, translated

pytestmark = pytest.mark.e2e

DESKTOP = {"viewport": {"width": 1280, "height": 900}}
LISTS = ("/customers/", "/projects/", "/keypoints/")
# Three of rep1's customers, in pinyin order (huadong, ningbo, suzhou); unit tests cover pinyin order.
KNOWN = {HUADONG, NINGBO, SUZHOU}


def ordered_names(page):
    return page.locator(f"{CUSTOMER_TABLE} tbody tr td:first-child a").all_inner_texts()


def assert_no_sideways_scroll(page, paths, width):
    for path in paths:
        response = page.goto(path)
        assert response.status == 200, path
        scroll_width = page.evaluate("document.documentElement.scrollWidth")
        assert scroll_width <= width, f"{path} scrolls sideways at {width}px: {scroll_width}px wide"


@pytest.mark.browser_context_args(**DESKTOP)
def test_rep_sorts_the_customer_list_by_clicking_its_headers(page, login):
    login(page, "rep1")
    # Latest activity first by default: the header says so.
    activity = page.locator(f"{CUSTOMER_TABLE} th[data-sort-key=activity]")
    expect(activity).to_have_attribute("aria-sort", "descending")
    name = page.locator(f"{CUSTOMER_TABLE} th[data-sort-key=name]")
    expect(name).not_to_have_attribute("aria-sort", "ascending")

    name.get_by_role("link").click()
    expect(name).to_have_attribute("aria-sort", "ascending")
    expect(activity).not_to_have_attribute("aria-sort", "descending")
    names = ordered_names(page)
    assert set(names) == reachable_customers("rep1")
    assert [n for n in names if n in KNOWN] == [HUADONG, NINGBO, SUZHOU]  # huadong, ningbo, suzhou

    name.get_by_role("link").click()
    expect(name).to_have_attribute("aria-sort", "descending")
    assert [n for n in ordered_names(page) if n in KNOWN] == [SUZHOU, NINGBO, HUADONG]
    assert "sort=-name" in page.url


@pytest.mark.browser_context_args(**DESKTOP)
def test_on_a_desk_the_filters_show_without_a_toggle_and_nothing_scrolls_sideways(page, login):
    login(page, "lead")
    expect(page.get_by_role("search")).to_be_visible()
    expect(page.get_by_test_id("filter-toggle")).to_be_hidden()
    customer = Customer.objects.get(legal_name=HUADONG)
    assert_no_sideways_scroll(page, (*LISTS, f"/customers/{customer.pk}/"), 1280)


# Each header's letters or characters, with the line each is drawn on: a word (letters or digits with
# nothing between them) that starts on one line and goes on in the next is broken inside.
HEADERS_BROKEN_INSIDE_A_WORD = """() => {
  const broken = [];
  for (const th of document.querySelectorAll('main th')) {
    if (!th.getClientRects().length) continue;
    const walker = document.createTreeWalker(th, NodeFilter.SHOW_TEXT);
    let previous = null;
    for (let node; (node = walker.nextNode());) {
      for (let i = 0; i < node.data.length; i++) {
        const range = document.createRange();
        range.setStart(node, i);
        range.setEnd(node, i + 1);
        const box = range.getClientRects()[0];
        const letter = /[\\p{L}\\p{N}]/u.test(node.data[i]);
        if (!box || !letter) { previous = null; continue; }
        if (previous && box.top >= previous.bottom - 1) broken.push(th.innerText.replace(/\\s+/g, ' '));
        previous = box;
      }
    }
  }
  return broken;
}"""
# A table wider than its frame scrolls inside it: the columns on the right are out of sight.
TABLES_WIDER_THAN_THEIR_FRAME = """() => [...document.querySelectorAll('main .table-responsive')]
  .filter(frame => frame.scrollWidth > frame.clientWidth + 1)
  .map(frame => frame.querySelector('table').dataset.testid)"""


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("width", [768, 1280])
def test_no_list_header_breaks_inside_a_word_and_on_a_desk_every_list_fits(
    new_context, live_server, demo_data, login, language, width
):
    page = new_context(base_url=live_server.url, viewport={"width": width, "height": 900}).new_page()
    login(page, "admin")
    with page.expect_navigation():
        page.locator(f"footer button[value={language}]").click()
    for path in (*LISTS, "/reminders/stalled/", "/accounts/users/"):
        assert page.goto(path).status == 200, path
        expect(page.locator("main th").first).to_be_visible()
        if width == 1280:  # on a tablet a list may scroll inside its frame
            assert page.evaluate(TABLES_WIDER_THAN_THEIR_FRAME) == [], f"{path} at {width}px in {language}"
        assert page.evaluate(HEADERS_BROKEN_INSIDE_A_WORD) == [], f"{path} at {width}px in {language}"


@pytest.mark.browser_context_args(**PHONE)
def test_on_a_phone_the_filters_fold_and_tables_become_cards(page, login):
    login(page, "rep1")
    search = page.get_by_role("search")
    toggle = page.get_by_test_id("filter-toggle")
    expect(search).to_be_hidden()
    expect(toggle).to_have_text(translated("Filters", "zh-hans"))

    toggle.click()
    expect(search).to_be_visible()
    toggle.click()
    expect(search).to_be_hidden()
    # By keyboard too.
    toggle.focus()
    page.keyboard.press("Enter")
    expect(search).to_be_visible()

    # With a filter applied the toggle counts it; a filter that cannot apply opens the bar.
    page.goto("/customers/?industry=manufacturing&sort=name")
    expect(toggle).to_contain_text("1")
    expect(search).to_be_hidden()
    page.goto("/customers/?tier=gold")
    expect(page.get_by_test_id("filter-errors")).to_be_visible()

    # The customer list as cards: no header row, every link in a row an easy tap.
    page.goto("/customers/")
    expect(page.locator(f"{CUSTOMER_TABLE} thead")).to_be_hidden()
    assert customer_names(page) == reachable_customers("rep1")
    for link in page.locator(f"{CUSTOMER_TABLE} tbody a").all():
        assert link.bounding_box()["height"] >= 44

    customer = Customer.objects.get(legal_name=HUADONG)
    page.goto(f"/customers/{customer.pk}/")
    contacts = page.get_by_test_id("contact-table")
    expect(contacts.locator("thead")).to_be_hidden()
    cells = contacts.locator("tbody td")
    assert cells.count() >= 6
    for cell in cells.all():
        box = cell.bounding_box()
        assert box["width"] >= 60, f"a contact cell is {box['width']}px wide"

    assert_no_sideways_scroll(page, (*LISTS, f"/customers/{customer.pk}/"), 375)
