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
