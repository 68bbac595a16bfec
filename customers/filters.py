import django_filters
from django import forms
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from keypoints.stages import StageNumber
from salesrecord.forms import IdModelChoiceFilter, SortedFilterSet, SortFilter, style_filter_widgets

from . import permissions
from .models import Contact, Customer, Industry, Project, Tier


class CustomerFilter(SortedFilterSet):
    # sort key -> the field (annotated by selectors.customer_rows) it orders by, and its label.
    SORTS = {
        "activity": ("activity_at", _("Latest activity")),
        "name": ("name_pinyin", _("Customer")),
        "tier": ("tier_rank", _("Tier")),
        "owner": ("owner_name", _("Owner")),
    }
    DEFAULT_SORT = "-activity"
    TIE_BREAK = ("name_pinyin", "legal_name", "pk")

    q = django_filters.CharFilter(
        label=_("Search"),
        method="filter_search",
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Name, credit code, contact name or phone")}),
    )
    industry = django_filters.ChoiceFilter(label=_("Industry"), choices=Industry.choices)
    tier = django_filters.ChoiceFilter(label=_("Tier"), choices=Tier.choices)
    owner = IdModelChoiceFilter(label=_("Owner"), queryset=None)
    stage = django_filters.ChoiceFilter(label=_("Project stage"), choices=StageNumber.choices, method="filter_stage")
    sort = SortFilter()

    class Meta:
        model = Customer
        fields = ["q", "industry", "tier", "owner", "stage", "sort"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        # The dropdown lists only owners of customers this user can see.
        self.filters["owner"].queryset = permissions.owner_filter_choices(user)
        style_filter_widgets(self)

    def filter_search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        contact_match = Contact.objects.filter(customer=OuterRef("pk")).filter(
            Q(name__icontains=value) | Q(phone__icontains=value.replace(" ", ""))
        )
        return queryset.filter(
            Q(legal_name__icontains=value) | Q(credit_code__icontains=value.upper()) | Exists(contact_match)
        )

    def filter_stage(self, queryset, name, value):
        return queryset.filter(Exists(Project.objects.filter(customer=OuterRef("pk"), stage=value)))
