"""The duplicate-customer check as a person meets it.

To keep one company one customer, whoever creates or renames a customer is told that it already
exists and who owns it, also when it is a customer they may not read. That makes the check a way to
look companies up, so each answer that names a customer outside the asker's scope is kept as a
DuplicateLookup, which the admin's audit log lists. Answers about customers the asker may read are
not kept.
"""

from . import permissions
from .models import DuplicateLookup


def record_answer(*, user, existing, legal_name="", credit_code=""):
    """Keep an answer that named existing to user, when it lies outside their scope. The entry, or None."""
    if permissions.visible_customers(user).filter(pk=existing.pk).exists():
        return None
    return DuplicateLookup.objects.create(
        user=user,
        legal_name=legal_name,
        credit_code=credit_code,
        customer=existing,
        customer_name=existing.legal_name,
        owner_id=existing.owner_id,
    )
