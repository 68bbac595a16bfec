"""Who reads history. A record's history: whoever may read the record (customers.permissions, applied
to the history rows by audit.registry). The team-wide audit log: an admin."""

from accounts.models import Role


def can_read_audit_log(user):
    return user.is_authenticated and user.is_active and user.role == Role.ADMIN
