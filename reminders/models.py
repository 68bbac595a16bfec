"""Stalls and overdue next steps, found by periodic scans and reminded exactly once per channel."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from customers.models import Project
from keypoints.models import KeyPoint
from keypoints.stages import StageNumber


class Kind(models.TextChoices):
    STALL = "stall", _("Stalled project")
    STALL_ESCALATION = "stall_escalation", _("Stalled project, escalated")
    OVERDUE = "overdue", _("Overdue next step")
    OVERDUE_ESCALATION = "overdue_escalation", _("Overdue next step, escalated")
    RESUME = "resume", _("Project due to resume")


class Channel(models.TextChoices):
    APP = "app", _("In the app")
    EMAIL = "email", _("Email")
    CHAT = "chat", _("Group chat")


class Reminder(models.Model):
    """One reminder of one event (a stall, an overdue step, a resume date) at one level, on one channel,
    to one person (or one chat group).

    `key` names exactly that, so that the database refuses a second copy: repeated scans, retried
    tasks and two workers scanning at once all end with one row, and only a new row is delivered.
    In-app reminders are the notification centre's entries."""

    key = models.CharField(max_length=200, unique=True, editable=False)
    kind = models.CharField(_("kind"), max_length=24, choices=Kind.choices)
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="reminders")
    keypoint = models.ForeignKey(KeyPoint, on_delete=models.CASCADE, null=True, blank=True, related_name="reminders")
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="reminders"
    )
    webhook = models.ForeignKey(
        "reminders.ChatWebhook", on_delete=models.CASCADE, null=True, blank=True, related_name="reminders"
    )
    # The event as found: the stage and when its silence began, or the step's due date; and how many
    # days quiet (or overdue) against which threshold, so that the message says it in any language.
    stage = models.PositiveSmallIntegerField(choices=StageNumber.choices)
    since = models.DateTimeField()
    days = models.PositiveIntegerField()
    threshold = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "channel", "read_at"]),
            models.Index(fields=["channel", "sent_at"]),
        ]

    def __str__(self):
        return self.key


class Platform(models.TextChoices):
    WECOM = "wecom", _("WeCom (企业微信)")
    DINGTALK = "dingtalk", _("DingTalk (钉钉)")
    FEISHU = "feishu", _("Feishu (飞书)")


class ChatWebhook(models.Model):
    """A group robot: reminders about the whole team's deals, or one owner's, are posted to its group."""

    name = models.CharField(_("name"), max_length=100)
    platform = models.CharField(_("platform"), max_length=16, choices=Platform.choices)
    url = models.URLField(_("webhook address"), max_length=500)
    secret = models.CharField(
        _("signing secret"), max_length=200, blank=True, help_text=_("DingTalk and Feishu robots can require one.")
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("only deals owned by"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="chat_webhooks",
        help_text=_("Empty: the whole team's deals."),
    )
    daily_summary = models.BooleanField(_("post the daily summary"), default=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Its versions, so that an edit form saved over a colleague's change is refused, naming it.
    history = HistoricalRecords(excluded_fields=["created_at"])

    class Meta:
        verbose_name = _("group chat robot")
        verbose_name_plural = _("group chat robots")
        ordering = ["name", "id"]

    def __str__(self):
        return self.name


class Preference(models.Model):
    """What one person wants by email, and in which language it is written to them."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reminder_preference")
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES, default="zh-hans")
    email_stall = models.BooleanField(_("email me about stalled projects"), default=True)
    email_overdue = models.BooleanField(_("email me about overdue next steps"), default=True)
    email_resume = models.BooleanField(_("email me when a paused project is due to resume"), default=True)
    daily_summary = models.BooleanField(_("email me the daily summary"), default=True)

    class Meta:
        verbose_name = _("reminder preference")
        verbose_name_plural = _("reminder preferences")

    def __str__(self):
        return str(self.user)

    def wants_email(self, kind):
        return {
            Kind.STALL: self.email_stall,
            Kind.STALL_ESCALATION: self.email_stall,
            Kind.OVERDUE: self.email_overdue,
            Kind.OVERDUE_ESCALATION: self.email_overdue,
            Kind.RESUME: self.email_resume,
        }[kind]


class ScanRun(models.Model):
    """One run of a scheduled job: when it ran and what it did (healthz and the admin banner read it)."""

    class Job(models.TextChoices):
        STALLS = "stalls", _("Stall scan")
        OVERDUE = "overdue", _("Overdue next-step scan")
        SUMMARY = "summary", _("Daily summary")

    job = models.CharField(max_length=16, choices=Job.choices)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    found = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["job", "-started_at"])]

    def __str__(self):
        return f"{self.job} {self.started_at:%Y-%m-%d %H:%M}"


class SummaryDelivery(models.Model):
    """The daily summary of one day, to one person by email or to one chat group: unique by its key,
    so that a repeated or retried run sends it once."""

    key = models.CharField(max_length=100, unique=True, editable=False)
    day = models.DateField()
    channel = models.CharField(max_length=8, choices=Channel.choices)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    webhook = models.ForeignKey(ChatWebhook, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["-day", "-id"]

    def __str__(self):
        return self.key
