"""Thin tasks: each calls a service; deliveries are enqueued once the rows they send are committed."""

from celery import shared_task
from celery.signals import beat_init
from django.db import transaction
from django.utils import timezone

from salesrecord import once

from . import delivery, services, summary
from .models import ScanRun

# A failed email or chat post is tried again after 30 s, 1 min, 2 min... up to an hour apart, for about a day.
RETRY = {
    "autoretry_for": (delivery.DeliveryFailed,),
    "retry_backoff": 30,
    "retry_backoff_max": 3600,
    "max_retries": services.MAX_ATTEMPTS - 1,
}


@shared_task(**RETRY)
def deliver(reminder_pk):
    return delivery.deliver(reminder_pk)


def enqueue_deliveries(reminders):
    for reminder in reminders:
        transaction.on_commit(lambda pk=reminder.pk: deliver.delay(pk))


@shared_task(**RETRY)
def deliver_summary(delivery_pk):
    return delivery.deliver_summary(delivery_pk)


@shared_task
def daily_summary():
    """Today's summary to each lead and manager who wants it, and to the group robots that post it."""
    created = summary.run(timezone.localdate())
    for row in created:
        transaction.on_commit(lambda pk=row.pk: deliver_summary.delay(pk))
    # Once a day is often enough to forget old create-form tokens.
    once.prune()
    return len(created)


@shared_task
def scan_stalls():
    created = services.run_scan(ScanRun.Job.STALLS)
    enqueue_deliveries(created + services.stranded())
    return len(created)


@shared_task
def scan_overdue():
    created = services.run_scan(ScanRun.Job.OVERDUE)
    enqueue_deliveries(created + services.stranded())
    return len(created)


@beat_init.connect
def scan_when_the_scheduler_starts(sender=None, **kwargs):
    """An interval schedule first fires one interval after beat starts: scan at once as well, so that
    a fresh start reminds (and reports itself alive) without waiting an hour."""
    scan_stalls.delay()
    scan_overdue.delay()
