"""Archive, not delete, in a real browser: a lead archives a customer from its page on a phone and
restores it from the archive; an admin deletes an archived project for good, only once the box is ticked."""

import pytest
from django.utils import translation
from django.utils.translation import gettext, pgettext
from playwright.sync_api import expect

from accounts.models import User
from customers.models import Contact, Customer, Project, ProjectStatus
from keypoints import services
from keypoints.models import KeyPoint

from .conftest import PHONE

pytestmark = pytest.mark.e2e

HUADONG = "华东精密制造股份有限公司"  # rep1's: five contacts, one project, its key points
BORUN = "上海博润汽车零部件有限公司"  # rep1's: a completed project and an open one
CUSTOMER_TABLE = "[data-testid=customer-table]"


def zh(message, *args, **values):
    """The Chinese the page shows for a message, its placeholders filled."""
    with translation.override("zh-hans"):
        text = pgettext(args[0], message) if args else gettext(message)
    return text % values if values else text


def watch_console(page):
    """Console errors and uncaught exceptions (a CSP violation is one). A form refused with a 4xx
    logs its own status as a failed load: `expected` lists the URLs whose refusal is the point."""
    errors, expected = [], set()

    def on_console(message):
        if message.type != "error":
            return
        if message.text.startswith("Failed to load resource") and message.location.get("url") in expected:
            return
        errors.append(message.text)

    page.on("console", on_console)
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors, expected


def assert_fits(page, width=375):
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= width, f"{page.url} scrolls sideways: {scroll_width}px wide"


def search_customers(page, text):
    """Search the customer list on a phone (the filters fold behind their toggle); the names found."""
    page.goto("/customers/")
    page.get_by_test_id("filter-toggle").click()
    page.fill("#id_q", text)
    with page.expect_navigation():
        page.locator("main form[role=search] button[type=submit]").click()
    return set(page.locator(f"{CUSTOMER_TABLE} tbody tr td:first-child a").all_inner_texts())


# Reduced motion: the menu opens without its animation, so that the person menu is clicked once it is still.
@pytest.mark.browser_context_args(**PHONE, reduced_motion="reduce")
def test_a_lead_archives_a_customer_on_a_phone_and_restores_it_from_the_archive(page, login):
    errors, _ = watch_console(page)
    customer = Customer.objects.get(legal_name=HUADONG)
    contacts = Contact.objects.filter(customer=customer).count()
    projects = Project.objects.filter(customer=customer).count()
    keypoints = KeyPoint.objects.filter(project__customer=customer).count()
    assert contacts and projects and keypoints
    login(page, "lead")
    assert HUADONG in search_customers(page, HUADONG)

    page.locator(f"{CUSTOMER_TABLE} a:text-is('{HUADONG}')").click()
    page.wait_for_url(f"**/customers/{customer.pk}/")
    page.get_by_test_id("archive-customer").click()
    page.wait_for_url(f"**/archive/customer/{customer.pk}/")
    expect(page.locator("main h1")).to_have_text(zh("Archive %(name)s?", name=HUADONG))
    # The confirmation says what goes with the customer before anything happens.
    along = page.get_by_test_id("taken-along").locator("li")
    expect(along).to_have_text(
        [
            zh("%(label)s: %(count)s", label=zh("Contacts"), count=contacts),
            zh("%(label)s: %(count)s", label=zh("Projects"), count=projects),
            zh("%(label)s: %(count)s", label=zh("Key points"), count=keypoints),
        ]
    )
    assert_fits(page)
    assert Customer.objects.filter(pk=customer.pk).exists()

    page.get_by_test_id("confirm-archive").click()
    page.wait_for_url("**/customers/")
    expect(page.locator("main [role=alert]").last).to_contain_text(HUADONG)
    assert not Customer.objects.filter(pk=customer.pk).exists()
    assert Customer.all_objects.get(pk=customer.pk).archived_at is not None
    assert HUADONG not in search_customers(page, HUADONG)

    # The archive is in the person menu, behind the phone's menu button.
    page.click(".navbar-toggler")
    expect(page.locator("#main-nav")).to_be_visible()
    page.get_by_test_id("current-user").click()
    expect(page.locator("details.user-menu")).to_have_attribute("open", "")
    page.locator("#main-nav").get_by_role("link", name=zh("Archive", "the page of archived records")).click()
    page.wait_for_url("**/archive/")
    assert_fits(page)
    listed = page.get_by_test_id("archived-record").filter(has_text=HUADONG)
    expect(listed).to_have_count(1)
    listed.get_by_role("button", name=zh("Restore %(name)s", name=HUADONG)).click()

    page.wait_for_url(f"**/customers/{customer.pk}/")
    expect(page.locator("main [role=alert]").last).to_have_text(zh("%(record)s restored.", record=HUADONG))
    assert Contact.objects.filter(customer=customer).count() == contacts
    assert Project.objects.filter(customer=customer).count() == projects
    assert KeyPoint.objects.filter(project__customer=customer).count() == keypoints
    assert HUADONG in search_customers(page, HUADONG)
    assert errors == []


def test_an_admin_deletes_an_archived_project_for_good_only_once_the_box_is_ticked(page, login):
    errors, expected = watch_console(page)
    project = Project.objects.get(customer__legal_name=BORUN, status=ProjectStatus.OPEN)
    keypoints = list(KeyPoint.objects.filter(project=project).values_list("pk", flat=True))
    assert keypoints
    services.project_archive(project=project, actor=User.objects.get(username="lead"))
    login(page, "admin")

    page.goto("/archive/?kind=project")
    listed = page.get_by_test_id("archived-record").filter(has_text=project.name)
    listed.get_by_role("link", name=zh("Delete %(name)s for good", name=project.name)).click()
    page.wait_for_url(f"**/archive/project/{project.pk}/delete/")
    expected.add(page.url)
    expect(page.get_by_test_id("taken-along")).to_contain_text(str(len(keypoints)))
    box = page.get_by_role("checkbox")
    expect(box).not_to_be_checked()

    # Not ticked: the page says why, and nothing is deleted.
    page.get_by_test_id("confirm-delete").click()
    expect(page.locator("main .invalid-feedback")).to_have_text(
        zh("Tick the box to confirm that this cannot be undone.")
    )
    assert Project.all_objects.filter(pk=project.pk).exists()
    assert KeyPoint.all_objects.filter(pk__in=keypoints).count() == len(keypoints)

    page.get_by_role("checkbox").check()
    page.get_by_test_id("confirm-delete").click()
    page.wait_for_url("**/archive/?kind=project")
    expect(page.locator("main [role=alert]").last).to_have_text(zh("%(record)s deleted for good.", record=project.name))
    expect(page.get_by_test_id("archived-record").filter(has_text=project.name)).to_have_count(0)
    assert not Project.all_objects.filter(pk=project.pk).exists()
    assert not KeyPoint.all_objects.filter(pk__in=keypoints).exists()
    assert errors == []
