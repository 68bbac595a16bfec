"""The account rules at the service, where they are kept whoever calls them: the team always keeps an
active admin, a change is recorded against the person who made it, and lifting one person's lockout
leaves everyone else's."""

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from accounts import services
from accounts.models import Role
from tests.factories import PASSWORD, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

LAST_ADMIN = "The team needs at least one active admin."


def message(raised):
    return raised.value.messages[0]


def test_the_last_active_admin_cannot_be_deactivated_whoever_asks(lead):
    only_admin = UserFactory(username="only-admin", role=Role.ADMIN)
    UserFactory(username="gone-admin", role=Role.ADMIN, is_active=False)  # an inactive admin does not count
    with pytest.raises(ValidationError) as raised:
        services.deactivate(user=only_admin, actor=lead)
    assert message(raised) == LAST_ADMIN
    only_admin.refresh_from_db()
    assert only_admin.is_active


def test_an_admin_is_deactivated_while_another_active_admin_remains(admin):
    second = UserFactory(username="admin2", role=Role.ADMIN)
    assert services.deactivate(user=second, actor=admin).is_active is False
    second.refresh_from_db()
    assert not second.is_active
    assert second.history.first().history_user == admin


@pytest.mark.parametrize("role", [Role.REP, Role.LEAD, Role.MANAGER])
def test_anyone_but_an_admin_is_deactivated_even_with_no_admin_left(lead, role):
    person = UserFactory(username="leaver", role=role)
    services.deactivate(user=person, actor=lead)
    person.refresh_from_db()
    assert not person.is_active


def test_no_one_deactivates_themselves(admin):
    UserFactory(username="admin2", role=Role.ADMIN)
    with pytest.raises(ValidationError) as raised:
        services.deactivate(user=admin, actor=admin)
    assert message(raised) == "You cannot deactivate your own account."


def test_the_last_admin_keeps_the_role_but_changes_their_name(admin):
    with pytest.raises(ValidationError) as raised:
        services.user_update(user=admin, role=Role.LEAD, display_name="新名字", email=admin.email, actor=admin)
    assert message(raised) == "The team needs at least one active admin: make someone else admin first."
    updated = services.user_update(
        user=admin, role=Role.ADMIN, display_name="新名字", email="new@example.com", actor=admin
    )
    assert (updated.role, updated.display_name, updated.email) == (Role.ADMIN, "新名字", "new@example.com")


@pytest.mark.parametrize("role", [Role.REP, Role.LEAD, Role.MANAGER])
def test_anyone_but_an_admin_is_updated_with_no_admin_in_the_team(lead, role):
    person = UserFactory(username="someone", role=role)
    services.user_update(user=person, role=Role.LEAD, display_name="改名", email=person.email, actor=lead)
    person.refresh_from_db()
    assert (person.role, person.display_name) == (Role.LEAD, "改名")
    assert person.history.first().history_user == lead


def test_a_new_account_and_a_return_are_recorded_against_the_admin(admin):
    created = services.user_create(
        user=UserFactory.build(username="newbie", role=Role.REP), password=PASSWORD, actor=admin
    )
    assert created.history.first().history_user == admin
    services.deactivate(user=created, actor=admin)
    services.reactivate(user=created, actor=admin)
    created.refresh_from_db()
    assert created.is_active
    assert created.history.first().history_user == admin


def lock_out(username, settings):
    client = Client()
    for index in range(settings.AXES_FAILURE_LIMIT):
        client.post(
            reverse("accounts:login"), {"username": username, "password": "wrong"}, REMOTE_ADDR=f"10.0.1.{index}"
        )


def can_log_in(user, address="10.9.9.9"):
    response = Client().post(
        reverse("accounts:login"), {"username": user.username, "password": PASSWORD}, REMOTE_ADDR=address
    )
    return response.status_code == 302


@pytest.mark.parametrize("lift", ["unlock", "set_password"])
def test_lifting_one_persons_lockout_leaves_everyone_elses(admin, rep, other_rep, settings, lift):
    settings.AXES_FAILURE_LIMIT = 3
    lock_out(rep.username, settings)
    lock_out(other_rep.username, settings)
    if lift == "unlock":
        services.unlock(user=rep, actor=admin)
    else:
        services.set_password(user=rep, password=PASSWORD, actor=admin)
    assert can_log_in(rep)
    assert not can_log_in(other_rep)
