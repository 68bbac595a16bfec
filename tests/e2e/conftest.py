"""Browser tests: Debian's Chromium, driven by Playwright, against pytest-django's live server."""

import io
import os
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command
from django.db.models import Q
from django.test import override_settings

from accounts.models import Role, User
from customers.models import Customer
from keypoints.management.commands.seed_demo import DEMO_PASSWORD
from tests import snapshot
from tests.conftest import FAST_PASSWORD_HASHERS

# Playwright's sync API runs an event loop in the test thread; Django refuses ORM calls under a
# running loop unless told that this is deliberate.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# What a browser in mainland China sends; the app's default language (zh-hans) is chosen from it.
DEFAULT_LOCALE = "zh-CN"
PHONE = {"viewport": {"width": 375, "height": 812}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}


def reachable_customers(username):
    """The names of the customers a person may see, by the rule as the README states it: admin, lead
    and manager see every customer; a rep those they own, or whose project they own or sit on the team of."""
    user = User.objects.get(username=username)
    customers = Customer.objects.all()
    if user.role == Role.REP:
        customers = customers.filter(Q(owner=user) | Q(projects__owner=user) | Q(projects__members__user=user))
    return set(customers.values_list("legal_name", flat=True))


@pytest.fixture(scope="session")
def chromium_executable():
    """Debian's Chromium; we never download a browser. Missing it skips locally and fails under CI."""
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        if os.environ.get("CI"):
            pytest.fail(
                f"{CHROMIUM} is missing and CI is set: browser tests must run under CI. "
                "Install Debian's chromium: apt-get install chromium",
                pytrace=False,
            )
        pytest.skip(f"{CHROMIUM} is missing; install Debian's chromium: apt-get install chromium")
    return str(CHROMIUM)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args, chromium_executable):
    # Requesting chromium_executable here puts the check ahead of Playwright's launch.
    return {**browser_type_launch_args, "executable_path": chromium_executable, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    # A test changes these with @pytest.mark.browser_context_args(locale="en", ...).
    return {**browser_context_args, "locale": DEFAULT_LOCALE}


def seed_demo():
    """The demo users and customers, and a first reminder scan, as `make run` does."""
    call_command("seed_demo", stdout=io.StringIO())
    call_command("run_reminders", stdout=io.StringIO(), stderr=io.StringIO())


@pytest.fixture(scope="session")
def demo_rows(django_db_setup, django_db_blocker):
    """The demo's rows, seeded once per worker and read back (the seeding is rolled back). Seeded
    before any test's settings apply: the passwords are hashed as every test checks them."""
    with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=FAST_PASSWORD_HASHERS):
        return snapshot.taken(seed_demo)


@pytest.fixture
def demo_data(transactional_db, live_server, demo_rows):
    """The demo data, committed, so that the live server sees them: the rows seeded once per worker,
    written back for each test, which then changes them as it likes."""
    snapshot.restore(demo_rows)


@pytest.fixture
def context(new_context, live_server, demo_data):
    """A fresh browser context per test, pointed at the live server, with the demo data loaded."""
    return new_context(base_url=live_server.url)


@pytest.fixture
def login():
    """Log in through the real login form (which lands on the home page); returns the page, now on the customer list."""

    def log_in(page, username, password=DEMO_PASSWORD):
        page.goto("/accounts/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", password)
        # The footer's language buttons are submit buttons too: take the login form's own.
        page.click("main form button[type=submit]")
        # Everyone lands on their day (/), a manager on the dashboard; the journeys start from the customer list.
        page.wait_for_url(lambda url: urlsplit(url).path in ("/", "/dashboard/"))
        page.goto("/customers/")
        return page

    return log_in
