"""No lost updates: an edit form carries the version of the record it showed (the record's newest
history row), and saving over a newer version is refused, naming who changed what meanwhile.

The check runs inside the saving transaction with the record's row locked, so that of two people
saving at once from the same version the second waits, then finds the first's change and is refused.
"""

from django import forms
from django.core.exceptions import ValidationError
from django.utils import formats, timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from .once import OnceFormMixin
from .text import join_list


def version_of(instance):
    """The record's newest history row id; 0 for a record not yet saved, or kept before history."""
    if instance.pk is None:
        return 0
    newest = type(instance).history.filter(id=instance.pk).order_by("-history_id").values_list("history_id", flat=True)
    return newest.first() or 0


def _changed_fields(model, seen, newest):
    """The labels of the fields whose values differ between two history rows of one record."""
    old = model.history.filter(history_id=seen).first()
    if old is None:
        return []
    labels = []
    for field in model.history.model.tracked_fields:
        if field.name != "id" and getattr(old, field.attname) != getattr(newest, field.attname):
            labels.append(capfirst(field.verbose_name))
    return labels


def lock_unchanged(instance, seen):
    """Lock the record's row; refuse (ValidationError, code "stale") when its history moved past the
    version the form showed. A form that sent no version is not checked (a create has none)."""
    if instance.pk is None or seen is None:
        return
    model = type(instance)
    model._base_manager.select_for_update().filter(pk=instance.pk).exists()  # archived rows too
    newest = model.history.filter(id=instance.pk).select_related("history_user").order_by("-history_id").first()
    if newest is None or newest.history_id == seen:
        return
    fields = _changed_fields(model, seen, newest)
    named = join_list(fields) if fields else _("its team or participants")
    raise stale_error(who=newest.history_user, at=newest.history_date, fields=named)


def stale_error(*, who, at, fields):
    """The refusal of a form saved over a newer version: who changed what (a phrase) and when."""
    params = {
        "who": who or _("Someone"),
        "at": formats.date_format(timezone.localtime(at), "DATETIME_FORMAT"),
        "fields": fields,
    }
    return ValidationError(
        _(
            "%(who)s changed %(fields)s at %(at)s, after you opened this form. Nothing was saved: your input "
            "is kept below; check it against theirs and save again."
        ),
        code="stale",
        params=params,
    )


class VersionedForm(OnceFormMixin, forms.ModelForm):
    """A model form that carries the version of the record it shows (a hidden field); a form for a new
    record carries a one-time token instead (salesrecord/once.py)."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["version"].initial = version_of(self.instance)

    @property
    def seen_version(self):
        return self.cleaned_data.get("version") if hasattr(self, "cleaned_data") else None

    def refresh_version(self):
        """After a refusal: the form keeps the person's input and now carries the current version, so
        that their next save, once they have checked, goes through."""
        if self.is_bound:
            data = self.data.copy()
            data[self.add_prefix("version")] = version_of(type(self.instance).objects.get(pk=self.instance.pk))
            self.data = data
