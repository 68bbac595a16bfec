from django import forms
from django.utils.translation import gettext_lazy as _

from customers import permissions
from salesrecord.forms import IdChoiceField


class ReassignCustomerForm(forms.Form):
    new_owner = IdChoiceField(label=_("New owner"), queryset=None)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["new_owner"].queryset = permissions.assignable_owners()


class BulkReassignForm(forms.Form):
    from_user = IdChoiceField(label=_("From"), queryset=None, help_text=_("Everyone who owns customers."))
    to_user = IdChoiceField(label=_("To"), queryset=None)
    include_projects = forms.BooleanField(
        label=_("Also hand over their projects on these customers"), required=False, initial=True
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["from_user"].queryset = permissions.owner_filter_choices(user)
        self.fields["to_user"].queryset = permissions.assignable_owners()

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("from_user") and cleaned.get("from_user") == cleaned.get("to_user"):
            self.add_error("to_user", _("Choose someone other than the current owner."))
        return cleaned
