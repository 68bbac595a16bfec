"""The daily summary: what was logged, what moved, what stalled; to each lead and manager who wants
it by email in their language, and to the group robots that post it, each once."""

import datetime
import zoneinfo

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from accounts.models import Role
from customers.models import LostReason, Project
from keypoints import services as keypoint_services
from keypoints.stages import StageNumber
from reminders import delivery, services, summary
from reminders.models import Channel, ChatWebhook, Platform, Preference, ScanRun, SummaryDelivery
from tests.factories import KeyPointFactory, ProjectFactory, UserFactory

DAY = datetime.date(2026, 6, 10)
EVENING = datetime.datetime(2026, 6, 10, 18, 0, tzinfo=zoneinfo.ZoneInfo("Asia/Shanghai"))


@pytest.fixture
def day_of_work(db):
    """On DAY: 李明 logs two key points and advances one project, 陈静 logs one and loses a project;
    another project has been silent since long before, and a next step is overdue."""
    li = UserFactory(username="li", display_name="李明", role=Role.REP)
    chen = UserFactory(username="chen", display_name="陈静", role=Role.REP)
    with time_machine.travel(EVENING - datetime.timedelta(days=60), tick=False):
        quiet = ProjectFactory(owner=chen, customer__owner=chen, name="沉默项目")
        KeyPointFactory(project=quiet, occurred_at=timezone.now(), next_step_due=DAY - datetime.timedelta(days=3))
    with time_machine.travel(EVENING - datetime.timedelta(hours=5), tick=False):
        moving = ProjectFactory(owner=li, customer__owner=li, name="MES 升级")
        KeyPointFactory(project=moving, occurred_at=timezone.now(), author=li)
        KeyPointFactory(project=moving, occurred_at=timezone.now(), author=li)
        keypoint_services.project_advance_stage(project=moving, actor=li)
        losing = ProjectFactory(owner=chen, customer__owner=chen, name="仓储系统")
        KeyPointFactory(project=losing, occurred_at=timezone.now(), author=chen)
        keypoint_services.project_mark_lost(project=losing, actor=chen, lost_reason=LostReason.objects.get(position=1))
    with time_machine.travel(EVENING - datetime.timedelta(hours=1), tick=False):
        services.run_scan(ScanRun.Job.STALLS)
    return {"li": li, "chen": chen, "moving": moving, "losing": losing, "quiet": quiet}


def test_the_facts_of_the_day(day_of_work):
    facts = summary.facts(DAY)
    assert facts["logged"] == [(day_of_work["li"], 2), (day_of_work["chen"], 1)]
    assert [(row.project, row.to_stage) for row in facts["moved"]] == [(day_of_work["moving"], StageNumber.NEEDS)]
    assert [row.project for row in facts["lost"]] == [day_of_work["losing"]]
    assert (facts["stalled"], facts["new_stalls"], facts["overdue"]) == (1, 1, 1)
    # One owner's view: only their deals.
    theirs = summary.facts(DAY, owner=day_of_work["li"])
    assert theirs["logged"] == [(day_of_work["li"], 2)] and theirs["lost"] == [] and theirs["stalled"] == 0


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        (
            "zh-hans",
            [
                "每日信息汇总 2026-06-10",
                "记录关键点 3 条：李明 2、陈静 1",
                "推进 1 个项目：MES 升级 → 需求挖掘",
                "丢单 1 个：仓储系统",
            ],
        ),
        (
            "en",
            [
                "Daily summary 10 Jun 2026",
                "3 key points logged: 李明 2, 陈静 1",
                "1 project moved on: MES 升级 → Needs discovery",
                "1 lost: 仓储系统",
            ],
        ),
    ],
)
def test_the_summary_reads_in_each_language(day_of_work, language, expected):
    text = summary.compose(summary.facts(DAY), language).text
    for part in expected:
        assert part in text


def test_leads_and_managers_get_it_by_email_once_and_groups_by_robot(day_of_work, monkeypatch):
    lead = UserFactory(username="lead", role=Role.LEAD, email="lead@example.com")
    manager = UserFactory(username="boss", role=Role.MANAGER, email="boss@example.com")
    UserFactory(username="quietlead", role=Role.LEAD, email="q@example.com")
    Preference.objects.create(user=manager, language="en")
    Preference.objects.create(
        user=UserFactory(username="optout", role=Role.LEAD, email="o@example.com"), daily_summary=False
    )
    team = ChatWebhook.objects.create(name="全员群", platform=Platform.WECOM, url="http://127.0.0.1:9/t")
    li_group = ChatWebhook.objects.create(
        name="李明群", platform=Platform.FEISHU, url="http://127.0.0.1:9/l", owner=day_of_work["li"]
    )
    ChatWebhook.objects.create(name="不推送", platform=Platform.WECOM, url="http://127.0.0.1:9/n", daily_summary=False)
    posted = []
    monkeypatch.setattr(delivery, "post_to_chat", lambda hook, message: posted.append((hook, message.text)))

    with time_machine.travel(EVENING, tick=False):
        created = summary.run(DAY)
        assert summary.run(DAY) == [], "a second run the same day sends nothing"
    assert {(row.channel, row.recipient, row.webhook) for row in created} == {
        (Channel.EMAIL, lead, None),
        (Channel.EMAIL, manager, None),
        (Channel.EMAIL, UserFactory(username="quietlead"), None),
        (Channel.CHAT, None, team),
        (Channel.CHAT, None, li_group),
    }
    for row in created:
        assert delivery.deliver_summary(row.pk) is True
        assert delivery.deliver_summary(row.pk) is False
    subjects = {message.to[0]: message.subject for message in mail.outbox}
    assert subjects["lead@example.com"] == "每日信息汇总 2026-06-10"
    assert subjects["boss@example.com"] == "Daily summary 10 Jun 2026"
    texts = dict(posted)
    assert "仓储系统" in texts[team] and "仓储系统" not in texts[li_group] and "MES 升级" in texts[li_group]
    assert SummaryDelivery.objects.filter(sent_at__isnull=False).count() == 5
    assert ScanRun.objects.filter(job=ScanRun.Job.SUMMARY).count() == 2


def test_a_quiet_day_still_says_so(db):
    text = summary.compose(summary.facts(DAY), "zh-hans").text
    assert "记录关键点 0 条" in text and "停滞" in text
    assert not Project.objects.exists()
