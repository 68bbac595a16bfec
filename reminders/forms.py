from django import forms
from django.utils.translation import gettext_lazy as _

from customers.models import MAX_STALL_DAYS
from keypoints.stages import STAGES
from salesrecord.versions import VersionedForm

from .models import ChatWebhook, Preference


class PreferenceForm(forms.ModelForm):
    class Meta:
        model = Preference
        fields = ["language", "email_stall", "email_overdue", "email_resume", "daily_summary"]


class ThresholdsForm(forms.Form):
    """One number per stage: days without a key point before a project in it is stalled."""

    # The version of the thresholds shown (reminders.services.thresholds_version).
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0)

    def __init__(self, *args, current, version, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["version"].initial = version
        for stage in STAGES:
            self.fields[f"stage_{stage.number}"] = forms.IntegerField(
                label=f"{stage.number}. {stage.label}",
                min_value=0,
                max_value=MAX_STALL_DAYS,
                initial=current[stage.number],
                help_text=_("Default %(days)s; 0 turns the check off.") % {"days": stage.default_stall_days},
                widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
            )

    def thresholds(self):
        return {stage.number: self.cleaned_data[f"stage_{stage.number}"] for stage in STAGES}

    def refresh_version(self, version):
        """After a refusal: the input stays, and the form carries the current version for the next save."""
        data = self.data.copy()
        data[self.add_prefix("version")] = version
        self.data = data


class ChatWebhookForm(VersionedForm):
    class Meta:
        model = ChatWebhook
        fields = ["name", "platform", "url", "secret", "owner", "daily_summary", "is_active"]
        widgets = {"secret": forms.PasswordInput(render_value=True)}

    def __init__(self, *args, owners, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = owners
        self.fields["url"].assume_scheme = "https"

    def clean_url(self):
        url = self.cleaned_data["url"]
        if not url.startswith(("https://", "http://")):
            raise forms.ValidationError(
                _("Paste the robot's address as the platform shows it, starting with https://.")
            )
        return url
