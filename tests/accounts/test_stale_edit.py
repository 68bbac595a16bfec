"""Two admins edit one account: the second save, made over the first's change, is refused, names who
changed what and keeps the input; saved again, it goes through. A login or a new password meanwhile
changes nothing the form shows, and refuses nothing."""

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.text import capfirst

from accounts import services
from accounts.models import Role, User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def label(field):
    with translation.override("zh-hans"):
        return str(capfirst(User._meta.get_field(field).verbose_name))


@pytest.fixture
def other_admin(db):
    return UserFactory(username="admin2", display_name="周管理", role=Role.ADMIN)


def opened(client, person):
    return client.get(reverse("accounts:user_edit", args=[person.pk])).context["form"]["version"].value()


def test_saving_an_account_over_another_admins_change_is_refused_and_keeps_the_input(
    client_for, client, admin, other_admin, rep
):
    url = reverse("accounts:user_edit", args=[rep.pk])
    mine = opened(client_for(admin), rep)
    theirs = opened(client_for(other_admin), rep)
    assert (
        client.post(url, {"display_name": "张三", "email": rep.email, "role": "rep", "version": theirs}).status_code
        == 302
    )

    client.force_login(admin)
    payload = {"display_name": "李四", "email": "lisi@example.com", "role": "lead", "version": mine}
    refused = client.post(url, payload)

    assert refused.status_code == 409
    message = " ".join(refused.context["form"].non_field_errors())
    assert str(other_admin) in message and label("display_name") in message
    assert label("role") not in message  # only what they changed is named
    rep.refresh_from_db()
    assert (rep.display_name, rep.role) == ("张三", Role.REP)
    kept = refused.context["form"]
    assert (kept["display_name"].value(), kept["email"].value(), kept["role"].value()) == (
        "李四",
        "lisi@example.com",
        "lead",
    )
    again = client.post(url, {**payload, "version": kept["version"].value()})
    assert again.status_code == 302
    rep.refresh_from_db()
    assert (rep.display_name, rep.role) == ("李四", Role.LEAD)


def test_a_deactivation_meanwhile_is_named_as_the_change(client_for, client, admin, other_admin, rep):
    url = reverse("accounts:user_edit", args=[rep.pk])
    mine = opened(client_for(admin), rep)
    services.deactivate(user=rep, actor=other_admin)

    client.force_login(admin)
    refused = client.post(url, {"display_name": "李四", "email": rep.email, "role": "rep", "version": mine})

    assert refused.status_code == 409
    message = " ".join(refused.context["form"].non_field_errors())
    assert str(other_admin) in message and label("is_active") in message


def test_a_login_or_a_new_password_meanwhile_refuses_nothing(client_for, client, admin, other_admin, rep):
    url = reverse("accounts:user_edit", args=[rep.pk])
    mine = opened(client_for(admin), rep)
    services.set_password(user=rep, password="Another-long-password-7", actor=other_admin)
    logged_in = Client().post(
        reverse("accounts:login"), {"username": rep.username, "password": "Another-long-password-7"}
    )
    assert logged_in.status_code == 302

    client.force_login(admin)
    saved = client.post(url, {"display_name": "李四", "email": rep.email, "role": "rep", "version": mine})

    assert saved.status_code == 302
    rep.refresh_from_db()
    assert rep.display_name == "李四" and rep.last_login is not None


def test_each_account_change_is_kept_with_who_made_it(client_for, admin, rep):
    client_for(admin).post(
        reverse("accounts:user_edit", args=[rep.pk]),
        {"display_name": "李四", "email": rep.email, "role": "rep", "version": opened(client_for(admin), rep)},
    )
    newest = User.history.filter(id=rep.pk).order_by("-history_id").first()
    assert (newest.display_name, newest.history_user) == ("李四", admin)
    assert not hasattr(newest, "password")
