from typing import NamedTuple

from django import forms
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from keypoints.stages import StageNumber
from salesrecord.forms import IdChoiceField, formfield_callback, is_id

from . import duplicates, permissions, selectors
from .models import Contact, Customer, DecisionStep, Project, ProjectMember
from .services import find_duplicate_customer
from .validators import customer_name_key, normalize_credit_code, normalize_phone, validate_credit_code
from .versions import VersionedForm

# The longest text the customer choice searches for (a legal name is at most 200 characters).
NAME_SEARCH_LENGTH = 200


def duplicate_customer_message(existing):
    if existing.archived_at is not None:
        return _(
            "The customer “%(name)s” already exists, archived; its owner was %(owner)s. A sales lead or an admin "
            "can restore it from the archive."
        ) % {"name": existing.legal_name, "owner": existing.owner}
    return _("The customer “%(name)s” already exists; its owner is %(owner)s. Ask them or a sales lead.") % {
        "name": existing.legal_name,
        "owner": existing.owner,
    }


def too_many_lookups_message(minutes):
    return ngettext(
        "Too many customer lookups for now: try again in %(minutes)d minute.",
        "Too many customer lookups for now: try again in %(minutes)d minutes.",
        minutes,
    ) % {"minutes": minutes}


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class CustomerForm(VersionedForm):
    # Longer than 18, to leave room for the spaces people paste between groups; they are removed.
    credit_code = forms.CharField(
        label=Customer._meta.get_field("credit_code").verbose_name,
        help_text=Customer._meta.get_field("credit_code").help_text,
        max_length=30,
        required=False,
    )

    class Meta:
        model = Customer
        formfield_callback = formfield_callback
        fields = [
            "legal_name",
            "credit_code",
            "industry",
            "employee_count",
            "annual_revenue",
            "tier",
            "estimated_annual_purchase",
            "owner",
        ]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        # The duplicate check is limited per person (customers.duplicates): past the limit the form
        # is refused as a whole, with 429, and looks nothing up.
        self.lookup_counted = False
        self.throttled = False
        if permissions.can_reassign(user):
            self.fields["owner"].queryset = permissions.assignable_owners()
            if not self.instance.pk:
                self.fields["owner"].initial = user.pk
        else:
            # A rep's new customer is theirs; only admin and lead hand customers over.
            del self.fields["owner"]
        self.fields["credit_code"].widget.attrs.update(autocapitalize="characters")

    def clean_legal_name(self):
        name = self.cleaned_data["legal_name"].strip()
        # The customer's own name needs no lookup: no other customer can hold it (name_key is unique).
        if customer_name_key(name) != self.instance.name_key:
            self._raise_if_duplicate(legal_name=name)
        return name

    def clean_credit_code(self):
        code = normalize_credit_code(self.cleaned_data["credit_code"])
        if code:
            validate_credit_code(code)
            if code != self.instance.credit_code:
                self._raise_if_duplicate(legal_name="", credit_code=code)
        return code

    def _raise_if_duplicate(self, *, legal_name, credit_code=""):
        if not self._lookup_allowed():
            return
        existing = find_duplicate_customer(legal_name=legal_name, credit_code=credit_code, exclude_pk=self.instance.pk)
        if existing is not None:
            duplicates.record_answer(user=self.user, existing=existing, legal_name=legal_name, credit_code=credit_code)
            raise forms.ValidationError(duplicate_customer_message(existing), code="duplicate")

    def _lookup_allowed(self):
        """One submission counts as one lookup, however many of its fields are looked up."""
        if self.throttled:
            return False
        if not self.lookup_counted:
            self.lookup_counted = True
            try:
                duplicates.count_lookup(self.user)
            except duplicates.TooManyLookups as refused:
                self.throttled = True
                self.add_error(
                    None, forms.ValidationError(too_many_lookups_message(refused.wait_minutes), code="throttled")
                )
                return False
        return True

    def refuse_duplicate(self, existing):
        """A duplicate that the save met after the form's check passed (saved meanwhile by someone else)."""
        duplicates.record_answer(
            user=self.user,
            existing=existing,
            legal_name=self.cleaned_data.get("legal_name", ""),
            credit_code=self.cleaned_data.get("credit_code", ""),
        )
        self.add_error(None, duplicate_customer_message(existing))


class ContactForm(VersionedForm):
    class Meta:
        model = Contact
        formfield_callback = formfield_callback
        fields = ["name", "title", "phone", "email", "decision_role", "stance"]
        widgets = {"phone": forms.TextInput(attrs={"type": "tel", "inputmode": "tel"})}

    def clean_phone(self):
        return normalize_phone(self.cleaned_data["phone"])


