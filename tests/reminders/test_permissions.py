"""Configuring reminders is an admin's: the rule, and the menu entry that follows it, for each role."""

import pytest

from reminders import permissions


@pytest.mark.parametrize(("role", "allowed"), [("admin", True), ("lead", False), ("rep", False), ("manager", False)])
def test_only_an_admin_configures_reminders(client_for, users, role, allowed):
    user = users[role]
    assert permissions.can_configure(user) is allowed
    page = client_for(user).get("/customers/").content.decode()
    assert ('href="/reminders/settings/"' in page) is allowed


def test_a_deactivated_admin_configures_nothing(admin):
    admin.is_active = False
    assert permissions.can_configure(admin) is False
