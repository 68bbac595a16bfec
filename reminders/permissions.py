"""Who may do what with reminders. Everyone reads their own notifications and sets their own
preferences (the views scope those to the user); only an admin configures the team's reminders."""

from accounts.models import Role


def can_configure(user):
    """Stall thresholds, group robots, the scans' health: an admin's."""
    return user.is_authenticated and user.is_active and user.role == Role.ADMIN
