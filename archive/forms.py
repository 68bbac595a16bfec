from django import forms
from django.utils.translation import gettext_lazy as _


class DeleteForGoodForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("I understand that this deletes the record and what goes with it for good; only its history stays."),
        error_messages={"required": _("Tick the box to confirm that this cannot be undone.")},
    )
