from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from salesrecord.forms import IdChoiceField

from .registry import KINDS


class AuditFilterForm(forms.Form):
    user = IdChoiceField(label=_("Changed by"), required=False, queryset=get_user_model().objects.order_by("username"))
    kind = forms.ChoiceField(
        label=_("Record"), required=False, choices=[("", _("All")), *((k.key, k.label) for k in KINDS.values())]
    )
    date_from = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            raise forms.ValidationError(_("The start date is after the end date."))
        return cleaned
