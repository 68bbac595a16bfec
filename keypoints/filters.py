from datetime import date, datetime, time, timedelta
from decimal import Decimal

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Exists, OuterRef
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from customers import permissions, stalls
from customers import selectors as customer_selectors
from customers.forms import CustomerSearchField, DateInput
from customers.models import Customer, Industry, LostReason, Project, ProjectStatus, Source, Tier
from salesrecord.forms import FilterBarSet, IdModelChoiceFilter, SortedFilterSet, SortFilter, style_filter_widgets

from . import permissions as keypoint_permissions
from . import selectors, timeliness
from .models import KeyPoint, LeadRating, Method, NextStepStatus, StageChange, StageHistory
from .paging import Key
from .stages import StageNumber

# The rating filter's value for projects without a rated lead record.
UNRATED = "none"


def hide_unset(filterset, names):
    """Filters that only links set (the dashboard's drill-downs) stay out of the bar until one does."""
    for name in names:
        if not (filterset.data or {}).get(name):
            filterset.form.fields[name].widget = forms.HiddenInput()


def start_of_day(day):
    """The moment `day` begins in the current time zone."""
    return timezone.make_aware(datetime.combine(day, time.min))


class CustomerSearchFilter(django_filters.Filter):
    """A customer searched by name (customers.forms.CustomerSearchField); the filter set puts the
    customers one may choose from in extra["queryset"] and filters by its method."""

    field_class = CustomerSearchField


class Timeliness(models.TextChoices):
    """How soon after its event a key point was written (keypoints/timeliness.py)."""

    ON_TIME = "on_time", _("Recorded within 24 hours")
    LATE = "late", _("Recorded more than 24 hours later")
    WEEK_LATE = "week_late", _("Recorded more than 7 days later")


# Each choice as a condition the database applies.
TIMELINESS_CONDITIONS = {
    Timeliness.ON_TIME: lambda: timeliness.recorded_within(timeliness.ON_TIME),
    Timeliness.LATE: lambda: timeliness.recorded_after(timeliness.ON_TIME),
    Timeliness.WEEK_LATE: lambda: timeliness.recorded_after(timeliness.LONG_AFTER),
}


