import datetime

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower, Substr, Trim
from django.db.models.lookups import In
from django.utils import formats, timezone
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from customers.models import NOT_NEGATIVE, Archivable, Contact, LostReason, Project, ProjectStatus, Source, money_field
from salesrecord.text import cny

from .stages import StageNumber, get_stage


class Method(models.TextChoices):
    PHONE = "phone", _("Phone")
    ON_SITE = "on_site", _("On-site visit")
    ONLINE_MEETING = "online_meeting", _("Online meeting")
    MEETING = "meeting", _("Meeting at our office")
    EMAIL = "email", _("Email")
    WECHAT = "wechat", _("WeChat")
    OTHER = "other", _("Other")


# Answers to "obstacles" that say there is none (the form requires the field). Compared lower-cased.
NO_OBSTACLE = (
    *("", "无", "无。", "没有", "暂无", "无明显障碍"),
    *("none", "none.", "no", "n/a", "na", "nil", "-", "--", "—", "/"),
)


# How much of an obstacle the dashboard counts it by: its first characters. An index entry holds at most
# about 2,700 bytes, and a longer obstacle (900 Chinese characters) would be refused by the obstacles'
# index; two obstacles that differ only after this many characters are counted as one.
OBSTACLE_KEY_LENGTH = 200


def named_obstacle(text):
    """A key point's obstacle as the dashboard counts it: its text without surrounding spaces, its first
    OBSTACLE_KEY_LENGTH characters, or "" when the text says there is none. (What SQL's TRIM, LOWER and
    SUBSTR make of it: spaces only are trimmed.)"""
    text = text.strip(" ")
    return "" if text.lower() in NO_OBSTACLE else text[:OBSTACLE_KEY_LENGTH]


def named_obstacle_sql():
    """The same, as the database computes it (for rows written without save(): the migrations)."""
    text = Trim("obstacles")
    return models.Case(
        models.When(In(Lower(text), NO_OBSTACLE), then=models.Value("")),
        default=Substr(text, 1, OBSTACLE_KEY_LENGTH),
        output_field=models.TextField(),
    )


# A key point's history: every change, with who made it and each field before and after. Its
# participants are recorded with the row (m2m_fields); keypoints.services writes one row per save,
# once the participants are set, through record_history.
KEYPOINT_HISTORY = HistoricalRecords(
    excluded_fields=[
        "elements_filled", "elements_total", "missing_elements", "is_complete", "client_token",
        "created_at", "updated_at", "named_obstacle",
    ],
    m2m_fields=["our_participants", "customer_participants"],
)  # fmt: skip


def record_history(keypoint, *, created):
    """One history row for a key point saved with its history held back (skip_history_when_saving)."""
    KEYPOINT_HISTORY.create_historical_record(keypoint, "+" if created else "~")


class LeadRating(models.TextChoices):
    A = "A", _("A: budget clear, need urgent, likely to decide")
    B = "B", _("B: promising, one of the three unclear")
    C = "C", _("C: early or unlikely")


class Satisfaction(models.IntegerChoices):
    VERY_LOW = 1, _("1 · very dissatisfied")
    LOW = 2, _("2 · dissatisfied")
    NEUTRAL = 3, _("3 · neutral")
    HIGH = 4, _("4 · satisfied")
    VERY_HIGH = 5, _("5 · very satisfied")


