from datetime import timedelta

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from customers.forms import DateInput
from customers.models import Contact, LostReason, ProjectStatus
from customers.versions import VersionedForm
from salesrecord.forms import IdChoiceField, formfield_callback

from .models import KeyPoint
from .stages import COMMON_FIELDS, StageNumber, all_stage_fields, get_stage

# A record may be logged a little ahead of the server clock (a phone's clock runs fast).
CLOCK_SLACK = timedelta(minutes=10)

# What makes a deal signed: the first contract-signing record of a project must hold all three.
CONTRACT_FIELDS = ("contract_number", "signed_amount", "signing_date")


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


def team_of(project, *extra_users):
    """The people who can take part in or own a next step: the project's team, plus anyone named already."""
    ids = {project.owner_id, *project.members.values_list("user_id", flat=True)}
    ids.update(user.pk for user in extra_users if user is not None)
    return get_user_model().objects.filter(Q(pk__in=ids)).order_by("username")


def chosen_stage(raw, instance, project):
    """The stage whose elements the form shows: the one asked for, else the record's, else the project's."""
    if raw:
        try:
            return get_stage(raw)
        except (KeyError, ValueError, TypeError):
            pass
    return get_stage(instance.stage or project.stage)


class KeyPointForm(VersionedForm):
    # A new key point is logged once by its own token, kept on the record.
    once = False
    client_token = forms.UUIDField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = KeyPoint
        formfield_callback = formfield_callback
        fields = [*COMMON_FIELDS, *all_stage_fields()]
        widgets = {
            "occurred_at": DateTimeInput(),
            "next_step_due": DateInput(),
            "signing_date": DateInput(),
            "our_participants": forms.CheckboxSelectMultiple,
            "customer_participants": forms.CheckboxSelectMultiple,
            "summary": forms.Textarea(attrs={"rows": 3}),
            "customer_feedback": forms.Textarea(attrs={"rows": 2}),
            "obstacles": forms.Textarea(attrs={"rows": 2}),
            "our_response": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, project, user, stage=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.project = project
        if stage is None and self.is_bound:
            stage = self.data.get("stage")
        self.stage_def = chosen_stage(stage, self.instance, project)
        for name in all_stage_fields():
            if name not in self.stage_def.own_fields:
                del self.fields[name]
        for name in self.stage_def.own_fields:
            field = self.fields[name]
            field.required = False
            if isinstance(field.widget, forms.Textarea):
                field.widget.attrs["rows"] = 2
        if self.stage_def.number == StageNumber.CONTRACT and not project.is_signed:
            # The project cannot enter contract signing without them: say so before the save, not after.
            for name in CONTRACT_FIELDS:
                self.fields[name].required = True

        existing = list(self.instance.our_participants.all()) if self.instance.pk else []
        team = team_of(project, user, *existing, getattr(self.instance, "next_step_owner", None))
        self.fields["our_participants"].queryset = team
        self.fields["next_step_owner"].queryset = team
        self.fields["customer_participants"].queryset = Contact.objects.filter(customer_id=project.customer_id)
        # Choosing another stage swaps in that stage's elements (htmx); without JavaScript the
        # form's "show this stage's elements" button does the same with a round trip.
        suffix = self.instance.pk or "new"
        url = reverse("projects:stage_fields", args=[project.pk])
        if self.instance.pk:
            url += f"?keypoint={self.instance.pk}"
        self.fields["stage"].widget.attrs.update(
            {"hx-get": url, "hx-target": f"#stage-fields-{suffix}", "hx-trigger": "change", "hx-swap": "innerHTML"}
        )
        self.initial["stage"] = self.stage_def.number
        if not self.instance.pk:
            self.initial.setdefault("occurred_at", timezone.localtime().replace(second=0, microsecond=0))
            self.initial.setdefault("our_participants", [user.pk])
            self.initial.setdefault("next_step_owner", user.pk)
        if not self.fields["customer_participants"].queryset.exists():
            self.fields["customer_participants"].help_text = _(
                "Add the customer's contacts first, on the customer page."
            )

    def common_fields(self):
        return [self[name] for name in COMMON_FIELDS if name != "stage"]

    def stage_fields(self):
        return [self[name] for name in self.stage_def.own_fields]

    def clean_occurred_at(self):
        occurred_at = self.cleaned_data["occurred_at"]
        if occurred_at > timezone.now() + CLOCK_SLACK:
            raise forms.ValidationError(_("A key point records what has happened: the time cannot be in the future."))
        return occurred_at

    def clean(self):
        cleaned = super().clean()
        occurred_at, due = cleaned.get("occurred_at"), cleaned.get("next_step_due")
        if occurred_at and due and due < timezone.localtime(occurred_at).date():
            self.add_error("next_step_due", _("The next step cannot be due before the event it follows."))
        after, floor = cleaned.get("price_after"), cleaned.get("floor_price")
        if after is not None and floor is not None and after < floor and cleaned.get("needs_approval") is not True:
            self.add_error(
                "needs_approval",
                _("The price after is below the authorised floor price: mark that approval above the rep is needed."),
            )
        return cleaned


class SeenStateForm(forms.Form):
    """Carries the stage and status the person saw, so that a change made since refuses the submit."""

    seen_stage = forms.TypedChoiceField(coerce=int, choices=StageNumber.choices, widget=forms.HiddenInput)
    seen_status = forms.ChoiceField(choices=ProjectStatus.choices, widget=forms.HiddenInput)

    def __init__(self, *args, project, **kwargs):
        super().__init__(*args, **kwargs)
        self.project = project
        self.fields["seen_stage"].initial = project.stage
        self.fields["seen_status"].initial = project.status
        for name in ("seen_stage", "seen_status"):
            self.fields[name].error_messages["required"] = self.fields[name].error_messages["invalid_choice"] = _(
                "This page is out of date. Reload the project and try again."
            )

    def seen(self):
        return {"seen_stage": self.cleaned_data["seen_stage"], "seen_status": self.cleaned_data["seen_status"]}

    def refresh_seen(self):
        """After a stale submit: keep what the person typed, and let their next confirm apply to what is there now."""
        self.data = self.data.copy()
        self.data["seen_stage"] = self.project.stage
        self.data["seen_status"] = self.project.status


class AdvanceForm(SeenStateForm):
    pass


class StageChangeForm(SeenStateForm):
    to_stage = forms.TypedChoiceField(label=_("Move to stage"), coerce=int, choices=StageNumber.choices)
    reason = forms.CharField(
        label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}), help_text=_("Why the usual order is not followed.")
    )

    def __init__(self, *args, project, **kwargs):
        super().__init__(*args, project=project, **kwargs)
        self.fields["to_stage"].choices = [(n, label) for n, label in StageNumber.choices if n != project.stage]


class LostForm(SeenStateForm):
    lost_reason = IdChoiceField(label=_("Lost reason"), queryset=LostReason.objects.filter(is_active=True))
    note = forms.CharField(
        label=_("Note"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What happened, briefly."),
    )


class HoldForm(SeenStateForm):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}))
    resume_on = forms.DateField(label=_("Resume on"), widget=DateInput())

    def clean_resume_on(self):
        resume_on = self.cleaned_data["resume_on"]
        if resume_on <= timezone.localdate():
            raise forms.ValidationError(_("The resume date must be in the future."))
        return resume_on


class ReopenForm(SeenStateForm):
    reason = forms.CharField(label=_("Reason"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class CompleteForm(SeenStateForm):
    note = forms.CharField(
        label=_("Closing note"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("How the deal ended: delivered, accepted, paid, what comes next."),
    )
