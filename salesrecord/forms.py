"""Form fields shared by every app."""

import re

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

# A database id: what any of our tables' keys can hold. Anything else is an invalid choice, refused
# before it reaches the database (SQLite cannot even bind an integer wider than 64 bits).
_ID = re.compile(r"^[0-9]{1,18}$")


def _is_id(value):
    return bool(_ID.match(str(value).strip()))


class IdChoiceField(forms.ModelChoiceField):
    def to_python(self, value):
        if value not in self.empty_values and not _is_id(value):
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return super().to_python(value)


class IdMultipleChoiceField(forms.ModelMultipleChoiceField):
    def _check_values(self, value):
        for pk in value:
            if not _is_id(pk):
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
        if not all(_is_id(item) for item in value):
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
