"""Logging in and out, changing a password, and the language the pages speak."""

import pytest
from django.urls import reverse

from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def test_login_page_is_public(client):
    assert client.get(reverse("accounts:login")).status_code == 200


def test_rep_logs_in_and_lands_on_their_day(client, rep):
    response = client.post(reverse("accounts:login"), {"username": rep.username, "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("home")


def test_wrong_password_is_refused_with_a_message(client, rep):
    response = client.post(reverse("accounts:login"), {"username": rep.username, "password": "wrong"})
    assert response.status_code == 200
    assert response.context["form"].errors
    assert "_auth_user_id" not in client.session


def test_inactive_user_cannot_log_in(client, rep):
    rep.is_active = False
    rep.save()
    client.post(reverse("accounts:login"), {"username": rep.username, "password": PASSWORD})
    assert "_auth_user_id" not in client.session


def test_logout_needs_post_and_ends_the_session(client_for, rep):
    client = client_for(rep)
    assert client.get(reverse("accounts:logout")).status_code == 405
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert client.get(reverse("customers:list")).status_code == 302


@pytest.mark.parametrize("role", ["admin", "lead", "rep", "manager"])
def test_every_role_changes_their_password(client_for, users, role):
    user = users[role]
    response = client_for(user).post(
        reverse("accounts:password_change"),
        {"old_password": PASSWORD, "new_password1": "a-new-long-pass-2026", "new_password2": "a-new-long-pass-2026"},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("a-new-long-pass-2026")


def test_password_change_needs_login(client):
    assert client.get(reverse("accounts:password_change")).status_code == 302


def test_pages_speak_chinese_by_default(client_for, rep):
    response = client_for(rep).get(reverse("customers:list"))
    assert '<html lang="zh-hans">' in response.content.decode()
    assert "客户" in response.content.decode()


def test_english_browser_gets_english_pages(client_for, rep):
    response = client_for(rep).get(reverse("customers:list"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    html = response.content.decode()
    assert '<html lang="en">' in html and "New customer" in html


def test_language_switcher_overrides_the_browser(client_for, rep):
    client = client_for(rep)
    client.post(reverse("set_language"), {"language": "en", "next": "/customers/"})
    response = client.get(reverse("customers:list"), HTTP_ACCEPT_LANGUAGE="zh-CN")
    assert '<html lang="en">' in response.content.decode()


def test_language_switcher_works_on_the_login_page(client):
    response = client.post(reverse("set_language"), {"language": "en", "next": "/accounts/login/"})
    assert response.status_code == 302
    assert '<html lang="en">' in client.get(reverse("accounts:login")).content.decode()


def test_pages_carry_a_content_security_policy(client_for, rep):
    policy = client_for(rep).get(reverse("customers:list"))["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "unsafe-inline" not in policy