class ProjectForm(VersionedForm):
    class Meta:
        model = Project
        formfield_callback = formfield_callback
        fields = [
            "name",
            "source",
            "pain_points",
            "budget_min",
            "budget_max",
            "expected_close_date",
            "stage",
            "owner",
        ]
        widgets = {"expected_close_date": DateInput(), "pain_points": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            # Stage changes go through the stage path, with their history.
            del self.fields["stage"]
        else:
            # A new project has no contract key point yet, so it starts before contract signing.
            self.fields["stage"].choices = [(n, label) for n, label in StageNumber.choices if n < StageNumber.CONTRACT]
            self.fields["stage"].help_text = _(
                "Where the deal stands today. A deal already signed starts in negotiation: "
                "log its contract, then advance."
            )
            self.fields["start_reason"] = forms.CharField(
                label=_("Why it starts past lead acquisition"),
                required=False,
                widget=forms.Textarea(attrs={"rows": 2}),
                help_text=_("Needed when the project starts at a later stage; kept in its stage history."),
            )
        if permissions.can_reassign(user):
            self.fields["owner"].queryset = permissions.assignable_owners()
        else:
            del self.fields["owner"]

    def clean(self):
        cleaned = super().clean()
        low, high = cleaned.get("budget_min"), cleaned.get("budget_max")
        if low is not None and high is not None and low > high:
            self.add_error("budget_max", _("The budget's upper end cannot be below its lower end."))
        stage = cleaned.get("stage")
        if "start_reason" in self.fields and stage and stage > StageNumber.LEAD:
            cleaned["start_reason"] = (cleaned.get("start_reason") or "").strip()
            if not cleaned["start_reason"]:
                self.add_error("start_reason", _("Say why the project starts past lead acquisition."))
        return cleaned


class ProjectMemberForm(VersionedForm):
    class Meta:
        model = ProjectMember
        formfield_callback = formfield_callback
        fields = ["user", "role", "responsibility"]

    def __init__(self, *args, project, **kwargs):
        super().__init__(*args, **kwargs)
        self.project = project
        self.fields["user"].queryset = permissions.team_candidates()

    def clean_user(self):
        user = self.cleaned_data["user"]
        if user.pk == self.project.owner_id:
            raise forms.ValidationError(_("%(user)s already owns this project."), params={"user": user}, code="owner")
        taken = ProjectMember.objects.filter(project=self.project, user=user).exclude(pk=self.instance.pk)
        if taken.exists():
            raise forms.ValidationError(_("This person is already on the project team."), code="duplicate")
        return user


class DecisionStepForm(VersionedForm):
    class Meta:
        model = DecisionStep
        formfield_callback = formfield_callback
        fields = ["position", "name", "contact"]

    def __init__(self, *args, project, **kwargs):
        super().__init__(*args, **kwargs)
        self.project = project
        self.fields["contact"].queryset = Contact.objects.filter(customer_id=project.customer_id)
        if not self.instance.pk:
            last = project.decision_steps.order_by("-position").values_list("position", flat=True).first()
            self.fields["position"].initial = (last or 0) + 1

    def clean_position(self):
        position = self.cleaned_data["position"]
        taken = DecisionStep.objects.filter(project=self.project, position=position).exclude(pk=self.instance.pk)
        if taken.exists():
            raise forms.ValidationError(_("Another step already has this place in the chain."), code="duplicate")
        return position


class CustomerSearch(NamedTuple):
    """A filter's customer: the one chosen, or else the text typed (part of a name or its pinyin)."""

    customer: Customer | None
    text: str


class CustomerSearchWidget(forms.Widget):
    """A search box (`<name>_q`) whose matches, fetched as one types (htmx), come as radio buttons
    (`<name>`); the chosen customer is shown by name. Without JavaScript the typed text filters by name,
    and the page then offers its matches."""

    template_name = "customers/widgets/customer_search.html"

    def __init__(self, attrs=None):
        super().__init__(attrs)
        self.queryset = Customer.objects.none()

    def value_from_datadict(self, data, files, name):
        return [data.get(name), data.get(f"{name}_q")]

    def _render(self, template_name, context, renderer=None):
        # A template of the project's own (it includes another), not one of the form renderer's.
        return mark_safe(render_to_string(template_name, context))  # noqa: S308 (the template escapes)

    def value_omitted_from_data(self, data, files, name):
        return name not in data and f"{name}_q" not in data

    def get_context(self, name, value, attrs):
        context = super().get_context(name, None, attrs)
        chosen_id, text = value if isinstance(value, list | tuple) else (value, "")
        chosen = self.queryset.filter(pk=chosen_id).first() if is_id(chosen_id) else None
        text = text if isinstance(text, str) and "\x00" not in text else ""
        matches = []
        if chosen is None and text.strip():
            matches = selectors.customers_matching(self.queryset, text)[: selectors.CUSTOMER_CHOICES_SHOWN]
        context["widget"].update(
            {
                "search_name": f"{name}_q",
                "text": text,
                "chosen": chosen,
                "matches": matches,
                "searched": bool(text.strip()),
                "shown": selectors.CUSTOMER_CHOICES_SHOWN,
            }
        )
        return context


class CustomerSearchField(forms.MultiValueField):
    widget = CustomerSearchWidget

    def __init__(self, queryset=None, **kwargs):
        self._queryset = queryset if queryset is not None else Customer.objects.none()
        fields = (
            IdChoiceField(queryset=self._queryset, required=False),
            forms.CharField(max_length=NAME_SEARCH_LENGTH, required=False),
        )
        kwargs.setdefault("required", False)
        super().__init__(fields=fields, require_all_fields=False, **kwargs)
        self.widget.queryset = self._queryset

    @property
    def queryset(self):
        return self._queryset

    def compress(self, data_list):
        customer, text = (data_list + [None, ""])[:2] if data_list else (None, "")
        text = (text or "").strip()
        return CustomerSearch(customer, text) if customer or text else None


class CustomerSearchQuery(forms.Form):
    """What the customer choice's search endpoint is sent as one types."""

    customer_q = forms.CharField(max_length=NAME_SEARCH_LENGTH, required=False, strip=True)
