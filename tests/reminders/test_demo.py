"""`make run` seeds the demo and runs a first scan: rep1 and rep2 each find a stalled project and an
overdue next step among their notifications at once."""

import io

import pytest
from django.core.management import call_command

from accounts.models import User
from reminders.models import Channel, Kind, Reminder


@pytest.mark.django_db
def test_the_demo_shows_reminders_at_once():
    call_command("seed_demo", stdout=io.StringIO())
    out = io.StringIO()
    call_command("run_reminders", stdout=out, stderr=io.StringIO())
    assert "stalls" in out.getvalue() and "overdue" in out.getvalue()
    for username in ("rep1", "rep2"):
        user = User.objects.get(username=username)
        kinds = set(Reminder.objects.filter(recipient=user, channel=Channel.APP).values_list("kind", flat=True))
        assert {Kind.STALL, Kind.OVERDUE} <= kinds, (username, kinds)
    # Run again (a second `make run`): nothing new.
    before = Reminder.objects.count()
    call_command("run_reminders", stdout=io.StringIO(), stderr=io.StringIO())
    assert Reminder.objects.count() == before
