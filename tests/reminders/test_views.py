"""The notification centre, the bell, preferences, and the admin's thresholds and group robots."""

import datetime

import pytest
from django.utils import timezone

from customers.models import Project, StallSetting
from reminders import services
from reminders.models import Channel, ChatWebhook, Platform, Preference, Reminder, ScanRun
from tests.factories import CustomerFactory, ProjectFactory


def stall(project, days=20):
    Project.objects.filter(pk=project.pk).update(stage_entered_at=timezone.now() - datetime.timedelta(days=days))


@pytest.fixture
def stalled(rep, rep_customer):
    project = ProjectFactory(customer=rep_customer, name="立体仓库项目")
    stall(project)
    services.run_scan(ScanRun.Job.STALLS)
    return project


def test_the_bell_counts_unread_notifications_and_the_list_shows_them(client_for, rep, stalled):
    client = client_for(rep)
    page = client.get("/customers/").content.decode()
    assert 'data-testid="unread-count">1<' in page
    listing = client.get("/notifications/").content.decode()
    assert "立体仓库项目已停滞 20 天" in listing
    assert f'action="/notifications/{Reminder.objects.get(recipient=rep, channel=Channel.APP).pk}/open/"' in listing


def test_notifications_are_each_persons_own(client_for, users, stalled):
    for role in ("admin", "lead", "other_rep", "manager"):
        response = client_for(users[role]).get("/notifications/")
        assert "立体仓库项目" not in response.content.decode(), role
    reminder = Reminder.objects.get(recipient=users["rep"], channel=Channel.APP)
    response = client_for(users["other_rep"]).post(f"/notifications/{reminder.pk}/open/", {"open": "1"})
    assert response.status_code == 404
    reminder.refresh_from_db()
    assert reminder.read_at is None


def test_opening_a_notification_marks_it_read_and_goes_to_the_project(client_for, rep, stalled):
    reminder = Reminder.objects.get(recipient=rep, channel=Channel.APP)
    response = client_for(rep).post(f"/notifications/{reminder.pk}/open/", {"open": "1"})
    assert response.status_code == 302 and response.url == f"/projects/{stalled.pk}/"
    reminder.refresh_from_db()
    assert reminder.read_at is not None
    assert 'data-testid="unread-count"' not in client_for(rep).get("/customers/").content.decode()


def test_after_a_hand_over_the_entry_stays_but_the_project_no_longer_opens(client_for, rep, other_rep, stalled):
    type(stalled.customer).objects.filter(pk=stalled.customer_id).update(owner=other_rep)
    Project.objects.filter(pk=stalled.pk).update(owner=other_rep)
    client = client_for(rep)
    listing = client.get("/notifications/").content.decode()
    assert "立体仓库项目" in listing and 'name="open"' not in listing
    reminder = Reminder.objects.get(recipient=rep, channel=Channel.APP)
    response = client.post(f"/notifications/{reminder.pk}/open/", {"open": "1"})
    assert response.url == "/notifications/"


def test_mark_all_read_touches_only_ones_own(client_for, rep, other_rep, stalled):
    theirs = ProjectFactory(customer=CustomerFactory(owner=other_rep))
    stall(theirs)
    services.run_scan(ScanRun.Job.STALLS)
    response = client_for(rep).post("/notifications/read-all/")
    assert response.status_code == 302
    assert not Reminder.objects.filter(recipient=rep, channel=Channel.APP, read_at__isnull=True).exists()
    assert Reminder.objects.filter(recipient=other_rep, read_at__isnull=True).exists()


def test_the_list_reads_a_fixed_number_of_queries(client_for, rep, rep_customer, django_assert_max_num_queries):
    stall(ProjectFactory(customer=rep_customer))
    services.run_scan(ScanRun.Job.STALLS)
    client = client_for(rep)
    with django_assert_max_num_queries(12) as few:
        client.get("/notifications/")
    for _ in range(25):
        stall(ProjectFactory(customer=rep_customer))
    services.run_scan(ScanRun.Job.STALLS)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get("/notifications/").status_code == 200


