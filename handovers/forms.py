from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from customers import permissions
from salesrecord.forms import IdChoiceField, IdSetField

from .selectors import KINDS, Holdings


class RecipientForm(forms.Form):
    """Who receives (a GET form: choosing previews, it moves nothing)."""

    to_user = IdChoiceField(label=_("Hand over to"), queryset=None)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_user"].queryset = permissions.assignable_owners()


class BulkChoiceForm(RecipientForm):
    """From whom and to whom, for every customer a person owns."""

    from_user = IdChoiceField(label=_("From"), queryset=None, help_text=_("Everyone who owns customers."))

    field_order = ["from_user", "to_user"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["from_user"].queryset = permissions.owner_filter_choices(user)
        self.fields["to_user"].label = _("To")

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("from_user") and cleaned.get("from_user") == cleaned.get("to_user"):
            self.add_error(
                "to_user",
                forms.ValidationError(
                    _("Nothing would change: choose someone other than %(person)s."),
                    code="same_person",
                    params={"person": cleaned["from_user"]},
                ),
            )
        return cleaned


class PersonForm(forms.Form):
    """Whose everything to hand over (someone leaves)."""

    person = IdChoiceField(label=_("Person"), queryset=get_user_model().objects.order_by("-is_active", "username"))


class HandOverForm(forms.Form):
    """The confirmation of a preview: what it showed, and what of it the person ticked."""

    from_user = IdChoiceField(queryset=get_user_model().objects.all(), widget=forms.HiddenInput)
    to_user = IdChoiceField(queryset=None, widget=forms.HiddenInput)
    customers = IdSetField()
    projects = IdSetField()
    next_steps = IdSetField()
    team_places = IdSetField()
    shown_customers = IdSetField()
    shown_projects = IdSetField()
    shown_next_steps = IdSetField()
    shown_team_places = IdSetField()
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Why, or what the new owner should know. Shown with the hand-over on each customer page."),
    )

    def __init__(self, *args, from_user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_user"].queryset = permissions.assignable_owners()
        self.fields["to_user"].error_messages["invalid_choice"] = _(
            "This person can no longer own customers. Choose someone else."
        )
        # A page about one person (someone leaving) hands over their things, whatever is posted.
        self.from_user = from_user
        if from_user is not None:
            del self.fields["from_user"]

    def clean(self):
        cleaned = super().clean()
        if self.from_user is not None:
            cleaned["from_user"] = self.from_user
        return cleaned

    def shown(self):
        return Holdings(**{kind: self.cleaned_data[f"shown_{kind}"] for kind in KINDS})

    def chosen(self):
        return Holdings(**{kind: self.cleaned_data[kind] for kind in KINDS})
