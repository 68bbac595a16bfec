"""Every write to customers, contacts, projects, teams and decision chains."""

import uuid

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _
from simple_history.utils import bulk_update_with_history

from accounts.models import Role

from . import versions
from .models import Contact, Customer
from .validators import customer_name_key, normalize_credit_code


class DuplicateCustomer(Exception):
    """Another customer already has this legal name or credit code."""

    def __init__(self, existing):
        super().__init__(existing.legal_name)
        self.existing = existing


def find_duplicate_customer(*, legal_name, credit_code="", exclude_pk=None):
    """The existing customer with the same legal name (any case, spaces trimmed) or credit code."""
    # Archived customers too: a name stays taken while its record can be restored.
    others = Customer.all_objects.select_related("owner")
    if exclude_pk is not None:
        others = others.exclude(pk=exclude_pk)
    match = others.filter(name_key=customer_name_key(legal_name)).first() if legal_name.strip() else None
    code = normalize_credit_code(credit_code)
    if match is None and code:
        match = others.filter(credit_code=code).first()
    return match


def _save_customer(customer):
    customer.legal_name = customer.legal_name.strip()
    customer.credit_code = normalize_credit_code(customer.credit_code)
    try:
        # A savepoint, so that a duplicate (the form checks first; a concurrent save may still
        # race it) leaves the outer transaction usable.
        with transaction.atomic():
            customer.save()
    except IntegrityError:
        duplicate = find_duplicate_customer(
            legal_name=customer.legal_name, credit_code=customer.credit_code, exclude_pk=customer.pk
        )
        if duplicate is None:
            raise
        raise DuplicateCustomer(duplicate) from None
    return customer


def customer_create(*, customer, actor):
    """Save a new customer. A rep's new customer is theirs; admin and lead choose an owner."""
    with transaction.atomic():
        if actor.role == Role.REP or customer.owner_id is None:
            customer.owner = actor
        customer.created_by = actor
        return _save_customer(customer)


def customer_update(*, customer, actor, seen=None):
    """Save a customer's profile, unless someone saved it since the version the form showed (seen)."""
    with transaction.atomic():
        versions.lock_unchanged(customer, seen)
        return _save_customer(customer)


def contact_save(*, contact, actor, seen=None):
    with transaction.atomic():
        versions.lock_unchanged(contact, seen)
        contact.save()
        return contact


def project_update(*, project, actor, seen=None):
    """Save a project's profile. Creating one records its first stage, in keypoints.services.project_create."""
    with transaction.atomic():
        versions.lock_unchanged(project, seen)
        project.save()
        return project


def member_save(*, member, actor, seen=None):
    with transaction.atomic():
        versions.lock_unchanged(member, seen)
        member.save()
        return member


def member_remove(*, member, actor):
    with transaction.atomic():
        member.delete()


def decision_step_save(*, step, actor, seen=None):
    with transaction.atomic():
        versions.lock_unchanged(step, seen)
        step.save()
        return step


def decision_step_remove(*, step, actor):
    with transaction.atomic():
        step.delete()


# Archive, restore, delete for good ---------------------------------------------------------------
#
# Archiving marks the record, and what hangs off it, with one batch; restoring brings back exactly that
# batch. Every row changed gets its history row, marked with the reason below (the audit log names it).

ARCHIVED = "archive"
RESTORED = "restore"
ARCHIVE_FIELDS = ["archived_at", "archived_by", "archive_batch"]


def _when(moment):
    return formats.date_format(timezone.localtime(moment), "DATETIME_FORMAT")


def refuse_if_archived(record):
    """A change to an archived record, or under one, is refused: it has left every list (code "archived")."""
    if record.archived_at is not None:
        raise ValidationError(
            _("%(record)s was archived by %(who)s at %(at)s. Nothing was saved."),
            code="archived",
            params={"record": record, "who": record.archived_by or _("Someone"), "at": _when(record.archived_at)},
        )


def lock_row(record):
    """The record's row, locked, whichever its state (archived ones included)."""
    return type(record).all_objects.select_for_update().get(pk=record.pk)


def mark_archived(queryset, *, actor, batch, at):
    """Archive the live rows of this queryset (locked first, in primary key order) with one batch."""
    model = queryset.model
    rows = list(model.all_objects.filter(pk__in=queryset.values("pk"), archived_at__isnull=True)
                .select_for_update().order_by("pk"))  # fmt: skip
    for row in rows:
        row.archived_at, row.archived_by, row.archive_batch = at, actor, batch
    bulk_update_with_history(rows, model, ARCHIVE_FIELDS, batch_size=500, default_user=actor,
                             default_change_reason=ARCHIVED, manager=model.all_objects)  # fmt: skip
    return rows


def mark_restored(model, *, batch, actor):
    """Bring back every row of this kind archived in this batch."""
    rows = list(model.all_objects.filter(archive_batch=batch).select_for_update().order_by("pk"))
    for row in rows:
        row.archived_at, row.archived_by, row.archive_batch = None, None, None
    bulk_update_with_history(rows, model, ARCHIVE_FIELDS, batch_size=500, default_user=actor,
                             default_change_reason=RESTORED, manager=model.all_objects)  # fmt: skip
    return rows


def new_batch():
    return uuid.uuid4(), timezone.now()


def refuse_restore_under_archived(parent):
    """A record whose parent is archived comes back with its parent, not alone."""
    if parent.archived_at is not None:
        raise ValidationError(
            _("%(parent)s is archived: restore it first, and what was archived with it comes back too."),
            code="parent_archived",
            params={"parent": parent},
        )


def contact_archive(*, contact, actor):
    """Archive one contact (someone who left, say). Their name stays on the key points they attended."""
    with transaction.atomic():
        locked = lock_row(contact)
        if locked.archived_at is None:
            batch, at = new_batch()
            mark_archived(Contact.all_objects.filter(pk=locked.pk), actor=actor, batch=batch, at=at)
        return lock_row(contact)


def restore_batch(record, *, parent, models, actor):
    """Bring back what was archived with the record (rows of these models in its batch), unless its
    parent is archived: it comes back with the parent. Locks the parent first, then the record."""
    parent = lock_row(parent) if parent is not None else None
    locked = lock_row(record)
    if locked.archived_at is not None:
        if parent is not None:
            refuse_restore_under_archived(parent)
        for model in models:
            mark_restored(model, batch=locked.archive_batch, actor=actor)
    return lock_row(record)


def contact_restore(*, contact, actor):
    with transaction.atomic():
        return restore_batch(contact, parent=contact.customer, models=[Contact], actor=actor)


def delete_for_good(*, record, actor):
    """Delete an archived record and what hangs off it, for good (the admin, after confirming).

    Its history stays: every row deleted gets its last history row, the actor's."""
    with transaction.atomic():
        locked = lock_row(record)
        if locked.archived_at is None:
            raise ValidationError(
                _("%(record)s was restored meanwhile; only an archived record is deleted."),
                code="not_archived",
                params={"record": locked},
            )
        locked._history_user = actor
        locked.delete()
