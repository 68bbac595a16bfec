"""Journeys a person takes through SalesRecord in a real browser, on the demo data."""

import re

import pytest
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext
from playwright.sync_api import expect

from accounts.models import User
from customers.forms import duplicate_customer_message
from customers.models import Customer, HandOver, Project, ProjectMember
from customers.validators import credit_code_check_char, validate_credit_code
from keypoints.models import KeyPoint, NextStepStatus

from .conftest import PHONE, reachable_customers

pytestmark = pytest.mark.e2e

# Demo customers (keypoints/management/commands/_demo_data.py), among many more.
HUADONG = "华东精密制造股份有限公司"  # rep1's
SUZHOU = "苏州恒通物流有限公司"  # rep1's
NINGBO = "宁波海纳电子科技有限公司"  # rep1's; rep2 is on its project team
HANGZHOU = "杭州云栖金融服务有限公司"  # rep2's
HEFEI = "合肥新材能源集团有限公司"  # rep2's
CHENGDU = "成都锦程医疗器械有限公司"  # rep2's
NAMED_CUSTOMERS = {HUADONG, SUZHOU, NINGBO, HANGZHOU, HEFEI, CHENGDU}

# Places 1-17 of a code no demo customer has; the 18th is the check character.
NEW_CODE_BODY = "91310104MA1FR2XK0"
NEW_CUSTOMER = "上海新锐测控技术有限公司"
ACME = "Acme Precision (Shanghai) Co., Ltd."
SAME_CODE = object()  # stands for the existing customer's credit code, typed in lower case

CUSTOMER_TABLE = "[data-testid=customer-table]"


def customer_names(page):
    return set(page.locator(f"{CUSTOMER_TABLE} tbody tr td:first-child a").all_inner_texts())


def all_customer_names(page):
    """The names the customer list shows, page after page."""
    names = customer_names(page)
    number = 1
    while (next_page := page.locator("main a[rel=next]")).count():
        number += 1
        next_page.click()
        page.wait_for_url(re.compile(rf"[?&]page={number}\b"))
        names |= customer_names(page)
    return names


def open_customer(page, name):
    """Find a customer through the list's search, as someone with many customers does, and open it."""
    page.fill("#id_q", name)
    page.locator("main form[role=search] button[type=submit]").click()
    page.wait_for_url("**/customers/?q=*")
    page.click(f"{CUSTOMER_TABLE} a:text-is('{name}')")


def validation_message(code, language):
    """What validate_credit_code says about this code, in the given language."""
    with translation.override(language):
        try:
            validate_credit_code(code)
        except ValidationError as error:
            return error.messages[0]
    raise AssertionError(f"{code} is valid")


def translated(message, language):
    with translation.override(language):
        return gettext(message)


def field_error(page, field_id):
    """The Bootstrap invalid feedback under a form field, as crispy-forms renders it."""
    return page.locator(f"#div_{field_id} .invalid-feedback")


def wrong_check_char(body):
    right = credit_code_check_char(body)
    return body + ("0" if right != "0" else "1")


@pytest.mark.parametrize(
    ("username", "display_name", "sees", "does_not_see"),
    [
        ("rep1", "李明", {HUADONG, SUZHOU, NINGBO}, {HANGZHOU, HEFEI, CHENGDU}),
        ("rep2", "陈静", {HANGZHOU, HEFEI, CHENGDU, NINGBO}, {HUADONG, SUZHOU}),
        ("lead", "赵强", NAMED_CUSTOMERS, set()),
        ("admin", "系统管理员", NAMED_CUSTOMERS, set()),
        ("manager", "孙总监", NAMED_CUSTOMERS, set()),
    ],
)
def test_each_role_sees_its_customers_after_logging_in(page, login, username, display_name, sees, does_not_see):
    login(page, username)

    expect(page.get_by_test_id("current-user")).to_contain_text(display_name)
    expect(page.locator(CUSTOMER_TABLE)).to_be_visible()
    shown = all_customer_names(page)
    assert sees <= shown
    assert not shown & does_not_see
    assert shown == reachable_customers(username)


