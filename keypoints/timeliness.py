"""How soon after its event a key point was written: the one rule the ledger, its filter, its export
and the dashboards read.

The delay is the time from the event (`occurred_at`) to the record (`created_at`), computed in SQL; a
record written ahead of its event's time has no delay. A record is on time when written at most
ON_TIME after its event.
"""

import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import DurationField, F, Value
from django.db.models.functions import Greatest
from django.db.models.lookups import GreaterThan, LessThanOrEqual
from django.utils import timezone

ON_TIME = datetime.timedelta(hours=24)
LONG_AFTER = datetime.timedelta(days=7)

NO_DELAY = datetime.timedelta(0)


def recording_delay():
    """The delay as a SQL expression (a duration, never negative)."""
    return Greatest(
        F("created_at") - F("occurred_at"), Value(NO_DELAY, output_field=DurationField()), output_field=DurationField()
    )


def recorded_within(limit):
    """A condition (for filter() or an aggregate's filter=): written at most `limit` after the event."""
    return LessThanOrEqual(recording_delay(), limit)


def recorded_after(limit):
    """A condition: written more than `limit` after the event."""
    return GreaterThan(recording_delay(), limit)


def days_later(keypoint):
    """Calendar days between the event and its record, in local time: 0 for the same day (or ahead)."""
    occurred = timezone.localdate(keypoint.occurred_at)
    recorded = timezone.localdate(keypoint.created_at)
    return max((recorded - occurred).days, 0)


def hours(delay):
    """A delay in hours, to one decimal: what the export writes."""
    seconds = Decimal(delay.days * 86400 + delay.seconds)
    return (seconds / 3600).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
