"""The duplicate-customer check as a person meets it.

To keep one company one customer, whoever creates or renames a customer is told that it already
exists and who owns it, also when it is a customer they may not read. That makes the check a way to
look companies up, so:

- A rep gets DUPLICATE_CHECK_LIMIT lookups (form submissions that look a name or a credit code up)
  per window of DUPLICATE_CHECK_WINDOW_MINUTES, counted in the cache so that every web process shares
  the count. Admins and sales leads are not counted: they see every customer, so the check tells
  them nothing they could not read (a manager writes nothing and never reaches the check).
- Each answer that names a customer outside the asker's scope is kept as a DuplicateLookup, which the
  admin's audit log lists. Answers about customers the asker may read are not kept.
"""

import math

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from . import permissions
from .models import DuplicateLookup

# Kept a while past its window's end, so that an increment right at the end never finds it gone.
KEY_GRACE_SECONDS = 60


class TooManyLookups(Exception):
    """The user has used up this window's lookups."""

    def __init__(self, wait_seconds):
        super().__init__(wait_seconds)
        self.wait_seconds = wait_seconds

    @property
    def wait_minutes(self):
        return max(1, math.ceil(self.wait_seconds / 60))


def _window():
    """(start, seconds left) of the fixed window, aligned on the epoch, that holds this moment."""
    length = settings.DUPLICATE_CHECK_WINDOW_MINUTES * 60
    now = timezone.now().timestamp()
    start = int(now // length) * length
    return start, start + length - now


def is_counted(user):
    return settings.DUPLICATE_CHECK_LIMIT > 0 and not permissions.sees_every_customer(user)


def count_lookup(user):
    """Count one lookup by user; TooManyLookups once they are past the limit in this window."""
    if not is_counted(user):
        return
    start, left = _window()
    key = f"duplicate-check:{user.pk}:{start}"
    # add() then incr(): each is atomic on Redis, so processes asking at once each get their own count.
    cache.add(key, 0, timeout=math.ceil(left) + KEY_GRACE_SECONDS)
    try:
        count = cache.incr(key)
    except ValueError:
        # Evicted in between (a full local-memory cache): count afresh rather than fail.
        cache.set(key, 1, timeout=math.ceil(left) + KEY_GRACE_SECONDS)
        count = 1
    if count > settings.DUPLICATE_CHECK_LIMIT:
        raise TooManyLookups(left)


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
