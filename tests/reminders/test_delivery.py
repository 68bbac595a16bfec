"""Email and group-chat delivery: each platform's payload and signature as its robot documents them,
sent to a local HTTP server; a failing endpoint is retried and never costs the in-app reminder; a
reminder is sent once however often its delivery runs."""

import base64
import datetime
import hashlib
import hmac
import urllib.parse

import pytest
from django.core import mail
from django.utils import timezone

from accounts.models import Role
from reminders import delivery, services, tasks
from reminders.messages import compose
from reminders.models import Channel, ChatWebhook, Kind, Platform, Preference, Reminder, ScanRun
from tests.factories import KeyPointFactory, ProjectFactory, UserFactory


@pytest.fixture
def stalled(db):
    """A lead-stage project silent for 20 days, owned by a rep who reads English."""
    owner = UserFactory(username="owner", role=Role.REP, display_name="王五", email="owner@example.com")
    Preference.objects.create(user=owner, language="en")
    project = ProjectFactory(
        owner=owner, name="MES 升级", customer__owner=owner, customer__legal_name="宁波精工有限公司"
    )
    type(project).objects.filter(pk=project.pk).update(stage_entered_at=timezone.now() - datetime.timedelta(days=20))
    return project


def hook(robot, platform, secret=""):
    return ChatWebhook.objects.create(name=platform, platform=platform, url=f"{robot.url}/hook?key=k1", secret=secret)


def scan_and_deliver():
    created = services.run_scan(ScanRun.Job.STALLS)
    for reminder in created:
        delivery.deliver(reminder.pk)
    return created


def test_wecom_gets_markdown_without_a_signature(robot, stalled):
    hook(robot, Platform.WECOM)
    scan_and_deliver()
    [(path, body)] = robot.received
    assert path == "/hook?key=k1"
    assert body["msgtype"] == "markdown"
    assert set(body) == {"msgtype", "markdown"} and set(body["markdown"]) == {"content"}
    assert "MES 升级" in body["markdown"]["content"] and "宁波精工有限公司" in body["markdown"]["content"]
    assert f"/projects/{stalled.pk}/" in body["markdown"]["content"]


def test_dingtalk_gets_markdown_signed_in_the_address(robot, stalled):
    secret = "SEC0123456789abcdef"
    hook(robot, Platform.DINGTALK, secret)
    before = int(timezone.now().timestamp() * 1000)
    scan_and_deliver()
    [(path, body)] = robot.received
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(path).query)
    assert query["key"] == ["k1"]
    timestamp = query["timestamp"][0]
    assert before <= int(timestamp) <= before + 60_000, "milliseconds since the epoch"
    expected = base64.b64encode(
        hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
    ).decode()
    assert query["sign"] == [expected]
    assert body["msgtype"] == "markdown"
    assert set(body) == {"msgtype", "markdown"} and set(body["markdown"]) == {"title", "text"}
    assert "MES 升级" in body["markdown"]["title"] and "宁波精工有限公司" in body["markdown"]["text"]


def test_feishu_gets_text_signed_in_the_body(robot, stalled):
    secret = "feishu-secret"
    robot.answer = {"code": 0, "msg": "success", "data": {}}
    hook(robot, Platform.FEISHU, secret)
    scan_and_deliver()
    [(path, body)] = robot.received
    assert path == "/hook?key=k1"
    assert body["msg_type"] == "text" and "MES 升级" in body["content"]["text"]
    assert set(body) == {"timestamp", "sign", "msg_type", "content"} and set(body["content"]) == {"text"}
    timestamp = body["timestamp"]
    assert abs(int(timestamp) - timezone.now().timestamp()) < 60, "seconds since the epoch"
    expected = base64.b64encode(hmac.new(f"{timestamp}\n{secret}".encode(), b"", hashlib.sha256).digest()).decode()
    assert body["sign"] == expected


def test_feishu_without_a_secret_sends_no_signature(robot, stalled):
    robot.answer = {"code": 0}
    hook(robot, Platform.FEISHU)
    scan_and_deliver()
    [(_, body)] = robot.received
    assert set(body) == {"msg_type", "content"}


@pytest.mark.parametrize(
    ("status", "answer"),
    [
        (200, {"errcode": 310000, "errmsg": "sign not match"}),
        (500, {}),
        (200, {"code": 19021, "msg": "sign match fail"}),
    ],
)
def test_a_failing_robot_is_retried_and_the_in_app_reminder_stays(robot, stalled, status, answer):
    robot.status, robot.answer = status, answer
    hook(robot, Platform.DINGTALK, "s")
    created = services.run_scan(ScanRun.Job.STALLS)
    [chat] = [row for row in created if row.channel == Channel.CHAT]
    with pytest.raises(delivery.DeliveryFailed):
        delivery.deliver(chat.pk)
    chat.refresh_from_db()
    assert (chat.sent_at, chat.attempts) == (None, 1) and chat.last_error
    assert Reminder.objects.filter(channel=Channel.APP, recipient=stalled.owner, kind=Kind.STALL).exists()

    # The email of the same stall went out regardless.
    [email] = [row for row in created if row.channel == Channel.EMAIL]
    assert delivery.deliver(email.pk) is True
    assert len(mail.outbox) == 1

    robot.status, robot.answer = 200, {"errcode": 0}
    assert delivery.deliver(chat.pk) is True
    chat.refresh_from_db()
    assert chat.sent_at and chat.attempts == 2 and chat.last_error == ""


