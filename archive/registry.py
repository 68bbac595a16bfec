"""The kinds of record that are archived rather than deleted, and how each is found, archived, restored.

Each kind names the page it is archived from and what archiving it takes along (a customer its contacts,
projects and their key points; a project its key points), as counted on the confirmation page.
"""

from dataclasses import dataclass

from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from customers import permissions
from customers import services as customer_services
from customers.models import Contact, Customer, Project
from keypoints import permissions as keypoint_permissions
from keypoints import services as keypoint_services
from keypoints.models import KeyPoint

PARENTS = {"contact": "customer", "project": "customer", "keypoint": "project"}


@dataclass(frozen=True)
class Kind:
    key: str
    label: str
    plural: str
    model: type
    # (user, pk, include_archived) -> the record in the user's scope, or 404.
    get: object
    archive: object
    restore: object
    # Among the archived rows: those archived on their own, not with their parent (which restores them).
    on_their_own: Q
    related: tuple = ("archived_by",)

    def name(self, record):
        if self.key == "keypoint":
            return f"{record.project} · {record}"
        return str(record)

    def parent(self, record):
        """The record a restore needs live first, or None."""
        field = PARENTS.get(self.key)
        return getattr(record, field) if field else None

    def found_under(self, record):
        """What the archive list names besides the record: its parent, but a key point's customer (its
        name already says its project)."""
        if self.key == "keypoint":
            return record.project.customer
        return self.parent(record)

    def live_url(self, record):
        if self.key == "customer":
            return reverse("customers:detail", args=[record.pk])
        if self.key == "contact":
            return reverse("customers:detail", args=[record.customer_id])
        if self.key == "project":
            return reverse("projects:detail", args=[record.pk])
        return reverse("projects:detail", args=[record.project_id]) + f"#kp-{record.pk}"

    def after_archive_url(self, record):
        """Where a person goes once the record has left: the page it hung off."""
        if self.key == "customer":
            return reverse("customers:list")
        if self.key in ("contact", "project"):
            return reverse("customers:detail", args=[record.customer_id])
        return reverse("projects:detail", args=[record.project_id])

    def history_url(self, record):
        if self.key == "customer":
            return reverse("audit:customer", args=[record.pk])
        if self.key == "project":
            return reverse("audit:project", args=[record.pk])
        if self.key == "keypoint":
            return reverse("audit:keypoint", args=[record.pk])
        return reverse("audit:customer", args=[record.customer_id])

    def taken_along(self, record):
        """[(label, count)] of what archiving (or deleting) this record takes with it."""
        if self.key == "customer":
            return [
                (_("Contacts"), _along(Contact, record, customer=record)),
                (_("Projects"), _along(Project, record, customer=record)),
                (_("Key points"), _along(KeyPoint, record, project__customer=record)),
            ]
        if self.key == "project":
            return [(_("Key points"), _along(KeyPoint, record, project=record))]
        return []


def _along(model, record, **under):
    """How many rows under the record go with it: its live ones when archiving, its batch's when archived."""
    rows = model.all_objects.filter(**under)
    if record.archived_at is None:
        return rows.filter(archived_at__isnull=True).count()
    return rows.filter(archive_batch=record.archive_batch).count()


def _not_with_parent(parent):
    return Q(**{f"{parent}__archived_at__isnull": True}) | ~Q(**{f"{parent}__archive_batch": F("archive_batch")})


KINDS = {
    kind.key: kind
    for kind in (
        Kind("customer", _("Customer"), _("Customers"), Customer, permissions.get_customer_for_user,
             keypoint_services.customer_archive, keypoint_services.customer_restore, Q(), ("archived_by", "owner")),
        Kind("project", _("Project"), _("Projects"), Project, permissions.get_project_for_user,
             keypoint_services.project_archive, keypoint_services.project_restore, _not_with_parent("customer"),
             ("archived_by", "customer", "owner")),
        Kind("contact", _("Contact"), _("Contacts"), Contact, permissions.get_contact_for_user,
             customer_services.contact_archive, customer_services.contact_restore, _not_with_parent("customer"),
             ("archived_by", "customer")),
        Kind("keypoint", _("Key point"), _("Key points"), KeyPoint, keypoint_permissions.get_keypoint_for_user,
             keypoint_services.keypoint_archive, keypoint_services.keypoint_restore, _not_with_parent("project"),
             ("archived_by", "project__customer", "author")),
    )
}  # fmt: skip


def archived_on_their_own(kind, user):
    """The archived records of a kind this user may restore, newest first."""
    rows = permissions.archived(kind.model, user).filter(kind.on_their_own)
    return rows.select_related(*kind.related).order_by("-archived_at", "-pk")