def test_preferences_choose_the_email_language_and_kinds(client_for, rep):
    client = client_for(rep)
    assert client.get("/notifications/preferences/").status_code == 200
    response = client.post("/notifications/preferences/", {"language": "en", "email_overdue": "on"})
    assert response.status_code == 302
    preference = Preference.objects.get(user=rep)
    assert (preference.language, preference.email_stall, preference.email_overdue) == ("en", False, True)
    bad = client.post("/notifications/preferences/", {"language": "fr"})
    assert bad.status_code == 400
    assert Preference.objects.get(user=rep).language == "en"


@pytest.mark.parametrize("role", ["lead", "rep", "manager"])
def test_only_an_admin_changes_thresholds_and_robots(client_for, users, role):
    client = client_for(users[role])
    assert client.get("/reminders/settings/").status_code == 403
    assert client.post("/reminders/settings/", {"stage_1": "3"}).status_code == 403
    assert client.post("/reminders/robots/new/", {"name": "x"}).status_code == 403
    assert not StallSetting.objects.exists() and not ChatWebhook.objects.exists()


def test_an_admin_sets_thresholds_with_clear_errors(client_for, admin):
    client = client_for(admin)
    page = client.get("/reminders/settings/").content.decode()
    assert 'name="stage_1" value="14"' in page
    values = {f"stage_{n}": "10" for n in range(1, 8)}
    bad = client.post("/reminders/settings/", {**values, "stage_2": "-1", "stage_3": "abc"})
    assert bad.status_code == 400 and not StallSetting.objects.exists()
    response = client.post("/reminders/settings/", {**values, "stage_7": "0"})
    assert response.status_code == 302
    assert dict(StallSetting.objects.values_list("stage", "days")) == {**dict.fromkeys(range(1, 7), 10), 7: 0}
    assert StallSetting.objects.filter(updated_by=admin).count() == 7


def test_an_admin_adds_tests_and_removes_a_group_robot(client_for, admin, rep):
    client = client_for(admin)
    response = client.post(
        "/reminders/robots/new/",
        {
            "name": "华东销售群",
            "platform": Platform.DINGTALK,
            "url": "http://127.0.0.1:9/robot/send",
            "secret": "s",
            "owner": rep.pk,
            "daily_summary": "on",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    hook = ChatWebhook.objects.get()
    assert (hook.platform, hook.owner) == (Platform.DINGTALK, rep)
    # Nothing listens on port 9: the admin is told, nothing breaks.
    test = client.post(f"/reminders/robots/{hook.pk}/test/", follow=True)
    assert test.status_code == 200 and "机器人未接受消息" in test.content.decode()
    bad = client.post("/reminders/robots/new/", {"name": "", "platform": "slack", "url": "ftp://x"})
    assert bad.status_code == 400 and ChatWebhook.objects.count() == 1
    client.post(f"/reminders/robots/{hook.pk}/delete/")
    assert not ChatWebhook.objects.exists()


def test_admins_see_a_banner_when_the_scans_have_stopped(client_for, admin, rep):
    assert 'data-testid="scans-stopped"' in client_for(admin).get("/customers/").content.decode()
    services.run_scan(ScanRun.Job.STALLS)
    services.run_scan(ScanRun.Job.OVERDUE)
    assert 'data-testid="scans-stopped"' not in client_for(admin).get("/customers/").content.decode()
    ScanRun.objects.update(finished_at=timezone.now() - datetime.timedelta(hours=3))
    assert 'data-testid="scans-stopped"' in client_for(admin).get("/customers/").content.decode()
    assert 'data-testid="scans-stopped"' not in client_for(rep).get("/customers/").content.decode()


def test_in_app_reminders_are_written_even_for_people_without_email(client_for, rep_customer):
    owner = rep_customer.owner
    type(owner).objects.filter(pk=owner.pk).update(email="")
    stall(ProjectFactory(customer=rep_customer))
    assert services.run_scan(ScanRun.Job.STALLS) == []
    assert Reminder.objects.filter(recipient=owner, channel=Channel.APP).count() == 1