def test_manager_finds_no_edit_controls(page, login):
    login(page, "manager")
    main = page.locator("main")
    expect(main.locator("a[href='/customers/new/']")).to_have_count(0)
    expect(page.get_by_role("link", name=translated("New customer", "zh-hans"))).to_have_count(0)

    open_customer(page, HUADONG)
    expect(page.locator("main h1")).to_have_text(HUADONG)
    for control in ("Edit customer", "New project", "Add contact", "Edit"):
        expect(main.get_by_role("link", name=translated(control, "zh-hans"), exact=True)).to_have_count(0)
    expect(main.locator("a[href*='/edit/'], a[href*='/new/']")).to_have_count(0)
    expect(main.locator("form[method=post]")).to_have_count(0)  # no reassign, no remove

    page.click("main a[href^='/projects/']")
    expect(page.get_by_test_id("project-stage")).to_be_visible()
    expect(main.locator("a[href*='/edit/'], a[href*='/new/']")).to_have_count(0)
    expect(main.locator("form[method=post]")).to_have_count(0)

    # Typing the address is refused too.
    response = page.goto("/customers/new/")
    assert response.status == 403


@pytest.mark.browser_context_args(locale="en")
def test_rep_corrects_a_wrong_credit_code_and_lands_on_the_new_customer(page, login):
    bad_code, good_code = wrong_check_char(NEW_CODE_BODY), NEW_CODE_BODY + credit_code_check_char(NEW_CODE_BODY)
    login(page, "rep1")
    page.click("main a[href='/customers/new/']")
    expect(page.locator("html")).to_have_attribute("lang", "en")

    page.fill("#id_legal_name", NEW_CUSTOMER)
    page.fill("#id_credit_code", bad_code)
    page.select_option("#id_industry", "manufacturing")
    page.fill("#id_employee_count", "120")
    page.click("main form button[type=submit]")

    expect(page.locator("#id_credit_code")).to_have_class(re.compile(r"\bis-invalid\b"))
    expect(field_error(page, "id_credit_code")).to_have_text(validation_message(bad_code, "en"))
    assert not Customer.objects.filter(legal_name=NEW_CUSTOMER).exists()
    # What was typed is still there, to be corrected rather than retyped.
    expect(page.locator("#id_legal_name")).to_have_value(NEW_CUSTOMER)

    page.fill("#id_credit_code", good_code.lower())  # as typed on a phone; the app normalises it
    page.click("main form button[type=submit]")

    page.wait_for_url(re.compile(r"/customers/\d+/$"))
    expect(page.locator("main h1")).to_have_text(NEW_CUSTOMER)
    customer = Customer.objects.get(legal_name=NEW_CUSTOMER)
    assert page.url.endswith(f"/customers/{customer.pk}/")
    assert customer.credit_code == good_code
    assert customer.owner.username == "rep1"
    expect(page.locator("main [role=alert]")).to_contain_text(NEW_CUSTOMER)


def test_wrong_credit_code_is_flagged_in_the_default_language(page, login):
    bad_code = wrong_check_char(NEW_CODE_BODY)
    login(page, "rep2")
    page.goto("/customers/new/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")

    page.fill("#id_legal_name", NEW_CUSTOMER)
    page.fill("#id_credit_code", bad_code)
    page.select_option("#id_industry", "it")
    page.click("main form button[type=submit]")

    expect(page.locator("#id_credit_code")).to_have_class(re.compile(r"\bis-invalid\b"))
    expect(field_error(page, "id_credit_code")).to_have_text(validation_message(bad_code, "zh-hans"))
    assert not Customer.objects.filter(legal_name=NEW_CUSTOMER).exists()