class KeyPointFilter(SortedFilterSet):
    # sort key -> the field it orders by; ties fall back to newest first.
    SORTS = {
        "occurred": ("occurred_at", _("Date")),
        "customer": ("project__customer__legal_name", _("Customer")),
        "stage": ("stage", _("Stage")),
        "completeness": ("elements_filled", _("Completeness")),
        "due": ("next_step_due", _("Next step due")),
        "delay": ("recording_delay", _("Recorded")),
    }
    DEFAULT_SORT = "-occurred"
    # What each sort's values are, as a page link (keypoints/paging.py) writes them; "delay" is the
    # recording_delay that selectors.ledger_rows annotates.
    SORT_KINDS = {
        "occurred": datetime,
        "customer": str,
        "stage": int,
        "completeness": int,
        "due": date,
        "delay": timedelta,
    }

    stage = django_filters.ChoiceFilter(label=_("Stage"), choices=StageNumber.choices)
    owner = IdModelChoiceFilter(label=_("Project owner"), queryset=None, field_name="project__owner")
    # Searched as one types, not a dropdown of every customer (thousands, in a large book).
    customer = CustomerSearchFilter(label=_("Customer"), method="filter_customer")
    occurred_from = django_filters.DateFilter(label=_("Date from"), method="filter_occurred_from", widget=DateInput())
    occurred_to = django_filters.DateFilter(label=_("Date to"), method="filter_occurred_to", widget=DateInput())
    method = django_filters.ChoiceFilter(label=_("Method"), choices=Method.choices)
    lead_rating = django_filters.ChoiceFilter(label=_("Lead rating"), choices=LeadRating.choices)
    incomplete = django_filters.BooleanFilter(
        label=_("Incomplete only"), method="filter_incomplete", widget=forms.CheckboxInput
    )
    mine = django_filters.BooleanFilter(label=_("Logged by me"), method="filter_mine", widget=forms.CheckboxInput)
    timeliness = django_filters.ChoiceFilter(
        label=_("Timeliness"), choices=Timeliness.choices, method="filter_timeliness"
    )
    overdue = django_filters.BooleanFilter(
        label=_("Next step overdue"), method="filter_overdue", widget=forms.CheckboxInput
    )
    # The dashboard's drill-downs (shown in the bar once a link sets them).
    author = IdModelChoiceFilter(label=_("Author"), queryset=None)
    project_status = django_filters.ChoiceFilter(
        label=_("Project status"), choices=ProjectStatus.choices, field_name="project__status"
    )
    industry = django_filters.ChoiceFilter(
        label=_("Industry"), choices=Industry.choices, field_name="project__customer__industry"
    )
    source = django_filters.ChoiceFilter(label=_("Source"), choices=Source.choices, field_name="project__source")
    tier = django_filters.ChoiceFilter(
        label=_("Account tier"), choices=Tier.choices, field_name="project__customer__tier"
    )
    obstacle = django_filters.CharFilter(label=_("Obstacle"), method="filter_obstacle")
    DRILL_DOWNS = ("author", "project_status", "industry", "source", "tier", "obstacle")
    sort = SortFilter()

    class Meta:
        model = KeyPoint
        fields = []

    def __init__(self, data=None, *args, user, **kwargs):
        super().__init__(data, *args, **kwargs)
        self.user = user
        # Dropdowns offer only what this user may see.
        self.filters["owner"].queryset = permissions.project_owner_choices(user)
        self.filters["customer"].extra["queryset"] = permissions.visible_customers(user).only("pk", "legal_name")
        self.filters["author"].queryset = keypoint_permissions.author_choices(user)
        style_filter_widgets(self)
        hide_unset(self, self.DRILL_DOWNS)

    def active_filter_count(self):
        typed = self.is_bound and not self.data.get("customer") and self.data.get("customer_q", "").strip()
        return super().active_filter_count() + (1 if typed else 0)

    def filter_customer(self, queryset, name, value):
        # The customer chosen; else every customer whose name holds the text typed (without JavaScript).
        if value.customer is not None:
            return queryset.filter(project__customer=value.customer)
        return queryset.filter(
            project__customer__in=customer_selectors.customers_matching(Customer.objects.all(), value.text)
        )

    # The dates as moments (the start of the day in the site's time zone), so that the occurred_at
    # indexes serve them; a day at the end of the calendar bounds nothing.
    def filter_occurred_from(self, queryset, name, value):
        if value == date.min:
            return queryset
        return queryset.filter(occurred_at__gte=start_of_day(value))

    def filter_occurred_to(self, queryset, name, value):
        return (
            queryset.filter(occurred_at__lt=start_of_day(value + timedelta(days=1))) if value < date.max else queryset
        )

    def filter_incomplete(self, queryset, name, value):
        return queryset.filter(is_complete=False) if value else queryset

    def filter_mine(self, queryset, name, value):
        return queryset.filter(author=self.user) if value else queryset

    def filter_overdue(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(next_step_status=NextStepStatus.OPEN, next_step_due__lt=timezone.localdate())

    def filter_timeliness(self, queryset, name, value):
        return queryset.filter(TIMELINESS_CONDITIONS[value]())

    def filter_obstacle(self, queryset, name, value):
        # The obstacle exactly as the dashboard counts it: the stored `named_obstacle` (models.named_obstacle),
        # so an answer that says there is none ("无") names no obstacle here either.
        return queryset.filter(named_obstacle=value) if value else queryset

    def filter_sort(self, queryset, name, value):
        # Plain ascending/descending (no NULLS LAST: these fields are never empty), so that the
        # export's newest-first order can read the occurred_at index.
        field = self.SORTS[value.lstrip("-")][0]
        if field == "recording_delay":
            # Computed, not stored: sorted by its expression, whatever the rows carry.
            delay = timeliness.recording_delay()
            return queryset.order_by(delay.desc() if value.startswith("-") else delay.asc(), "-occurred_at", "-pk")
        return queryset.order_by(f"-{field}" if value.startswith("-") else field, "-occurred_at", "-pk")

    def order_keys(self):
        return self.order_keys_for(self.sort)

    @classmethod
    def order_keys_for(cls, sort):
        """The list's order as keyset paging reads it: the sort, then newest first, then the id."""
        key = sort.lstrip("-")
        field = cls.SORTS[key][0]
        keys = [Key(field, cls.SORT_KINDS[key], sort.startswith("-"))]
        if field != "occurred_at":
            keys.append(Key("occurred_at", datetime, True))
        return [*keys, Key("pk", int, True)]


# The highest value a filter accepts (yuan), and the longest quiet spell (days): beyond them nothing is
# meant, and a database should not be asked.
MAX_VALUE = Decimal("999999999999")
MAX_QUIET_DAYS = 3650


class WholeNumberFilter(django_filters.NumberFilter):
    field_class = forms.IntegerField


class DealFilter(FilterBarSet):
    """The filters every view of deals shares — the opportunity list and the pipeline board — so that
    a board column's count and the list it drills into agree: project owner, the customer's industry,
    source, the customer's account tier, stalled only."""

    # The names a drill-down from the board carries to the opportunity list.
    SHARED = ("owner", "industry", "source", "tier", "stalled")

    owner = IdModelChoiceFilter(label=_("Project owner"), queryset=None, field_name="owner")
    industry = django_filters.ChoiceFilter(
        label=_("Industry"), choices=Industry.choices, field_name="customer__industry"
    )
    source = django_filters.ChoiceFilter(label=_("Source"), choices=Source.choices)
    tier = django_filters.ChoiceFilter(label=_("Account tier"), choices=Tier.choices, field_name="customer__tier")
    stalled = django_filters.BooleanFilter(label=_("Stalled only"), method="filter_stalled", widget=forms.CheckboxInput)

    class Meta:
        model = Project
        fields = []

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        # Dropdowns offer only what this user may see.
        self.filters["owner"].queryset = permissions.project_owner_choices(user)
        style_filter_widgets(self)

    def filter_stalled(self, queryset, name, value):
        # Past its stage's threshold without a key point (customers/stalls.py), as the reminders see it.
        return queryset.filter(pk__in=stalls.stalled(Project.objects.all()).values("pk")) if value else queryset

    def shared_query(self):
        """The shared filters in force, as a query string's values (call once the filter set is valid)."""
        query = QueryDict(mutable=True)
        for name in self.SHARED:
            value = self.form.cleaned_data.get(name)
            if value in (None, "", False):
                continue
            query[name] = "on" if value is True else getattr(value, "pk", value)
        return query


class ProjectFilterForm(forms.Form):
    # The shared filters sit among the list's own, in the order a person reads them.
    field_order = ("stage", "status", "owner", "industry", "source", "tier", "value_min", "value_max", "quiet_days")

    def clean(self):
        cleaned = super().clean()
        low, high = cleaned.get("value_min"), cleaned.get("value_max")
        if low is not None and high is not None and low > high:
            raise ValidationError(_("The lowest value cannot be above the highest."), code="value_range")
        return cleaned


class ProjectFilter(DealFilter, SortedFilterSet):
    # sort key -> the annotated or real field it orders by (reversed with "-"), and its label.
    SORTS = {
        "activity": ("last_keypoint_at", _("Last key point")),
        "due": ("next_step_due", _("Next step due")),
        "value": ("value", _("Value")),
        "stage": ("stage", _("Stage")),
        "status": ("status_rank", _("Status")),
        "owner": ("owner_name", _("Project owner")),
        "days": ("-stage_entered_at", _("Days in stage")),
        # Customers in pinyin order, as the customer list names them.
        "customer": ("customer__name_pinyin", _("Customer")),
    }
    DEFAULT_SORT = "-activity"

    stage = django_filters.ChoiceFilter(label=_("Stage"), choices=StageNumber.choices)
    status = django_filters.ChoiceFilter(label=_("Status"), choices=ProjectStatus.choices)
    value_min = django_filters.NumberFilter(
        label=_("Value from (CNY)"),
        field_name="value",
        lookup_expr="gte",
        min_value=0,
        max_value=MAX_VALUE,
        widget=forms.NumberInput(attrs={"min": 0, "step": 1, "inputmode": "numeric"}),
    )
    value_max = django_filters.NumberFilter(
        label=_("Value to (CNY)"),
        field_name="value",
        lookup_expr="lte",
        min_value=0,
        max_value=MAX_VALUE,
        widget=forms.NumberInput(attrs={"min": 0, "step": 1, "inputmode": "numeric"}),
    )
    quiet_days = WholeNumberFilter(
        label=_("No key point for (days)"),
        method="filter_quiet_days",
        min_value=1,
        max_value=MAX_QUIET_DAYS,
        widget=forms.NumberInput(attrs={"min": 1, "max": MAX_QUIET_DAYS, "step": 1, "inputmode": "numeric"}),
    )
    # The dashboard's drill-downs (shown in the bar once a link sets them).
    created_from = django_filters.DateFilter(
        label=_("Created from"), field_name="created_at", lookup_expr="date__gte", widget=DateInput()
    )
    created_to = django_filters.DateFilter(
        label=_("Created to"), field_name="created_at", lookup_expr="date__lte", widget=DateInput()
    )
    signed_from = django_filters.DateFilter(
        label=_("Signed from"), field_name="signed_on", lookup_expr="gte", widget=DateInput()
    )
    signed_to = django_filters.DateFilter(
        label=_("Signed to"), field_name="signed_on", lookup_expr="lte", widget=DateInput()
    )
    reached = django_filters.ChoiceFilter(
        label=_("Reached stage"), choices=StageNumber.choices, method="filter_reached"
    )
    rating = django_filters.ChoiceFilter(
        label=_("Lead rating"), choices=[*LeadRating.choices, (UNRATED, _("Unrated"))], method="filter_rating"
    )
    lost_from = django_filters.DateFilter(label=_("Lost from"), method="filter_lost", widget=DateInput())
    lost_to = django_filters.DateFilter(label=_("Lost to"), method="filter_lost", widget=DateInput())
    lost_reason = IdModelChoiceFilter(label=_("Lost reason"), queryset=LostReason.objects.all(), method="filter_lost")
    DRILL_DOWNS = (
        "created_from", "created_to", "signed_from", "signed_to", "reached", "rating", "lost_from", "lost_to",
        "lost_reason",
    )  # fmt: skip
    sort = SortFilter()

    class Meta:
        model = Project
        fields = []
        form = ProjectFilterForm

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        hide_unset(self, self.DRILL_DOWNS)

    def filter_reached(self, queryset, name, value):
        return queryset.alias(reached=selectors.reached_stage()).filter(reached__gte=value)

    def filter_rating(self, queryset, name, value):
        return queryset.alias(rating=selectors.lead_rating()).filter(rating="" if value == UNRATED else value)

    def filter_lost(self, queryset, name, value):
        # Lost in the period, for that reason: one and the same "lost" change must match all three
        # (a deal lost twice for different reasons counts once for each, as the dashboard counts it).
        data = self.form.cleaned_data
        lost = StageHistory.objects.filter(project=OuterRef("pk"), kind=StageChange.LOST)
        if data.get("lost_from"):
            lost = lost.filter(at__date__gte=data["lost_from"])
        if data.get("lost_to"):
            lost = lost.filter(at__date__lte=data["lost_to"])
        if data.get("lost_reason"):
            lost = lost.filter(lost_reason=data["lost_reason"])
        return queryset.filter(Exists(lost))

    def filter_quiet_days(self, queryset, name, value):
        # Quiet since the newest key point or, with none yet, since it entered its stage.
        return queryset.filter(last_activity_at__lt=timezone.now() - timedelta(days=value))
