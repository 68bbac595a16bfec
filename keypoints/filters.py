import django_filters
from django import forms
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from customers import permissions
from customers.forms import DateInput
from customers.models import Industry, Project, ProjectStatus, Source, Tier
from salesrecord.forms import IdModelChoiceFilter, style_filter_widgets

from .models import KeyPoint, LeadRating, Method, NextStepStatus
from .stages import StageNumber

# sort key -> the field it orders by; ties fall back to newest first.
SORTS = {
    "occurred": ("occurred_at", _("Date")),
    "customer": ("project__customer__legal_name", _("Customer")),
    "stage": ("stage", _("Stage")),
    "completeness": ("elements_filled", _("Completeness")),
    "due": ("next_step_due", _("Next step due")),
}

SORT_VALUES = {*SORTS, *(f"-{key}" for key in SORTS)}


def sort_choices():
    choices = []
    for key, (_field, label) in SORTS.items():
        choices.append((f"-{key}", _("%(field)s, descending") % {"field": label}))
        choices.append((key, _("%(field)s, ascending") % {"field": label}))
    return choices


class KeyPointFilter(django_filters.FilterSet):
    stage = django_filters.ChoiceFilter(label=_("Stage"), choices=StageNumber.choices)
    owner = IdModelChoiceFilter(label=_("Project owner"), queryset=None, field_name="project__owner")
    customer = IdModelChoiceFilter(label=_("Customer"), queryset=None, field_name="project__customer")
    occurred_from = django_filters.DateFilter(
        label=_("Date from"), field_name="occurred_at", lookup_expr="date__gte", widget=DateInput()
    )
    occurred_to = django_filters.DateFilter(
        label=_("Date to"), field_name="occurred_at", lookup_expr="date__lte", widget=DateInput()
    )
    method = django_filters.ChoiceFilter(label=_("Method"), choices=Method.choices)
    lead_rating = django_filters.ChoiceFilter(label=_("Lead rating"), choices=LeadRating.choices)
    incomplete = django_filters.BooleanFilter(
        label=_("Incomplete only"), method="filter_incomplete", widget=forms.CheckboxInput
    )
    mine = django_filters.BooleanFilter(label=_("Logged by me"), method="filter_mine", widget=forms.CheckboxInput)
    overdue = django_filters.BooleanFilter(
        label=_("Next step overdue"), method="filter_overdue", widget=forms.CheckboxInput
    )
    sort = django_filters.ChoiceFilter(label=_("Sort by"), choices=sort_choices, method="filter_sort", empty_label=None)

    class Meta:
        model = KeyPoint
        fields = []

    def __init__(self, data=None, *args, user, **kwargs):
        if data is not None and data.get("sort") and data["sort"] not in SORT_VALUES:
            # An unknown sort (an old bookmark) falls back to newest first: unlike a bad filter, it
            # changes no row, so the page and the export still answer.
            data = data.copy()
            del data["sort"]
        super().__init__(data, *args, **kwargs)
        self.user = user
        # Dropdowns offer only what this user may see.
        self.filters["owner"].queryset = permissions.project_owner_choices(user)
        self.filters["customer"].queryset = permissions.visible_customers(user).only("pk", "legal_name")
        style_filter_widgets(self)

    def filter_incomplete(self, queryset, name, value):
        return queryset.filter(is_complete=False) if value else queryset

    def filter_mine(self, queryset, name, value):
        return queryset.filter(author=self.user) if value else queryset

    def filter_overdue(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(next_step_status=NextStepStatus.OPEN, next_step_due__lt=timezone.localdate())

    def filter_sort(self, queryset, name, value):
        field = SORTS[value.lstrip("-")][0]
        return queryset.order_by(f"-{field}" if value.startswith("-") else field, "-occurred_at", "-pk")


# The opportunity list: sort key -> the annotated or real field it orders by, and its label.
PROJECT_SORTS = {
    "activity": ("last_keypoint_at", _("Last key point")),
    "due": ("next_step_due", _("Next step due")),
    "value": ("value", _("Value")),
    "stage": ("stage", _("Stage")),
    "entered": ("stage_entered_at", _("In this stage since")),
    "customer": ("customer__legal_name", _("Customer")),
}


def project_sort_choices():
    choices = []
    for key, (_field, label) in PROJECT_SORTS.items():
        choices.append((f"-{key}", _("%(field)s, descending") % {"field": label}))
        choices.append((key, _("%(field)s, ascending") % {"field": label}))
    return choices


class ProjectFilter(django_filters.FilterSet):
    stage = django_filters.ChoiceFilter(label=_("Stage"), choices=StageNumber.choices)
    status = django_filters.ChoiceFilter(label=_("Status"), choices=ProjectStatus.choices)
    owner = IdModelChoiceFilter(label=_("Project owner"), queryset=None, field_name="owner")
    industry = django_filters.ChoiceFilter(
        label=_("Industry"), choices=Industry.choices, field_name="customer__industry"
    )
    source = django_filters.ChoiceFilter(label=_("Source"), choices=Source.choices)
    tier = django_filters.ChoiceFilter(label=_("Account tier"), choices=Tier.choices, field_name="customer__tier")
    sort = django_filters.ChoiceFilter(
        label=_("Sort by"), choices=project_sort_choices, method="filter_sort", empty_label=None
    )

    class Meta:
        model = Project
        fields = []

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        # Dropdowns offer only what this user may see.
        self.filters["owner"].queryset = permissions.project_owner_choices(user)
        style_filter_widgets(self)

    def filter_sort(self, queryset, name, value):
        field = PROJECT_SORTS[value.lstrip("-")][0]
        ordered = F(field).desc(nulls_last=True) if value.startswith("-") else F(field).asc(nulls_last=True)
        return queryset.order_by(ordered, "-pk")
