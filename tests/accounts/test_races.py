"""Two admins at the same moment, on real PostgreSQL: the team never ends up without an admin."""

import contextlib
import os
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from accounts import services
from accounts.models import Role, User
from salesrecord import versions
from tests.factories import UserFactory

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql" and not os.environ.get("CI"),
        reason="a race needs a real database server: run with DATABASE_URL=postgres://...",
    ),
]


@pytest.fixture
def checked_together(monkeypatch):
    """Hold each admin just after the rule is checked, until the other has checked too (or for a
    second, if the other cannot check yet because it waits for the lock): without the lock both
    would pass the check before either writes."""
    after_check = threading.Barrier(2, timeout=1.5)
    check = services._lock_with_the_admins

    def check_then_wait(user):
        result = check(user)
        with contextlib.suppress(threading.BrokenBarrierError):
            after_check.wait()
        return result

    monkeypatch.setattr(services, "_lock_with_the_admins", check_then_wait)


def at_once(*calls):
    barrier = threading.Barrier(len(calls))
    outcomes = [None] * len(calls)

    def run(index):
        try:
            barrier.wait()
            calls[index]()
            outcomes[index] = "done"
        except ValidationError as refused:
            outcomes[index] = refused.messages[0]
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(index,)) for index in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def test_two_admins_deactivating_each_other_at_once_leave_one_admin(checked_together):
    first = UserFactory(username="admin-a", role=Role.ADMIN)
    second = UserFactory(username="admin-b", role=Role.ADMIN)

    outcomes = at_once(
        lambda: services.deactivate(user=second, actor=first),
        lambda: services.deactivate(user=first, actor=second),
    )

    assert sorted(outcome == "done" for outcome in outcomes) == [False, True]
    assert User.objects.filter(role=Role.ADMIN, is_active=True).count() == 1


def test_two_admins_stepping_down_at_once_leave_one_admin(checked_together):
    first = UserFactory(username="admin-a", role=Role.ADMIN)
    second = UserFactory(username="admin-b", role=Role.ADMIN)

    outcomes = at_once(
        lambda: services.user_update(user=first, role=Role.LEAD, display_name="", email="", actor=first),
        lambda: services.user_update(user=second, role=Role.LEAD, display_name="", email="", actor=second),
    )

    assert sorted(outcome == "done" for outcome in outcomes) == [False, True]
    assert User.objects.filter(role=Role.ADMIN, is_active=True).count() == 1


def test_two_admins_editing_one_account_from_one_version_at_once_one_is_refused(monkeypatch):
    first = UserFactory(username="admin-a", role=Role.ADMIN)
    second = UserFactory(username="admin-b", role=Role.ADMIN)
    person = UserFactory(username="rep-a", role=Role.REP)
    seen = versions.version_of(person)
    # Each waits, once it has checked the version, until the other has checked too (or for a second
    # and a half, when the other waits for the row lock): without the lock both would pass the check
    # before either saved.
    after_check = threading.Barrier(2, timeout=1.5)
    check = versions.lock_unchanged

    def check_then_wait(instance, seen):
        check(instance, seen)
        with contextlib.suppress(threading.BrokenBarrierError):
            after_check.wait()

    monkeypatch.setattr(versions, "lock_unchanged", check_then_wait)

    def edit(actor, name):
        return lambda: services.user_update(
            user=person, role=Role.REP, display_name=name, email="", actor=actor, seen=seen
        )

    outcomes = at_once(edit(first, "甲"), edit(second, "乙"))

    assert sorted(outcome == "done" for outcome in outcomes) == [False, True], outcomes
    refused = next(outcome for outcome in outcomes if outcome != "done")
    winner = first if outcomes[0] == "done" else second
    assert str(winner) in refused
    assert User.history.filter(id=person.pk).count() == 2  # created, then the one change
