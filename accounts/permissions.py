"""Who runs the team's accounts: an admin alone creates people, sets roles, resets passwords and
deactivates. Everyone changes their own password (Django's own view)."""

from .models import Role


def can_manage_accounts(user):
    return user.is_authenticated and user.is_active and user.role == Role.ADMIN
