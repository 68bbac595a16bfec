from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from keypoints.stages import StageNumber

from .validators import (
    NAME_SORT_KEY_LENGTH,
    customer_name_key,
    customer_name_sort_key,
    validate_credit_code,
    validate_phone,
)

NOT_NEGATIVE = MinValueValidator(0, message=_("This cannot be negative."))


def money_field(verbose_name, **kwargs):
    """An amount in CNY (yuan), never negative."""
    return models.DecimalField(
        verbose_name, max_digits=14, decimal_places=2, null=True, blank=True, validators=[NOT_NEGATIVE], **kwargs
    )


class LiveManager(models.Manager):
    """Records not archived: what every list, dashboard, reminder and scope starts from."""

    def get_queryset(self):
        return super().get_queryset().filter(archived_at__isnull=True)


class Archivable(models.Model):
    """A record that is archived and restored rather than deleted (归档).

    `objects` holds the live records only, so that an archived one leaves every list, dashboard and
    reminder without each of them having to remember it; `all_objects` holds them all (the archive page,
    the duplicate check, history). Rows archived together (a customer with its projects, contacts and
    key points) share a batch, and are restored together.
    """

    archived_at = models.DateTimeField(_("archived on"), null=True, blank=True, editable=False)
    archived_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("archived by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    archive_batch = models.UUIDField(null=True, blank=True, editable=False, db_index=True)

    objects = LiveManager()
    all_objects = models.Manager()  # noqa: DJ012 (the first manager declared is the default: the live one)

    class Meta:
        abstract = True

    @property
    def is_archived(self):
        return self.archived_at is not None


class Industry(models.TextChoices):
    MANUFACTURING = "manufacturing", _("Manufacturing")
    FINANCE = "finance", _("Finance")
    RETAIL = "retail", _("Retail and consumer goods")
    IT = "it", _("IT and software")
    HEALTHCARE = "healthcare", _("Healthcare")
    ENERGY = "energy", _("Energy and utilities")
    CONSTRUCTION = "construction", _("Construction and real estate")
    LOGISTICS = "logistics", _("Logistics")
    EDUCATION = "education", _("Education")
    GOVERNMENT = "government", _("Government and public sector")
    OTHER = "other", _("Other")


class Tier(models.TextChoices):
    STRATEGIC = "strategic", _("Strategic")
    KEY = "key", _("Key")
    NORMAL = "normal", _("Normal")


class Customer(Archivable):
    legal_name = models.CharField(_("legal name"), max_length=200, help_text=_("Exactly as on the business licence."))
    # The legal name as compared for duplicates (validators.customer_name_key), kept by save().
    name_key = models.CharField(max_length=200, unique=True, editable=False)
    # The legal name's pinyin (validators.customer_name_sort_key), kept by save(): lists sort by it.
    name_pinyin = models.CharField(max_length=NAME_SORT_KEY_LENGTH, editable=False, db_index=True, default="")
    credit_code = models.CharField(
        _("unified social credit code"),
        max_length=18,
        blank=True,
        validators=[validate_credit_code],
        help_text=_("18 characters, on the business licence. Optional."),
    )
    industry = models.CharField(_("industry"), max_length=32, choices=Industry.choices)
    employee_count = models.PositiveIntegerField(_("employees"), null=True, blank=True)
    annual_revenue = money_field(_("annual revenue (CNY)"))
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.PROTECT, related_name="owned_customers"
    )
    tier = models.CharField(_("account tier"), max_length=16, choices=Tier.choices, default=Tier.NORMAL)
    estimated_annual_purchase = money_field(
        _("estimated annual purchase (CNY)"), help_text=_("The estimate that justifies the tier.")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", editable=False
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(excluded_fields=["name_key", "name_pinyin", "created_at", "updated_at"])

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        ordering = ["name_pinyin", "legal_name"]
        # The ledger sorted by customer reads its customers in name order, through this.
        indexes = [models.Index(fields=["legal_name"])]
        constraints = [
            models.UniqueConstraint(
                fields=["credit_code"],
                condition=~models.Q(credit_code=""),
                name="customer_credit_code_unique",
                violation_error_message=_("A customer with this unified social credit code already exists."),
            ),
        ]

    def __str__(self):
        return self.legal_name

    def save(self, *args, **kwargs):
        # Derived, not a side effect: every way of saving a customer must keep the duplicate key and
        # the sort key true. (Bulk updates that change legal_name must set both too; none exists.)
        self.name_key = customer_name_key(self.legal_name)
        self.name_pinyin = customer_name_sort_key(self.legal_name)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "legal_name" in update_fields:
            kwargs["update_fields"] = {*update_fields, "name_key", "name_pinyin"}
        super().save(*args, **kwargs)


class DecisionRole(models.TextChoices):
    DECISION_MAKER = "decision_maker", _("Decision-maker")
    INFLUENCER = "influencer", _("Influencer")
    USER = "user", pgettext_lazy("decision role", "User")


class Stance(models.TextChoices):
    SUPPORTER = "supporter", _("Supporter")
    NEUTRAL = "neutral", _("Neutral")
    OPPONENT = "opponent", _("Opponent")


class Contact(Archivable):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(_("name"), max_length=64)
    title = models.CharField(_("title"), max_length=64, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True, validators=[validate_phone])
    email = models.EmailField(_("email"), blank=True)
    decision_role = models.CharField(
        _("decision-chain role"), max_length=16, choices=DecisionRole.choices, default=DecisionRole.INFLUENCER
    )
    stance = models.CharField(_("stance toward us"), max_length=16, choices=Stance.choices, default=Stance.NEUTRAL)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["customer_id", "name", "id"]

    def __str__(self):
        return f"{self.name} ({self.title})" if self.title else self.name


class Source(models.TextChoices):
    INBOUND = "inbound", _("Inbound inquiry")
    TRADE_SHOW = "trade_show", _("Trade show")
    REFERRAL = "referral", _("Referral")
    WEBSITE = "website", _("Website")
    OUTBOUND = "outbound", _("Outbound")
    OTHER = "other", _("Other")


class ProjectStatus(models.TextChoices):
    OPEN = "open", _("Open")
    ON_HOLD = "on_hold", _("On hold")
    LOST = "lost", _("Lost")
    COMPLETED = "completed", _("Completed")


class LostReason(models.Model):
    """Why deals are lost: a list the admin keeps, so that reviews can count reasons."""

    name = models.CharField(_("reason"), max_length=100, unique=True)
    name_en = models.CharField(_("reason in English"), max_length=100, blank=True)
    position = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("offered"), default=True)

    class Meta:
        verbose_name = _("lost reason")
        verbose_name_plural = _("lost reasons")
        ordering = ["position", "id"]

    def __str__(self):
        if self.name_en and not (get_language() or "").startswith("zh"):
            return self.name_en
        return self.name


