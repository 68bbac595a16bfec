"""Failed logins are counted per name and per address; past the limit the login is refused, even with
the right password, and the page says why, in the person's language."""

import datetime

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

LOGIN = reverse("accounts:login")


def log_in(client, username, password, address="127.0.0.1"):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address)


def logged_in(client):
    return "_auth_user_id" in client.session


@pytest.fixture
def limit(settings):
    settings.AXES_FAILURE_LIMIT = 3
    return 3


def test_past_the_limit_even_the_right_password_is_refused_with_a_message(client, rep, limit):
    for _ in range(limit - 1):
        assert log_in(client, rep.username, "wrong").status_code == 200
    assert log_in(client, rep.username, "wrong").status_code == 429

    response = log_in(client, rep.username, PASSWORD)

    assert response.status_code == 429
    assert not logged_in(client)
    assert "登录失败次数过多" in response.content.decode()


def test_the_message_speaks_english_to_an_english_reader(rep, limit):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.cookies["django_language"] = "en"
    for _ in range(limit):
        log_in(client, rep.username, "wrong")

    response = log_in(client, rep.username, PASSWORD)

    assert response.status_code == 429
    assert "Too many failed logins" in response.content.decode()
    assert "15 minutes" in response.content.decode()


def test_a_name_is_locked_from_every_address(client, rep, limit):
    for index in range(limit):
        log_in(client, rep.username, "wrong", address=f"10.0.0.{index + 1}")

    assert log_in(client, rep.username, PASSWORD, address="10.9.9.9").status_code == 429
    assert not logged_in(client)


def test_an_address_trying_many_names_is_locked_for_every_name(client, rep, limit):
    for index in range(limit):
        log_in(client, f"guess{index}", "wrong", address="10.1.1.1")

    assert log_in(client, rep.username, PASSWORD, address="10.1.1.1").status_code == 429
    # The same person from their own address is not.
    assert log_in(client, rep.username, PASSWORD, address="10.2.2.2").status_code == 302


def test_a_success_clears_the_count(client, rep, limit):
    for _ in range(limit - 1):
        log_in(client, rep.username, "wrong")
    assert log_in(client, rep.username, PASSWORD).status_code == 302
    client.logout()
    for _ in range(limit - 1):
        log_in(client, rep.username, "wrong")

    assert log_in(client, rep.username, PASSWORD).status_code == 302


def test_the_lockout_ends_after_the_cool_off(client, rep, limit, settings):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        for _ in range(limit):
            log_in(client, rep.username, "wrong")
        assert log_in(client, rep.username, PASSWORD).status_code == 429
    with time_machine.travel(start + settings.AXES_COOLOFF_TIME + datetime.timedelta(seconds=1), tick=False):
        assert log_in(client, rep.username, PASSWORD).status_code == 302


def test_an_admin_lifts_a_lockout(client, rep, admin, limit):
    for index in range(limit):
        log_in(client, rep.username, "wrong", address=f"10.0.0.{index + 1}")
    admin_client = Client()
    admin_client.force_login(admin)
    page = admin_client.get(reverse("accounts:user_edit", args=[rep.pk]))
    assert page.context["locked"] is True
    listed = admin_client.get(reverse("accounts:users"))
    assert rep.username in listed.context["locked"]

    assert admin_client.post(reverse("accounts:user_unlock", args=[rep.pk])).status_code == 302

    assert log_in(client, rep.username, PASSWORD, address="10.5.5.5").status_code == 302


def test_a_new_password_from_an_admin_lifts_the_lockout(client, rep, admin, limit):
    for index in range(limit):
        log_in(client, rep.username, "wrong", address=f"10.0.0.{index + 1}")
    admin_client = Client()
    admin_client.force_login(admin)
    new = "Qiantang-river-2026"

    admin_client.post(reverse("accounts:user_password", args=[rep.pk]), {"new_password1": new, "new_password2": new})

    assert log_in(client, rep.username, new, address="10.5.5.5").status_code == 302


def test_sessions_expire(settings, client, rep):
    assert settings.SESSION_COOKIE_AGE == 12 * 3600
    log_in(client, rep.username, PASSWORD)
    assert client.session.get_expiry_age() == 12 * 3600