def test_a_failing_mail_server_is_retried_and_costs_neither_the_chat_post_nor_the_in_app_reminder(
    robot, stalled, monkeypatch
):
    from django.core.mail.backends.locmem import EmailBackend

    def refused(backend, messages):
        raise ConnectionRefusedError(111, "Connection refused")

    monkeypatch.setattr(EmailBackend, "send_messages", refused)
    hook(robot, Platform.WECOM)
    created = services.run_scan(ScanRun.Job.STALLS)
    [email] = [row for row in created if row.channel == Channel.EMAIL]
    [chat] = [row for row in created if row.channel == Channel.CHAT]
    with pytest.raises(delivery.DeliveryFailed, match="email"):
        delivery.deliver(email.pk)
    email.refresh_from_db()
    assert (email.sent_at, email.attempts) == (None, 1) and "refused" in email.last_error
    assert delivery.deliver(chat.pk) is True and len(robot.received) == 1
    assert Reminder.objects.filter(channel=Channel.APP, recipient=stalled.owner, kind=Kind.STALL).exists()

    # The mail server is back: the retry sends it, once.
    monkeypatch.undo()
    assert delivery.deliver(email.pk) is True
    assert delivery.deliver(email.pk) is False
    email.refresh_from_db()
    assert email.sent_at and email.attempts == 2 and email.last_error == ""
    assert len(mail.outbox) == 1


def test_the_delivery_task_retries_with_backoff(robot, stalled):
    robot.status = 500
    hook(robot, Platform.WECOM)
    [chat] = [row for row in services.run_scan(ScanRun.Job.STALLS) if row.channel == Channel.CHAT]
    assert tasks.deliver.autoretry_for == (delivery.DeliveryFailed,)
    assert tasks.deliver.retry_backoff == 30 and tasks.deliver.max_retries == services.MAX_ATTEMPTS - 1
    with pytest.raises(delivery.DeliveryFailed):
        tasks.deliver.run(chat.pk)


def test_a_sent_reminder_is_never_sent_again(robot, stalled):
    hook(robot, Platform.WECOM)
    created = scan_and_deliver()
    for reminder in created:
        assert delivery.deliver(reminder.pk) is False
    assert len(robot.received) == 1 and len(mail.outbox) == 1
    assert services.stranded(timezone.now() + datetime.timedelta(hours=1)) == []


def test_a_delivery_lost_before_it_ran_is_picked_up_by_the_next_scan(robot, stalled):
    hook(robot, Platform.WECOM)
    created = services.run_scan(ScanRun.Job.STALLS)
    assert services.stranded() == [], "just written: its own delivery is on its way"
    later = timezone.now() + datetime.timedelta(minutes=15)
    assert {row.pk for row in services.stranded(later)} == {row.pk for row in created}


@pytest.mark.parametrize(
    ("language", "subject", "line"),
    [
        ("en", "MES 升级 has been stalled for 20 days", "No key point for 20 days; this stage allows 14."),
        ("zh-hans", "MES 升级已停滞 20 天", "已 20 天没有关键点记录，本阶段允许 14 天。"),
    ],
)
def test_the_email_is_written_in_the_recipients_language(stalled, language, subject, line):
    Preference.objects.filter(user=stalled.owner).update(language=language)
    [email] = [row for row in services.run_scan(ScanRun.Job.STALLS) if row.channel == Channel.EMAIL]
    delivery.deliver(email.pk)
    [sent] = mail.outbox
    assert sent.subject == subject
    assert sent.to == ["owner@example.com"]
    assert line in sent.body and f"/projects/{stalled.pk}/" in sent.body
    html, mimetype = sent.alternatives[0]
    assert mimetype == "text/html" and line in html and f'lang="{language}"' in html


def test_no_email_without_an_address_or_against_the_preference(stalled):
    owner = stalled.owner
    Preference.objects.filter(user=owner).update(email_stall=False)
    created = services.run_scan(ScanRun.Job.STALLS)
    assert created == []
    assert Reminder.objects.filter(channel=Channel.APP, recipient=owner).count() == 1


def test_an_overdue_step_message_names_the_step_its_owner_and_due_date(stalled):
    step = KeyPointFactory(
        project=stalled,
        occurred_at=timezone.now() - datetime.timedelta(days=10),
        next_step="寄送报价单",
        next_step_due=timezone.localdate() - datetime.timedelta(days=3),
    )
    services.run_scan(ScanRun.Job.OVERDUE)
    reminder = Reminder.objects.get(kind=Kind.OVERDUE, channel=Channel.APP, keypoint=step)
    message = compose(reminder, "zh-hans")
    assert "寄送报价单" in message.text and "王五" in message.text and "3" in message.title


def test_a_delivery_that_failed_too_often_or_too_long_ago_is_left_failed(robot, stalled):
    hook(robot, Platform.WECOM)
    created = services.run_scan(ScanRun.Job.STALLS)
    later = timezone.now() + datetime.timedelta(minutes=15)
    [chat] = [row for row in created if row.channel == Channel.CHAT]
    Reminder.objects.filter(pk=chat.pk).update(attempts=services.MAX_ATTEMPTS)
    assert chat.pk not in {row.pk for row in services.stranded(later)}
    assert {row.pk for row in services.stranded(later)} == {row.pk for row in created} - {chat.pk}
    assert services.stranded(timezone.now() + datetime.timedelta(days=3)) == []