class Project(Archivable):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="projects")
    name = models.CharField(_("project name"), max_length=200)
    source = models.CharField(_("source"), max_length=16, choices=Source.choices)
    pain_points = models.TextField(_("pain points"), blank=True)
    budget_min = money_field(_("budget from (CNY)"))
    budget_max = money_field(_("budget to (CNY)"))
    expected_close_date = models.DateField(_("expected close date"), null=True, blank=True)
    stage = models.PositiveSmallIntegerField(_("stage"), choices=StageNumber.choices, default=StageNumber.LEAD)
    status = models.CharField(_("status"), max_length=16, choices=ProjectStatus.choices, default=ProjectStatus.OPEN)
    lost_reason = models.ForeignKey(
        LostReason, verbose_name=_("lost reason"), on_delete=models.PROTECT, null=True, blank=True
    )
    status_note = models.TextField(_("status note"), blank=True, help_text=_("Why it was lost or put on hold."))
    resume_on = models.DateField(_("resume on"), null=True, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("project owner"),
        on_delete=models.PROTECT,
        related_name="owned_projects",
    )
    stage_entered_at = models.DateTimeField(_("in this stage since"), auto_now_add=True)
    # The outcome, from the newest contract key point with number, amount and date (kept by
    # keypoints.services whenever a key point is saved): once signed, the deal's value is this amount.
    signed_amount = money_field(_("signed amount (CNY)"), editable=False)
    signed_on = models.DateField(_("signing date"), null=True, blank=True, editable=False)
    # Kept by the database (keypoints/activity.py); read them from a query, as a saved instance's copy may
    # be stale. When its silence in its stage began (the stall rule, customers/stalls.py), and when its
    # newest key point happened (the lists' latest activity), archived key points included in both.
    quiet_since = models.DateTimeField(_("quiet since"), null=True, editable=False)
    last_keypoint_at = models.DateTimeField(_("last key point"), null=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(
        excluded_fields=["stage_entered_at", "quiet_since", "last_keypoint_at", "created_at", "updated_at"]
    )

    class Meta:
        verbose_name = _("project")
        verbose_name_plural = _("projects")
        ordering = ["-created_at", "-id"]
        indexes = [
            # The board: each stage's open deals, longest waiting first.
            models.Index(
                fields=["stage", "stage_entered_at", "id"],
                condition=models.Q(status=ProjectStatus.OPEN, archived_at__isnull=True),
                name="project_open_waiting",
            ),
            # The board's and the dashboard's pipeline: each stage's open deals counted and their value
            # summed from this index alone, narrow enough that PostgreSQL prefers it to reading the table.
            models.Index(
                fields=["stage", "signed_amount", "budget_max", "budget_min"],
                condition=models.Q(status=ProjectStatus.OPEN, archived_at__isnull=True),
                name="project_open_value",
            ),
            # The stall rule: each stage's open projects quiet since before its cutoff, quietest first.
            models.Index(
                fields=["stage", "quiet_since", "id"],
                condition=models.Q(status=ProjectStatus.OPEN, archived_at__isnull=True),
                name="project_open_quiet",
            ),
            # The customer list's latest activity: the newest of each customer's live projects', index alone.
            models.Index(
                fields=["customer", "last_keypoint_at"],
                condition=models.Q(archived_at__isnull=True),
                name="project_customer_activity",
            ),
            # The dashboard's period: the projects created in it (conversion, days in each stage, lead
            # ratings read each one's id, stage and status) and those signed in it, from the index alone.
            models.Index(
                fields=["created_at", "id", "stage", "status"],
                condition=models.Q(archived_at__isnull=True),
                name="project_live_created",
            ),
            models.Index(
                fields=["signed_on", "id", "signed_amount"],
                condition=models.Q(archived_at__isnull=True, signed_on__isnull=False),
                name="project_live_signed",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(budget_min__isnull=True)
                | models.Q(budget_max__isnull=True)
                | models.Q(budget_min__lte=models.F("budget_max")),
                name="project_budget_min_lte_max",
                violation_error_message=_("The budget's lower end cannot be above its upper end."),
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def is_signed(self):
        return self.signed_on is not None

    @property
    def is_active_deal(self):
        """In the open pipeline: neither lost nor completed (on hold still counts, paused)."""
        return self.status in (ProjectStatus.OPEN, ProjectStatus.ON_HOLD)

    @property
    def is_reviewable(self):
        """Its review (复盘) is open: the deal is signed, completed or lost."""
        return self.is_signed or self.status in (ProjectStatus.LOST, ProjectStatus.COMPLETED)


class TeamRole(models.TextChoices):
    TECHNICAL_CONSULTANT = "technical_consultant", _("Technical consultant")
    COMMERCIAL_SPECIALIST = "commercial_specialist", _("Commercial specialist")
    PRE_SALES = "pre_sales", _("Pre-sales engineer")
    DELIVERY = "delivery", _("Delivery manager")
    SALES = "sales", _("Sales rep")
    OTHER = "other", _("Other")


class ProjectMember(models.Model):
    """A support member of a project's sales team (the owner is Project.owner)."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("member"), on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("team role"), max_length=32, choices=TeamRole.choices)
    responsibility = models.CharField(_("responsibility"), max_length=200, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("team member")
        verbose_name_plural = _("team members")
        ordering = ["project_id", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "user"],
                name="project_member_unique",
                violation_error_message=_("This person is already on the project team."),
            ),
        ]

    def __str__(self):
        return f"{self.user} · {self.get_role_display()}"


class DecisionStep(models.Model):
    """One step of the customer's decision process, in order (technical evaluation → ...)."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="decision_steps")
    position = models.PositiveSmallIntegerField(_("order"), validators=[MinValueValidator(1)])
    name = models.CharField(_("step"), max_length=100, help_text=_("e.g. technical evaluation, finance review"))
    contact = models.ForeignKey(
        Contact,
        verbose_name=_("contact"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="decision_steps",
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("decision step")
        verbose_name_plural = _("decision steps")
        ordering = ["project_id", "position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "position"],
                name="decision_step_position_unique",
                violation_error_message=_("Another step already has this place in the chain."),
            ),
        ]

    def __str__(self):
        return self.name


class HandOver(models.Model):
    """One customer handed from one person to another (交接), and what moved with it."""

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="handovers"
    )
    from_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("from"), on_delete=models.PROTECT, related_name="+"
    )
    to_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("to"), on_delete=models.PROTECT, related_name="+"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(_("at"))
    # Rows written by one confirmation share a batch.
    batch = models.UUIDField(db_index=True)
    customer_moved = models.BooleanField(_("customer ownership moved"), default=False)
    # What moved with it, as shown on the customer page: {"projects": [[id, name], ...],
    # "next_steps": [[id, text], ...], "team_places": [[project id, project name], ...]}.
    moved = models.JSONField(default=dict, blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("hand-over")
        verbose_name_plural = _("hand-overs")
        ordering = ["-at", "-id"]

    def __str__(self):
        return f"{self.customer_id}: {self.from_user_id} → {self.to_user_id}"


MAX_STALL_DAYS = 365


class StallSetting(models.Model):
    """An admin's stall threshold for one stage; a stage without a row uses the registry's default."""

    stage = models.PositiveSmallIntegerField(_("stage"), choices=StageNumber.choices, unique=True)
    days = models.PositiveSmallIntegerField(
        _("days without a key point"),
        validators=[MaxValueValidator(MAX_STALL_DAYS)],
        help_text=_("0 turns the check off for this stage."),
    )
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("stall threshold")
        verbose_name_plural = _("stall thresholds")
        ordering = ["stage"]

    def __str__(self):
        return f"{self.get_stage_display()}: {self.days}"


class DuplicateLookup(models.Model):
    """One answer of the duplicate-customer check that named a customer outside the asker's scope.

    The check must say that a customer exists and who owns it (no duplicates), so it also answers
    about customers the asker may not read; each such answer is kept for the admin's audit log.
    The customer's name and owner are copied as they were named, so the entry reads the same after a
    rename, a hand-over or a deletion.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("asked by"), on_delete=models.PROTECT, related_name="+"
    )
    asked_at = models.DateTimeField(_("asked at"), auto_now_add=True, db_index=True)
    legal_name = models.CharField(_("legal name asked"), max_length=200, blank=True)
    credit_code = models.CharField(_("credit code asked"), max_length=18, blank=True)
    customer = models.ForeignKey(
        Customer, verbose_name=_("customer named"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    customer_name = models.CharField(_("customer named"), max_length=200)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner named"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("duplicate-customer lookup")
        verbose_name_plural = _("duplicate-customer lookups")
        ordering = ["-asked_at", "-id"]

    def __str__(self):
        return f"{self.user_id} → {self.customer_name}"