class NextStepStatus(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", _("Done")


class KeyPoint(Archivable):
    """One event in a sale, complete in its elements (一事一记, 要素完整)."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="keypoints")
    stage = models.PositiveSmallIntegerField(_("stage"), choices=StageNumber.choices)
    occurred_at = models.DateTimeField(_("when"))
    method = models.CharField(_("method"), max_length=16, choices=Method.choices)
    our_participants = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("our participants"), related_name="keypoints_attended"
    )
    customer_participants = models.ManyToManyField(
        Contact, verbose_name=_("customer participants"), related_name="keypoints_attended"
    )
    summary = models.TextField(_("what happened"))
    customer_feedback = models.TextField(_("customer feedback"))
    obstacles = models.TextField(_("obstacles"))
    # `obstacles` as the dashboard counts it (named_obstacle), kept by save(): so that the dashboard counts a
    # period's obstacles from an index.
    named_obstacle = models.TextField(default="", editable=False)
    our_response = models.TextField(_("our response"))
    next_step = models.CharField(_("next step"), max_length=300)
    next_step_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("next step owner"),
        on_delete=models.PROTECT,
        related_name="next_steps",
    )
    next_step_due = models.DateField(_("next step due"))
    next_step_status = models.CharField(
        _("next step status"), max_length=8, choices=NextStepStatus.choices, default=NextStepStatus.OPEN
    )
    next_step_done_at = models.DateTimeField(null=True, blank=True, editable=False)

    # 1 Lead acquisition
    source_channel = models.CharField(_("source channel"), max_length=16, choices=Source.choices, blank=True)
    first_conversation = models.TextField(_("first conversation"), blank=True)
    need_keywords = models.CharField(_("need keywords"), max_length=200, blank=True)
    lead_rating = models.CharField(_("lead rating"), max_length=1, choices=LeadRating.choices, blank=True)
    lead_rating_basis = models.CharField(_("basis of the rating"), max_length=300, blank=True)
    # 2 Needs discovery
    question_list = models.TextField(_("question list"), blank=True)
    explicit_pains = models.TextField(_("explicit pains"), blank=True)
    implicit_needs = models.TextField(_("implicit needs"), blank=True)
    decision_process = models.TextField(_("decision process"), blank=True)
    # 3 Solution presentation
    solution_highlights = models.TextField(_("solution highlights"), blank=True)
    objections = models.TextField(_("objections"), blank=True)
    objection_response = models.TextField(_("our answer to the objections"), blank=True)
    promised_material = models.TextField(_("supplementary material promised"), blank=True)
    # 4 Business negotiation
    price_before = money_field(_("price before (CNY)"))
    price_after = money_field(_("price after (CNY)"))
    payment_terms = models.CharField(_("payment terms"), max_length=200, blank=True)
    other_terms = models.TextField(_("other terms (penalties, warranty)"), blank=True)
    floor_price = money_field(_("authorised floor price (CNY)"))
    needs_approval = models.BooleanField(_("needs approval above the rep"), null=True, blank=True)
    # 5 Contract signing
    contract_number = models.CharField(_("contract number"), max_length=64, blank=True)
    signed_amount = money_field(_("signed amount (CNY)"))
    signing_date = models.DateField(_("signing date"), null=True, blank=True)
    payment_schedule = models.TextField(_("payment schedule"), blank=True)
    risks = models.TextField(_("risks flagged"), blank=True)
    # 6 Fulfilment follow-up
    delivery_milestones = models.TextField(_("delivery milestones and status"), blank=True)
    payments_received = money_field(_("payments received (CNY)"))
    delivery_risks = models.TextField(_("delivery risks"), blank=True)
    acceptance = models.TextField(_("acceptance"), blank=True)
    # 7 After-sales maintenance
    issues_resolution = models.TextField(_("issues raised and their resolution"), blank=True)
    satisfaction = models.PositiveSmallIntegerField(
        _("satisfaction"), choices=Satisfaction.choices, null=True, blank=True, validators=[NOT_NEGATIVE]
    )
    renewal_opportunity = models.TextField(_("renewal or upsell opportunities"), blank=True)

    # Completeness of the stage's elements, kept by the service on every save.
    elements_filled = models.PositiveSmallIntegerField(default=0, editable=False)
    elements_total = models.PositiveSmallIntegerField(default=0, editable=False)
    missing_elements = models.JSONField(default=list, blank=True, editable=False)
    is_complete = models.BooleanField(default=False, editable=False)

    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("author"), on_delete=models.PROTECT, related_name="keypoints"
    )
    # Set by the form that created the record, so that a double submit cannot log it twice.
    client_token = models.UUIDField(null=True, blank=True, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    # Every change, with who made it and each field before and after (the audit log reads it).
    history = KEYPOINT_HISTORY

    class Meta:
        verbose_name = _("key point")
        verbose_name_plural = _("key points")
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["project", "-occurred_at"]),
            models.Index(fields=["-occurred_at", "-id"]),
            models.Index(fields=["next_step_status", "next_step_due"]),
            # Open next steps overdue, counted from the index alone (the dashboard, the ledger's filter).
            models.Index(
                fields=["next_step_due", "project"],
                condition=models.Q(archived_at__isnull=True, next_step_status="open"),
                name="keypoint_open_step_idx",
            ),
            # The dashboard's figures over a period's live key points, read from the index alone.
            models.Index(
                fields=["occurred_at", "author", "is_complete", "created_at", "project"],
                condition=models.Q(archived_at__isnull=True),
                name="keypoint_live_period_idx",
            ),
            # The dashboard's obstacles: the period's live key points that name one, with it.
            models.Index(
                fields=["occurred_at", "named_obstacle"],
                condition=models.Q(archived_at__isnull=True) & ~models.Q(named_obstacle=""),
                name="keypoint_obstacle_period_idx",
            ),
            # A project's timeline in its order, and its newest key point in a stage (when it went quiet: the
            # triggers of keypoints/quiet_since.py read it at every write).
            models.Index(fields=["project", "-stage", "-occurred_at", "-id"], name="keypoint_project_timeline"),
            # A project's open next steps, soonest due first (the lists' "next step due").
            models.Index(
                fields=["project", "next_step_due"],
                condition=models.Q(next_step_status=NextStepStatus.OPEN),
                name="keypoint_project_open_step",
            ),
            # A ledger over a rep's projects, whole or of one stage: their live key points newest first, read
            # from the index alone, page and capped count (keypoints/paging.py). With what the dashboard
            # counts of a period's key points (dashboard.metrics: per person and week, obstacles), so that a
            # rep's dashboard reads their projects' key points from the index alone too (PostgreSQL).
            models.Index(
                # (Trailing key columns rather than INCLUDE, which SQLite would warn of and ignore.)
                fields=["project", "-occurred_at", "-id", "author", "is_complete", "created_at", "named_obstacle"],
                condition=models.Q(archived_at__isnull=True),
                name="keypoint_project_period_idx",
            ),
            models.Index(
                fields=["project", "stage", "-occurred_at", "-id"],
                condition=models.Q(archived_at__isnull=True),
                name="keypoint_live_project_stage",
            ),
            # The ledger's filters and sorts, each followed by its newest-first order (keypoints/paging.py).
            # The stage's over live key points only, so that a page's capped count reads the index alone.
            models.Index(
                fields=["stage", "-occurred_at", "-id"],
                condition=models.Q(archived_at__isnull=True),
                name="keypoint_live_stage_idx",
            ),
            models.Index(fields=["next_step_due", "-occurred_at", "-id"]),
            models.Index(fields=["elements_filled", "-occurred_at", "-id"]),
        ]

    def __str__(self):
        return f"{formats.date_format(timezone.localtime(self.occurred_at))} · {self.get_stage_display()}"

    def save(self, *args, **kwargs):
        self.named_obstacle = named_obstacle(self.obstacles)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "obstacles" in update_fields:
            kwargs["update_fields"] = {*update_fields, "named_obstacle"}
        super().save(*args, **kwargs)

    def missing_element_labels(self):
        labels = {element.key: element.label for element in get_stage(self.stage).elements}
        return [labels[key] for key in self.missing_elements if key in labels]

    def stage_values(self):
        """(label, shown value) of this record's own stage elements that are filled."""
        shown = []
        for name in get_stage(self.stage).own_fields:
            value = getattr(self, name)
            if value in (None, ""):
                continue
            field = self._meta.get_field(name)
            if field.choices:
                value = getattr(self, f"get_{name}_display")()
            elif isinstance(value, bool):
                value = _("Yes") if value else _("No")
            elif isinstance(field, models.DecimalField):
                value = cny(value)
            elif isinstance(value, datetime.date):
                value = formats.date_format(value)  # the language's one date format (签约日期)
            shown.append((capfirst(field.verbose_name), value))
        return shown

    @property
    def next_step_overdue(self):
        return self.next_step_status == NextStepStatus.OPEN and self.next_step_due < timezone.localdate()


class StageChange(models.TextChoices):
    CREATED = "created", _("Project created")
    ADVANCE = "advance", _("Advanced")
    BACK = "back", _("Went back")
    SKIP = "skip", _("Skipped ahead")
    LOST = "lost", _("Marked lost")
    HOLD = "hold", _("Put on hold")
    REOPEN = "reopen", _("Reopened")
    COMPLETE = "complete", _("Completed")


class StageHistory(models.Model):
    """Every change of a project's stage or status: who, when, from, to, why."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="stage_history")
    kind = models.CharField(_("change"), max_length=8, choices=StageChange.choices)
    from_stage = models.PositiveSmallIntegerField(_("from stage"), choices=StageNumber.choices, null=True)
    to_stage = models.PositiveSmallIntegerField(_("to stage"), choices=StageNumber.choices)
    from_status = models.CharField(_("from status"), max_length=16, choices=ProjectStatus.choices, blank=True)
    to_status = models.CharField(_("to status"), max_length=16, choices=ProjectStatus.choices)
    reason = models.TextField(_("reason"), blank=True)
    lost_reason = models.ForeignKey(
        LostReason, verbose_name=_("lost reason"), on_delete=models.PROTECT, null=True, blank=True
    )
    resume_on = models.DateField(_("resume on"), null=True, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(_("at"))

    class Meta:
        verbose_name = _("stage change")
        verbose_name_plural = _("stage history")
        ordering = ["project_id", "at", "id"]
        indexes = [
            # A project's history in order; with each row's stage and status, the spans of a period's new
            # projects (stage_time.py) and the furthest stage each reached are read from the index alone.
            models.Index(fields=["project", "at", "id", "to_stage", "to_status"], name="stagehistory_project_spans"),
            # The dashboard's lost reasons: the projects lost in a period, and why, from the index alone.
            models.Index(fields=["kind", "at", "project", "lost_reason"], name="stagehistory_kind_period"),
        ]

    def __str__(self):
        return f"{self.project_id}: {self.get_kind_display()} → {self.get_to_stage_display()}"


class AuthorDay(models.Model):
    """An author's live key points of one local day: how many, how many complete, how many written on
    time. Kept by a database trigger on PostgreSQL (keypoints/day_counts.py), never written from Python;
    the dashboard reads it when its scope is every live key point."""

    day = models.DateField()
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.DO_NOTHING, db_constraint=False, db_index=False, related_name="+"
    )
    keypoints = models.IntegerField(default=0)
    complete = models.IntegerField(default=0)
    on_time = models.IntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["day", "author"], name="authorday_day_author")]

    def __str__(self):
        return f"{self.day} {self.author_id}: {self.keypoints}"


class ObstacleDay(models.Model):
    """The live key points of one local day that name one obstacle (`KeyPoint.named_obstacle`): how many.
    Kept as AuthorDay is; the dashboard's most frequent obstacles read it."""

    day = models.DateField()
    obstacle = models.TextField()
    keypoints = models.IntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["day", "obstacle"], name="obstacleday_day_obstacle")]

    def __str__(self):
        return f"{self.day} {self.obstacle[:20]}: {self.keypoints}"


