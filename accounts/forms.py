from django import forms
from django.contrib.auth.forms import SetPasswordForm, UserCreationForm
from django.utils.translation import gettext_lazy as _

from salesrecord.once import OnceFormMixin
from salesrecord.versions import VersionedForm

from .models import Role, User


class UserCreateForm(OnceFormMixin, UserCreationForm):
    """A colleague's account: the login they type, the name colleagues know, a role and a first
    password (checked by the password validators; they change it themselves after)."""

    class Meta:
        model = User
        fields = ["username", "display_name", "email", "role"]
        help_texts = {"username": _("Letters, digits and @/./+/-/_ only; what they type to log in.")}


class UserEditForm(VersionedForm):
    class Meta:
        model = User
        fields = ["display_name", "email", "role"]


class UserPasswordForm(SetPasswordForm):
    """A new password an admin sets for someone (forgotten, or handed over); their sessions end."""


class UserFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    role = forms.ChoiceField(label=_("Role"), required=False, choices=[("", _("All")), *Role.choices])
    active = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All")), ("yes", _("Active")), ("no", _("Deactivated"))],
    )
