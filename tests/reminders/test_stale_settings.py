"""Two admins edit the stall thresholds, or one group robot: the second save, made over the first's
change, is refused, names who changed what and keeps the input; saved again, it goes through. On
real PostgreSQL, two saves of the thresholds from one version at the same moment: one is refused."""

import contextlib
import os
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections
from django.urls import reverse
from django.utils import translation

from accounts.models import Role
from customers.models import StallSetting
from keypoints.stages import STAGES, StageNumber
from reminders import services
from reminders.models import ChatWebhook
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

SETTINGS = "/reminders/settings/"


@pytest.fixture
def other_admin(db):
    return UserFactory(username="admin2", display_name="周管理", role=Role.ADMIN)


def thresholds(**changed):
    values = {f"stage_{stage.number}": str(stage.default_stall_days) for stage in STAGES}
    return {**values, **{key: str(value) for key, value in changed.items()}}


def stage_label(number):
    with translation.override("zh-hans"):
        return str(StageNumber(number).label)


@pytest.mark.parametrize("first_save", [True, False], ids=["no-rows-yet", "rows-saved-before"])
def test_saving_thresholds_over_another_admins_change_is_refused_and_keeps_the_input(
    client_for, client, admin, other_admin, first_save
):
    if not first_save:
        services.save_thresholds(thresholds={stage.number: 30 for stage in STAGES}, actor=admin)
    mine = client_for(admin).get(SETTINGS).context["form"]["version"].value()
    theirs = client_for(other_admin).get(SETTINGS).context["form"]["version"].value()
    assert client.post(SETTINGS, {**thresholds(stage_2=9), "version": theirs}).status_code == 302

    client.force_login(admin)
    payload = {**thresholds(stage_3=5, stage_4=6), "version": mine}
    refused = client.post(SETTINGS, payload)

    assert refused.status_code == 409
    message = " ".join(refused.context["form"].non_field_errors())
    assert str(other_admin) in message and stage_label(2) in message
    # Nothing of the refused form was saved; what the other admin saved stands.
    assert StallSetting.objects.get(stage=2).days == 9
    assert StallSetting.objects.filter(stage=3).first() is None or StallSetting.objects.get(stage=3).days != 5
    kept = refused.context["form"]
    assert (kept["stage_3"].value(), kept["stage_4"].value()) == ("5", "6")
    again = client.post(SETTINGS, {**payload, "version": kept["version"].value()})
    assert again.status_code == 302
    assert dict(StallSetting.objects.values_list("stage", "days"))[3] == 5


def test_only_the_stages_changed_meanwhile_are_named(client_for, client, admin, other_admin):
    services.save_thresholds(thresholds={stage.number: 30 for stage in STAGES}, actor=admin)
    mine = client_for(admin).get(SETTINGS).context["form"]["version"].value()
    services.save_thresholds(thresholds={**{stage.number: 30 for stage in STAGES}, 5: 12}, actor=other_admin)

    client.force_login(admin)
    refused = client.post(SETTINGS, {**thresholds(stage_1=8), "version": mine})

    message = " ".join(refused.context["form"].non_field_errors())
    assert refused.status_code == 409 and stage_label(5) in message
    assert not any(stage_label(n) in message for n in (1, 2, 3, 4, 6, 7))
    assert StallSetting.objects.get(stage=5).updated_by == other_admin
    assert StallSetting.objects.get(stage=1).updated_by == admin


def webhook_form(hook, **changed):
    data = {
        "name": hook.name,
        "platform": hook.platform,
        "url": hook.url,
        "secret": hook.secret,
        "owner": hook.owner_id or "",
        "is_active": "on",
    }
    return {**data, **changed}


def test_saving_a_group_robot_over_another_admins_change_is_refused_and_keeps_the_input(
    client_for, client, admin, other_admin
):
    added = client_for(admin).post(
        reverse("reminders:webhook_create"),
        {"name": "华东销售群", "platform": "wecom", "url": "https://qyapi.example.com/send", "is_active": "on"},
    )
    assert added.status_code == 302
    hook = ChatWebhook.objects.get()
    url = reverse("reminders:webhook_edit", args=[hook.pk])
    mine = client_for(admin).get(url).context["form"]["version"].value()
    theirs = client_for(other_admin).get(url).context["form"]["version"].value()
    assert (
        client.post(url, {**webhook_form(hook, url="https://qyapi.example.com/v2"), "version": theirs}).status_code
        == 302
    )

    client.force_login(admin)
    payload = {**webhook_form(hook, name="华南销售群"), "version": mine}
    refused = client.post(url, payload)

    assert refused.status_code == 409
    message = " ".join(refused.context["form"].non_field_errors())
    with translation.override("zh-hans"):
        address = str(ChatWebhook._meta.get_field("url").verbose_name)
    assert str(other_admin) in message and address in message
    hook.refresh_from_db()
    assert (hook.name, hook.url) == ("华东销售群", "https://qyapi.example.com/v2")
    kept = refused.context["form"]
    assert kept["name"].value() == "华南销售群"
    again = client.post(url, {**payload, "url": kept["url"].value(), "version": kept["version"].value()})
    assert again.status_code == 302
    hook.refresh_from_db()
    assert hook.name == "华南销售群"


# Two admins at the same moment ------------------------------------------------------------------------


@pytest.mark.skipif(
    connection.vendor != "postgresql" and not os.environ.get("CI"),
    reason="a race needs a real database server: run with DATABASE_URL=postgres://...",
)
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("first_save", [True, False], ids=["no-rows-yet", "rows-saved-before"])
def test_two_admins_saving_thresholds_from_one_version_at_once_one_is_refused(
    admin, other_admin, monkeypatch, first_save
):
    if not first_save:
        services.save_thresholds(thresholds={stage.number: 30 for stage in STAGES}, actor=admin)
    seen = services.thresholds_version()
    # Each waits, once it has checked the version, until the other has checked too (or for a second
    # and a half, when the other waits for the rows' lock): without the lock both would pass the
    # check before either saved.
    after_check = threading.Barrier(2, timeout=1.5)
    check = services._refuse_if_changed

    def check_then_wait(rows, seen):
        check(rows, seen)
        with contextlib.suppress(threading.BrokenBarrierError):
            after_check.wait()

    monkeypatch.setattr(services, "_refuse_if_changed", check_then_wait)
    start = threading.Barrier(2)
    outcomes = []

    def save(person, days):
        try:
            start.wait(timeout=10)
            services.save_thresholds(thresholds={stage.number: days for stage in STAGES}, actor=person, seen=seen)
            outcomes.append(("saved", days))
        except ValidationError as error:
            outcomes.append((error.code, days))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=save, args=args) for args in ((admin, 10), (other_admin, 20))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(outcome for outcome, _days in outcomes) == ["saved", "stale"], outcomes
    winner = next(days for outcome, days in outcomes if outcome == "saved")
    assert dict(StallSetting.objects.values_list("stage", "days")) == {stage.number: winner for stage in STAGES}