class ExportStatus(models.TextChoices):
    QUEUED = "queued", _("Waiting to start")
    RUNNING = "running", _("Being prepared")
    DONE = "done", _("Ready")
    FAILED = "failed", _("Failed")


class ExportFormat(models.TextChoices):
    CSV = "csv", "CSV"
    XLSX = "xlsx", "XLSX"


class LedgerExport(models.Model):
    """A ledger export too large to write within a request: written by a background task into a file
    under MEDIA_ROOT/exports, downloaded by the person who asked for it until it expires.

    The filters are kept as the ledger's query string and applied again, with the person's scope as it
    is then, when the task runs."""

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.CASCADE,
        related_name="ledger_exports",
    )
    format = models.CharField(_("format"), max_length=4, choices=ExportFormat.choices)
    query = models.CharField(_("filters"), max_length=2000, blank=True)
    # The language of the page it was asked from: headers, labels and dates follow it.
    language = models.CharField(max_length=16)
    status = models.CharField(_("status"), max_length=8, choices=ExportStatus.choices, default=ExportStatus.QUEUED)
    rows_total = models.PositiveIntegerField(null=True, blank=True)
    rows_written = models.PositiveIntegerField(default=0)
    # Relative to MEDIA_ROOT; emptied when the file is deleted.
    file = models.CharField(max_length=200, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # When the task last reported: a running job that stopped reporting long ago was lost with its worker.
    progressed_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    # Opened from the notification centre (or its page): no longer counted as unread there.
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("ledger export")
        verbose_name_plural = _("ledger exports")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["requested_by", "status"]), models.Index(fields=["status", "expires_at"])]

    def __str__(self):
        return f"{self.format} · {self.requested_by_id} · {self.get_status_display()}"

    @property
    def is_finished(self):
        return self.status in (ExportStatus.DONE, ExportStatus.FAILED)

    @property
    def progress(self):
        """Per cent of the rows written, 0 to 100."""
        if self.status == ExportStatus.DONE:
            return 100
        if not self.rows_total:
            return 0
        return min(100, self.rows_written * 100 // self.rows_total)

    def is_expired(self, now=None):
        return self.expires_at is not None and self.expires_at <= (now or timezone.now())

    def filename(self):
        return f"keypoints-{timezone.localdate(self.created_at):%Y%m%d}.{self.format}"
