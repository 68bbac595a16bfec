"""The dashboard's filter bar: a period, and the project owner, industry, source and customer tier."""

import datetime
from dataclasses import dataclass

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from customers import permissions
from customers.forms import DateInput
from customers.models import Industry, Source, Tier
from salesrecord.forms import IdModelChoiceFilter, style_filter_widgets

# The longest custom period: two years of weeks is already a wide table.
MAX_PERIOD_DAYS = 731
# Dates before this are typing slips, not sales history.
EARLIEST = datetime.date(2000, 1, 1)


class Period(models.TextChoices):
    LAST_90_DAYS = "last_90_days", _("Last 90 days")
    THIS_MONTH = "this_month", _("This month")
    THIS_QUARTER = "this_quarter", _("This quarter")
    THIS_YEAR = "this_year", _("This year")
    CUSTOM = "custom", _("Custom dates")


DEFAULT_PERIOD = Period.LAST_90_DAYS


@dataclass(frozen=True)
class DateRange:
    start: datetime.date
    end: datetime.date


def preset_range(period, today):
    """The dates a preset period covers, both included; calendar periods run to their last day."""
    if period == Period.THIS_MONTH:
        start = today.replace(day=1)
        return DateRange(start, (start + datetime.timedelta(days=32)).replace(day=1) - datetime.timedelta(days=1))
    if period == Period.THIS_QUARTER:
        start = today.replace(month=(today.month - 1) // 3 * 3 + 1, day=1)
        end_month = start.month + 2
        next_start = datetime.date(start.year + (end_month == 12), end_month % 12 + 1, 1)
        return DateRange(start, next_start - datetime.timedelta(days=1))
    if period == Period.THIS_YEAR:
        return DateRange(today.replace(month=1, day=1), today.replace(month=12, day=31))
    return DateRange(today - datetime.timedelta(days=89), today)


class DashboardFilterForm(forms.Form):
    def clean(self):
        cleaned = super().clean()
        period = cleaned.get("period") or DEFAULT_PERIOD
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if "period" in self.errors or "date_from" in self.errors or "date_to" in self.errors:
            return cleaned
        if period != Period.CUSTOM:
            if start or end:
                raise ValidationError(
                    _("Dates apply to a custom period: choose “Custom dates” as the period, or clear the dates."),
                    code="dates_without_custom",
                )
            cleaned["date_range"] = preset_range(period, timezone.localdate())
            return cleaned
        if not (start and end):
            raise ValidationError(_("A custom period needs both dates."), code="custom_incomplete")
        if start < EARLIEST or end < EARLIEST:
            raise ValidationError(_("Choose dates from the year 2000 on."), code="too_early")
        if start > end:
            raise ValidationError(_("The period cannot end before it starts."), code="reversed")
        if (end - start).days >= MAX_PERIOD_DAYS:
            raise ValidationError(_("Choose a period of at most two years."), code="too_long")
        cleaned["date_range"] = DateRange(start, end)
        return cleaned


def _whole_period(queryset, name, value):
    # The period is not a condition on one list: each figure reads it (dashboard.metrics).
    return queryset


class DashboardFilter(django_filters.FilterSet):
    """Validates the dashboard's filters; `scope_params()` and `date_range` are what the figures read."""

    period = django_filters.ChoiceFilter(
        label=_("Period"), choices=Period.choices, empty_label=None, method=_whole_period
    )
    date_from = django_filters.DateFilter(label=_("Start date"), method=_whole_period, widget=DateInput())
    date_to = django_filters.DateFilter(label=_("End date"), method=_whole_period, widget=DateInput())
    owner = IdModelChoiceFilter(label=_("Project owner"), queryset=None, field_name="owner")
    industry = django_filters.ChoiceFilter(
        label=_("Industry"), choices=Industry.choices, field_name="customer__industry"
    )
    source = django_filters.ChoiceFilter(label=_("Source"), choices=Source.choices)
    tier = django_filters.ChoiceFilter(label=_("Account tier"), choices=Tier.choices, field_name="customer__tier")

    # The filters that narrow the projects, named as the opportunity list and the ledger name them.
    SCOPE = ("owner", "industry", "source", "tier")

    class Meta:
        form = DashboardFilterForm
        fields = []

    def __init__(self, data, *, user):
        data = data.copy()
        if not data.get("period"):
            data["period"] = DEFAULT_PERIOD
        self.user = user
        super().__init__(data, queryset=permissions.visible_projects(user))
        # Only owners of projects this user may see (a rep: those on their own customers).
        self.filters["owner"].queryset = permissions.project_owner_choices(user)
        style_filter_widgets(self)

    @property
    def date_range(self):
        return self.form.cleaned_data["date_range"]

    def scope_params(self):
        """The narrowing filters that are set, as query parameters for the lists' links."""
        params = {}
        for name in self.SCOPE:
            value = self.form.cleaned_data.get(name)
            if value:
                params[name] = value.pk if hasattr(value, "pk") else value
        return params

    def active_filter_count(self):
        count = sum(1 for name in self.SCOPE if self.data.get(name) not in (None, ""))
        return count + (self.data.get("period") != DEFAULT_PERIOD)
