"""The reminder services' rules at the service, whoever calls them: a save of the stall thresholds over a
newer one is refused naming who saved which stages and when, a person's preferences keep their latest
save, and the stall scan reads each project's owner with it."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.models import Role
from customers.models import StallSetting
from keypoints.stages import StageNumber
from reminders import services
from reminders.models import Preference
from tests.factories import KeyPointFactory, ProjectFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def test_a_threshold_save_over_a_newer_one_is_refused_naming_who_which_stages_and_when(admin):
    other_admin = UserFactory(username="admin2", role=Role.ADMIN)
    services.save_thresholds(thresholds={2: 9, 5: 12}, actor=other_admin)
    saved_at = timezone.make_aware(datetime.datetime(2026, 6, 30, 16, 45))
    StallSetting.objects.update(updated_at=saved_at)
    seen = services._microseconds(saved_at - datetime.timedelta(minutes=5))

    with pytest.raises(ValidationError) as raised:
        services.save_thresholds(thresholds={2: 10}, actor=admin, seen=seen)
    stages = f"{StageNumber(2).label}, {StageNumber(5).label}"
    assert raised.value.code == "stale"
    assert raised.value.messages[0] == (
        f"{other_admin} changed the stall thresholds of {stages} at 30 Jun 2026 16:45, after you opened this "
        "form. Nothing was saved: your input is kept below; check it against theirs and save again."
    )
    assert StallSetting.objects.get(stage=2).days == 9

    # Saved again from the version now shown, it goes through, recorded against who saved it.
    services.save_thresholds(thresholds={2: 10}, actor=admin, seen=services._microseconds(saved_at))
    row = StallSetting.objects.get(stage=2)
    assert (row.days, row.updated_by) == (10, admin)


def test_a_persons_preferences_keep_their_latest_save(rep):
    services.save_preferences(user=rep, values={"email_stall": False, "language": "en"})
    services.save_preferences(user=rep, values={"email_stall": True, "daily_summary": False})
    preference = Preference.objects.get(user=rep)
    assert (preference.email_stall, preference.daily_summary, preference.language) == (True, False, "en")


def test_the_stall_scan_reads_each_projects_owner_with_it(django_assert_num_queries):
    long_ago = timezone.now() - datetime.timedelta(days=90)
    for _ in range(3):
        project = ProjectFactory(owner=UserFactory(role=Role.REP))
        KeyPointFactory(project=project, occurred_at=long_ago)
        type(project).objects.filter(pk=project.pk).update(stage_entered_at=long_ago)
    with django_assert_num_queries(2):  # the thresholds, then the projects with their owners
        owners = [project.owner.username for project in services.stalled_projects()]
    assert len(owners) == 3
