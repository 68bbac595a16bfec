"""Who imports: sales leads and admins, for any owner. Reps and the manager cannot reach an import."""

from django.core.exceptions import PermissionDenied

from customers import permissions as customer_permissions


def can_import(user):
    # The same people who assign customers to owners: an import creates customers for any owner.
    return customer_permissions.can_reassign(user)


def require_import(user):
    if not can_import(user):
        raise PermissionDenied
