"""The kinds of entry the history pages and the audit log list.

Most are the records whose history is kept, and whose history each person may read: the same rules
as the records themselves (customers.permissions), applied to the history rows, so that a deleted
team place or decision step stays scoped by the project it belonged to. One is no record's history:
the duplicate-customer check's answers about customers outside the asker's scope
(customers.models.DuplicateLookup), which only the audit log lists, to those who read it.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from customers import permissions
from customers.models import Contact, Customer, DecisionStep, DuplicateLookup, Project, ProjectMember
from keypoints.models import KeyPoint

from .permissions import can_read_audit_log


@dataclass(frozen=True)
class Kind:
    key: str
    label: str
    model: type
    # The rows of this kind the user may read.
    scope: object
    # False for entries that are rows of the model itself rather than of its history.
    is_history: bool = True
    # Where each row keeps who, when and its id.
    user_field: str = "history_user"
    date_field: str = "history_date"
    id_field: str = "history_id"

    @property
    def history(self):
        return self.model.history.model

    @property
    def rows(self):
        """The model whose rows are this kind's entries."""
        return self.history if self.is_history else self.model


def _by_customer(field):
    def scope(rows, user):
        if permissions.sees_every_customer(user):
            # Archived and deleted records keep their history for those who see everything.
            return rows
        return rows.filter(**{f"{field}__in": permissions.visible_customers(user).values("pk")})

    return scope


def _by_project(field):
    def scope(rows, user):
        if permissions.sees_every_customer(user):
            return rows
        return rows.filter(**{f"{field}__in": permissions.visible_projects(user).values("pk")})

    return scope


def _audit_log_only(rows, user):
    return rows if can_read_audit_log(user) else rows.none()


KINDS = {
    kind.key: kind
    for kind in (
        Kind("customer", _("Customer"), Customer, _by_customer("id")),
        Kind("contact", _("Contact"), Contact, _by_customer("customer_id")),
        Kind("project", _("Project"), Project, _by_project("id")),
        Kind("member", _("Team member"), ProjectMember, _by_project("project_id")),
        Kind("step", _("Decision step"), DecisionStep, _by_project("project_id")),
        Kind("keypoint", _("Key point"), KeyPoint, _by_project("project_id")),
        Kind(
            "lookup",
            _("Duplicate check"),
            DuplicateLookup,
            _audit_log_only,
            is_history=False,
            user_field="user",
            date_field="asked_at",
            id_field="id",
        ),
    )
}


def visible_history(kind, user):
    return kind.scope(kind.rows.objects.all(), user)
