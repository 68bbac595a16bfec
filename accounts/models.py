from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class Role(models.TextChoices):
    ADMIN = "admin", _("Admin")
    LEAD = "lead", _("Sales lead")
    REP = "rep", _("Sales rep")
    MANAGER = "manager", _("Manager")


class AccountHistory(HistoricalRecords):
    """The history of an account's name, email, role and status. A save of only what it leaves out (the
    time of a login, a new password) adds no row: it changes nothing an edit form shows."""

    def post_save(self, instance, created, using=None, **kwargs):
        update_fields = kwargs.get("update_fields")
        if not created and update_fields and set(update_fields) <= set(self.excluded_fields):
            return
        super().post_save(instance, created, using=using, **kwargs)


class User(AbstractUser):
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.REP)
    display_name = models.CharField(
        _("display name"), max_length=64, blank=True, help_text=_("The name colleagues know you by.")
    )
    history = AccountHistory(excluded_fields=["password", "last_login"])

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["username"]

    def __str__(self):
        return self.display_name or self.get_full_name() or self.username

    @property
    def sees_everything(self):
        return self.role in {Role.ADMIN, Role.LEAD, Role.MANAGER}

    @property
    def is_read_only(self):
        return self.role == Role.MANAGER

    @property
    def can_reassign(self):
        return self.role in {Role.ADMIN, Role.LEAD}
