"""Form fields shared by every app."""

import re

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F
from django.utils.translation import gettext_lazy as _

# A database id: what any of our tables' keys can hold. Anything else is an invalid choice, refused
# before it reaches the database (SQLite cannot even bind an integer wider than 64 bits).
_ID = re.compile(r"^[0-9]{1,18}$")


def is_id(value):
    """Whether a value sent (a string, or None) can be one of our ids."""
    return value is not None and bool(_ID.match(str(value).strip()))


class ListedChoiceIterator(forms.models.ModelChoiceIterator):
    """A choice field's options read as a list, in one query. Django reads them through
    QuerySet.iterator(), which on PostgreSQL is a server-side cursor: three round trips (declare, fetch,
    close) for what is a few dozen people or reasons in every filter bar."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in self.queryset:
            yield self.choice(obj)


class IdChoiceField(forms.ModelChoiceField):
    iterator = ListedChoiceIterator

    def to_python(self, value):
        if value not in self.empty_values and not is_id(value):
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return super().to_python(value)


class IdMultipleChoiceField(forms.ModelMultipleChoiceField):
    iterator = ListedChoiceIterator

    def _check_values(self, value):
        for pk in value:
            if not is_id(pk):
                raise ValidationError(
                    self.error_messages["invalid_choice"], code="invalid_choice", params={"value": pk}
                )
        return super()._check_values(value)


class IdSetField(forms.Field):
    """A set of database ids from repeated values (checkboxes, hidden inputs); an empty set when none."""

    widget = forms.MultipleHiddenInput
    default_error_messages = {"invalid": _("Something sent with this form is not valid.")}

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def to_python(self, value):
        if value in self.empty_values:
            return frozenset()
        if isinstance(value, str):
            value = [value]
        if not all(is_id(item) for item in value):
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return frozenset(int(item) for item in value)


def formfield_callback(db_field, **kwargs):
    """ModelForm Meta.formfield_callback: relations become id-checked choice fields."""
    if isinstance(db_field, models.ForeignKey):
        kwargs.setdefault("form_class", IdChoiceField)
    elif isinstance(db_field, models.ManyToManyField):
        kwargs.setdefault("form_class", IdMultipleChoiceField)
    return db_field.formfield(**kwargs)


class IdConverter:
    """URL ids: the digits a database id can have; longer numbers find nothing (404)."""

    regex = "[0-9]{1,18}"

    def to_python(self, value):
        return int(value)

    def to_url(self, value):
        return str(value)


class IdModelChoiceFilter(django_filters.ModelChoiceFilter):
    field_class = IdChoiceField


def style_filter_widgets(filterset):
    """Bootstrap classes on a filter form's widgets, so that one template renders every filter bar.

    A filter left empty filters nothing: its empty choice reads 全部 / All, not a row of dashes.
    """
    for field in filterset.form.fields.values():
        # Plain choices take theirs from settings.FILTERS_EMPTY_CHOICE_LABEL.
        if isinstance(field, forms.ModelChoiceField) and field.empty_label is not None:
            field.empty_label = _("All")
        widget = field.widget
        if isinstance(widget, forms.CheckboxInput):
            widget.attrs["class"] = "form-check-input"
        elif isinstance(widget, forms.Select):
            widget.attrs["class"] = "form-select"
        else:
            widget.attrs["class"] = "form-control"


class SortFilter(django_filters.ChoiceFilter):
    """The `sort` dropdown of a SortedFilterSet; its choices come from the filter set's SORTS."""

    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Sort by"))
        kwargs.setdefault("method", "filter_sort")
        super().__init__(choices=(), empty_label=None, **kwargs)


class FilterBarSet(django_filters.FilterSet):
    """A filter set that the shared filter bar (templates/includes/filter_form.html) renders."""

    def active_filter_count(self):
        """How many filters narrow the list (the sort narrows nothing)."""
        if not self.is_bound:
            return 0
        return sum(1 for name in self.filters if name != "sort" and self.data.get(name) not in (None, ""))


class SortedFilterSet(FilterBarSet):
    """A filter set whose list sorts by one column at a time: `?sort=key` ascending, `?sort=-key` descending.

    Subclasses set SORTS ({key: (field, label)}; a field written "-field" sorts that column by the
    field reversed, e.g. days in stage by the date the stage was entered), DEFAULT_SORT, and declare
    `sort = SortFilter()`. A bound filter set without a sort uses the default. Empty values sort
    last either way; ties fall back to TIE_BREAK. An unknown sort (an old bookmark, a hand-edited
    link) falls back to the default: unlike a bad filter it changes no row, so the list answers.
    """

    SORTS = {}
    DEFAULT_SORT = ""
    TIE_BREAK = ("-pk",)

    def __init__(self, data=None, *args, **kwargs):
        if data is not None and data.get("sort") not in self.sort_values():
            data = data.copy()
            data["sort"] = self.DEFAULT_SORT
        super().__init__(data, *args, **kwargs)
        self.filters["sort"].extra["choices"] = self.sort_choices()

    @classmethod
    def sort_values(cls):
        return {*cls.SORTS, *(f"-{key}" for key in cls.SORTS)}

    @classmethod
    def sort_choices(cls):
        choices = []
        for key, (_field, label) in cls.SORTS.items():
            choices.append((f"-{key}", _("%(field)s, descending") % {"field": label}))
            choices.append((key, _("%(field)s, ascending") % {"field": label}))
        return choices

    @property
    def sort(self):
        """The sort the list is shown in: the one asked for, else the default."""
        value = self.data.get("sort") if self.data else None
        return value if value in self.sort_values() else self.DEFAULT_SORT

    def filter_sort(self, queryset, name, value):
        field = self.SORTS[value.lstrip("-")][0]
        descending = value.startswith("-")
        if field.startswith("-"):
            field, descending = field[1:], not descending
        ordered = F(field).desc(nulls_last=True) if descending else F(field).asc(nulls_last=True)
        return queryset.order_by(ordered, *self.TIE_BREAK)