@pytest.mark.parametrize(
    ("typed_name", "typed_code", "field_id", "existing_name"),
    [
        pytest.param(f"  {HUADONG}  ", "", "id_legal_name", HUADONG, id="same-name-with-spaces"),
        pytest.param(f"  {ACME.upper()} ", "", "id_legal_name", ACME, id="same-name-other-case"),
        pytest.param("华东精密制造有限公司", SAME_CODE, "id_credit_code", HUADONG, id="same-credit-code-lower-case"),
    ],
)
def test_rep_is_told_a_customer_exists_and_who_owns_it(page, login, typed_name, typed_code, field_id, existing_name):
    # The demo names are Chinese, which has no case: a Latin name owned by rep1 shows case folding.
    Customer.objects.create(legal_name=ACME, industry="manufacturing", owner=User.objects.get(username="rep1"))
    existing = Customer.objects.get(legal_name=existing_name)
    if typed_code == SAME_CODE:
        typed_code = existing.credit_code.lower()
    customers_before = Customer.objects.count()

    login(page, "rep2")
    page.goto("/customers/new/")
    page.fill("#id_legal_name", typed_name)
    page.fill("#id_credit_code", typed_code)
    page.select_option("#id_industry", "manufacturing")
    page.click("main form button[type=submit]")

    with translation.override("zh-hans"):
        message = str(duplicate_customer_message(existing))
    feedback = field_error(page, field_id)
    expect(feedback).to_have_text(message)
    expect(feedback).to_contain_text(existing_name)
    expect(feedback).to_contain_text("李明")
    assert Customer.objects.count() == customers_before


@pytest.mark.browser_context_args(**PHONE)
def test_pages_fit_a_phone_and_the_menu_opens(page, login):
    login(page, "lead")
    customer = Customer.objects.get(legal_name=HUADONG)
    project = customer.projects.get()
    customers_link = page.locator("#main-nav").get_by_role("link", name=translated("Customers", "zh-hans"), exact=True)

    rep1, rep2 = User.objects.get(username="rep1"), User.objects.get(username="rep2")
    handover_previews = (
        f"/handovers/customer/{customer.pk}/?to_user={rep2.pk}",
        f"/handovers/?from_user={rep1.pk}&to_user={rep2.pk}",
    )
    for path in (
        "/customers/",
        f"/customers/{customer.pk}/",
        f"/projects/{project.pk}/",
        "/customers/new/",
        *handover_previews,
    ):
        response = page.goto(path)
        assert response.status == 200, path
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 375, f"{path} scrolls sideways: {width}px wide"
        expect(page.locator(".navbar-toggler")).to_be_visible()
        expect(customers_link).to_be_hidden()

    page.click(".navbar-toggler")
    expect(customers_link).to_be_visible()
    customers_link.click()
    page.wait_for_url("**/customers/")
    expect(page.locator(CUSTOMER_TABLE)).to_be_visible()


def test_language_switch_carries_through_login_and_back(page, login):
    page.goto("/accounts/login/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.locator("footer button[value=zh-hans]")).to_have_class(re.compile(r"\bbtn-secondary\b"))

    page.click("footer button[name=language][value=en]")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    assert page.url.endswith("/accounts/login/")

    login(page, "rep1")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("main h1")).to_have_text(translated("Customers", "en"))
    expect(page.locator("footer button[value=en]")).to_have_class(re.compile(r"\bbtn-secondary\b"))

    page.click(f"{CUSTOMER_TABLE} a:text-is('{HUADONG}')")
    customer_url = page.url
    page.click("footer button[name=language][value=zh-hans]")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    assert page.url == customer_url  # back on the same page, now in Chinese
    page.goto("/customers/")
    expect(page.locator("main h1")).to_have_text(translated("Customers", "zh-hans"))


