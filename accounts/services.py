"""Changes to the team's accounts. Each locks the row it checks, so two admins acting at once cannot
both deactivate the last admin or undo each other unseen."""

from axes.utils import reset as axes_reset
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from salesrecord import versions

from .models import Role, User


def _lock_with_the_admins(user):
    """Lock this person's row and every active admin's, always in the same order (so two admins acting
    on each other at once wait rather than deadlock); the person as now stored, and how many other
    active admins there are."""
    rows = list(
        User.objects.select_for_update().filter(Q(pk=user.pk) | Q(role=Role.ADMIN, is_active=True)).order_by("pk")
    )
    locked = next(row for row in rows if row.pk == user.pk)
    others = sum(1 for row in rows if row.pk != user.pk and row.role == Role.ADMIN and row.is_active)
    return locked, others


def user_create(*, user, password, actor):
    """A new colleague with a first password they change themselves."""
    with transaction.atomic():
        user.set_password(password)
        user._history_user = actor
        user.save()
        return user


def user_update(*, user, role, display_name, email, actor, seen=None):
    """Name, email and role, unless someone changed the account since the version the form showed
    (seen). An admin cannot take the admin role from the team's last admin."""
    with transaction.atomic():
        locked, other_admins = _lock_with_the_admins(user)
        # Checked once the rows are locked, in the order _lock_with_the_admins takes them.
        versions.lock_unchanged(locked, seen)
        demoted = locked.role == Role.ADMIN and role != Role.ADMIN and locked.is_active
        if demoted and not other_admins:
            raise ValidationError(_("The team needs at least one active admin: make someone else admin first."))
        locked.role, locked.display_name, locked.email = role, display_name, email
        locked._history_user = actor
        locked.save(update_fields=["role", "display_name", "email"])
        return locked


def set_password(*, user, password, actor):
    """A new password set by an admin; the person's open sessions end with the old one (Django
    checks each session against the password it was opened with), and a lockout is lifted."""
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        locked.set_password(password)
        locked.save(update_fields=["password"])
        axes_reset(username=locked.username)
        return locked


def deactivate(*, user, actor):
    """Access ends at once: an inactive user's session no longer authenticates on its next request
    (ModelBackend refuses inactive users). What they held stays theirs until handed over."""
    with transaction.atomic():
        if user.pk == actor.pk:
            raise ValidationError(_("You cannot deactivate your own account."))
        locked, other_admins = _lock_with_the_admins(user)
        if not locked.is_active:
            return locked
        if locked.role == Role.ADMIN and not other_admins:
            raise ValidationError(_("The team needs at least one active admin."))
        locked.is_active = False
        locked._history_user = actor
        locked.save(update_fields=["is_active"])
        return locked


def reactivate(*, user, actor):
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        if not locked.is_active:
            locked.is_active = True
            locked._history_user = actor
            locked.save(update_fields=["is_active"])
        return locked


def unlock(*, user, actor):
    """Lift a login lockout on this person's name at once (the address's own count stays)."""
    axes_reset(username=user.username)
