"""The records whose history is kept, and whose history each person may read: the same rules as the
records themselves (customers.permissions), applied to the history rows, so that a deleted team place
or decision step stays scoped by the project it belonged to."""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from customers import permissions
from customers.models import Contact, Customer, DecisionStep, Project, ProjectMember
from keypoints.models import KeyPoint


@dataclass(frozen=True)
class Kind:
    key: str
    label: str
    model: type
    # The history rows of this kind the user may read.
    scope: object

    @property
    def history(self):
        return self.model.history.model


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


KINDS = {
    kind.key: kind
    for kind in (
        Kind("customer", _("Customer"), Customer, _by_customer("id")),
        Kind("contact", _("Contact"), Contact, _by_customer("customer_id")),
        Kind("project", _("Project"), Project, _by_project("id")),
        Kind("member", _("Team member"), ProjectMember, _by_project("project_id")),
        Kind("step", _("Decision step"), DecisionStep, _by_project("project_id")),
        Kind("keypoint", _("Key point"), KeyPoint, _by_project("project_id")),
    )
}


def visible_history(kind, user):
    return kind.scope(kind.history.objects.all(), user)