def test_lead_hands_a_customer_over_and_the_old_owner_loses_it(page, login, new_context, live_server):
    customer = Customer.objects.get(legal_name=HUADONG)
    deal = customer.projects.get()
    rep1_steps = KeyPoint.objects.filter(
        project=deal, next_step_owner__username="rep1", next_step_status=NextStepStatus.OPEN
    )
    steps = list(rep1_steps.all())
    assert deal.owner.username == "rep1" and steps
    login(page, "lead")
    open_customer(page, HUADONG)

    page.select_option("#id_to_user", label="陈静")
    page.get_by_role("button", name=translated("Preview hand-over", "zh-hans")).click()
    preview = page.get_by_test_id("handover-preview")
    expect(preview.get_by_role("checkbox", name=re.compile(f"^{re.escape(deal.name)}"))).to_be_checked()
    for step in steps:
        expect(preview.get_by_role("checkbox", name=re.compile(f"^{re.escape(step.next_step)}"))).to_be_checked()
    expect(preview.get_by_test_id("viewers-after")).to_contain_text("陈静")
    expect(preview.get_by_test_id("from-loses")).to_contain_text("李明")
    assert Customer.objects.get(pk=customer.pk).owner.username == "rep1"  # a preview moves nothing

    preview.get_by_label(translated("Note", "zh-hans")).fill("李明调往华南区")
    preview.get_by_role("button", name=translated("Confirm hand-over", "zh-hans")).click()

    page.wait_for_url(f"**/customers/{customer.pk}/")
    expect(page.get_by_test_id("customer-owner")).to_have_text("陈静")
    expect(page.get_by_test_id("handovers")).to_contain_text("李明 → 陈静")
    expect(page.get_by_test_id("handovers")).to_contain_text("李明调往华南区")
    assert Project.objects.get(pk=deal.pk).owner.username == "rep2"
    assert not rep1_steps.exists()
    assert HandOver.objects.filter(customer=customer).count() == 1

    rep1 = new_context(base_url=live_server.url).new_page()
    login(rep1, "rep1")
    assert HUADONG not in customer_names(rep1)
    assert rep1.goto(f"/customers/{customer.pk}/").status == 404


@pytest.mark.browser_context_args(**PHONE)
def test_admin_hands_everything_of_a_leaver_to_a_colleague_on_a_phone(page, login):
    rep1 = User.objects.get(username="rep1")
    ningbo = Customer.objects.get(legal_name=NINGBO)
    assert ProjectMember.objects.filter(project__customer=ningbo, user__username="rep2").exists()
    holds = Q(owner=rep1) | Q(projects__owner=rep1) | Q(projects__members__user=rep1)
    holds |= Q(projects__keypoints__next_step_owner=rep1, projects__keypoints__next_step_status=NextStepStatus.OPEN)
    customers_held = Customer.objects.filter(holds).distinct().count()
    login(page, "admin")

    page.goto("/handovers/")
    page.select_option("#id_person", value=str(rep1.pk))
    page.get_by_role("button", name=translated("Open their page", "zh-hans")).click()
    page.wait_for_url(f"**/handovers/person/{rep1.pk}/")
    expect(page.get_by_test_id("handover-holdings")).to_contain_text(NINGBO)

    page.select_option("#id_to_user", label="陈静 · 销售代表")
    page.get_by_role("button", name=translated("Preview hand-over", "zh-hans")).click()
    # Measure only once the preview has loaded: mid-navigation there is no document to measure.
    page.wait_for_url(f"**/handovers/person/{rep1.pk}/?to_user=*")
    expect(page.get_by_test_id("handover-preview")).to_be_visible()
    expect(page.get_by_test_id("handover-part")).to_have_count(customers_held)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"the leaver's preview scrolls sideways: {width}px wide"
    page.get_by_role("button", name=translated("Hand everything over", "zh-hans")).click()

    expect(page.get_by_test_id("holds-nothing")).to_be_visible()
    expect(page.locator("main [role=alert]")).to_contain_text("陈静")
    assert not Customer.objects.filter(owner=rep1).exists()
    assert not Project.objects.filter(owner=rep1).exists()
    assert not KeyPoint.objects.filter(next_step_owner=rep1, next_step_status=NextStepStatus.OPEN).exists()
    # rep2 owned a place on Ningbo's team; now they own the project itself, and sit on no team of their own.
    assert not ProjectMember.objects.filter(project__customer=ningbo, user__username="rep2").exists()
