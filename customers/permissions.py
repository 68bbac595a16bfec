"""Who sees what, and who may change it. The only place these rules live.

- Admin, sales lead and manager see every customer; a rep sees the customers they own and those
  where they own a project or sit on its team.
- Everyone but the manager may change what they see; the manager's writes are refused (403).
- Only admin and sales lead reassign ownership; only the admin hands over everything a person holds.
- Projects, contacts, team members and decision steps scope through their customer.
- Archived records are in nobody's scope (the live managers leave them out). Leads and admins archive
  and restore, and find archived records on the archive page; only the admin deletes one for good.
"""

from collections import defaultdict
from typing import NamedTuple

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q
from django.http import Http404

from accounts.models import Role

from .models import Contact, Customer, DecisionStep, Project, ProjectMember, ProjectStatus


def sees_every_customer(user):
    return user.is_authenticated and user.is_active and user.sees_everything


def visible_customers(user):
    """The customers this user may read."""
    if not user.is_authenticated or not user.is_active:
        return Customer.objects.none()
    if sees_every_customer(user):
        return Customer.objects.all()
    # Three lookups by index in one union, not one condition with OR: PostgreSQL estimates each from
    # its index, so a rep's hundred customers of 5,000 are read as a hundred (the OR was guessed at
    # half the table, and the ledger then read every key point to find a rep's few thousand).
    owned = Customer.objects.filter(owner=user).values("pk")
    project_owned = Project.objects.filter(owner=user).values("customer")
    on_team = Project.objects.filter(members__user=user).values("customer")
    return Customer.objects.filter(pk__in=owned.union(project_owned, on_team))


class AccessLink(NamedTuple):
    """Why one person sees one customer through a link of their own."""

    OWNER = "owner"
    PROJECT_OWNER = "project_owner"
    TEAM = "team"

    customer_id: int
    user_id: int
    kind: str
    project_id: int | None = None


def personal_access(customer_ids):
    """{customer id: [AccessLink, ...]}: who sees each of these customers through a link of their own.

    The rep rule of visible_customers read from the customer's side: its owner, the owners of its
    projects and the members of their teams, when active (an inactive person sees nothing). Admins,
    sales leads and managers see every customer whatever their links (sees_every_customer).
    """
    links = defaultdict(list)
    owners = Customer.objects.filter(pk__in=customer_ids, owner__is_active=True).values_list("pk", "owner_id")
    for customer_id, user_id in owners:
        links[customer_id].append(AccessLink(customer_id, user_id, AccessLink.OWNER))
    projects = Project.objects.filter(customer_id__in=customer_ids, owner__is_active=True)
    for project_id, customer_id, user_id in projects.values_list("pk", "customer_id", "owner_id"):
        links[customer_id].append(AccessLink(customer_id, user_id, AccessLink.PROJECT_OWNER, project_id))
    members = ProjectMember.objects.filter(project__customer_id__in=customer_ids, user__is_active=True)
    for project_id, customer_id, user_id in members.values_list("project_id", "project__customer_id", "user_id"):
        links[customer_id].append(AccessLink(customer_id, user_id, AccessLink.TEAM, project_id))
    return links


def visible_projects(user):
    if sees_every_customer(user):
        # Every live project: its customer is live too (archiving a customer archives its projects), and
        # the scope then costs no join, which a large ledger or dashboard would pay on every query.
        return Project.objects.all()
    return Project.objects.filter(customer__in=visible_customers(user))


def can_write(user):
    return user.is_authenticated and user.is_active and not user.is_read_only


def can_reassign(user):
    return user.is_authenticated and user.is_active and user.can_reassign


def _leads_the_team(user):
    return user.role in (Role.ADMIN, Role.LEAD)


def can_complete(user, project):
    """Closing a delivered deal as completed: a sales lead, an admin, or the project's owner."""
    return can_write(user) and (_leads_the_team(user) or project.owner_id == user.pk)


def can_reopen(user, project):
    """A lost or completed project is reopened only by leads and admins; a paused one by anyone who may change it."""
    if not can_write(user):
        return False
    return project.status not in (ProjectStatus.LOST, ProjectStatus.COMPLETED) or _leads_the_team(user)


def can_hand_over_everything(user):
    """Hand over everything a person holds, at once (someone leaves): admins only."""
    return user.is_authenticated and user.is_active and user.role == Role.ADMIN


def can_archive(user):
    """Archive and restore customers, projects, contacts and key points: sales leads and admins."""
    return can_write(user) and _leads_the_team(user)


def can_delete_for_good(user):
    """Delete an archived record for good, after confirming: the admin only."""
    return can_write(user) and user.role == Role.ADMIN


def archived(model, user):
    """The archived records of a kind this user may find: every one for those who see every customer
    (the manager reads them, and is refused any change), none for a rep."""
    if sees_every_customer(user):
        return model.all_objects.filter(archived_at__isnull=False)
    return model.all_objects.none()


def require_archive(user):
    if not can_archive(user):
        raise PermissionDenied


def require_write(user):
    if not can_write(user):
        raise PermissionDenied


def require_reassign(user):
    if not can_reassign(user):
        raise PermissionDenied


def require_hand_over_everything(user):
    if not can_hand_over_everything(user):
        raise PermissionDenied


def get_in_scope(queryset, pk, user, write, include_archived=False):
    """The record, 404 when out of the user's scope, 403 when they may read but not write.

    include_archived: an archived record is found too, by those who may find it (archived()).
    """
    if include_archived:
        model = queryset.model
        queryset = model.all_objects.filter(
            Q(pk__in=queryset.values("pk")) | Q(pk__in=archived(model, user).values("pk"))
        )
    try:
        obj = queryset.get(pk=pk)
    except (queryset.model.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    if write:
        require_write(user)
    return obj


def get_customer_for_user(user, pk, write=False, include_archived=False):
    """The customer, 404 when out of the user's scope, 403 when they may read but not write."""
    return get_in_scope(visible_customers(user).select_related("owner"), pk, user, write, include_archived)


def get_project_for_user(user, pk, write=False, include_archived=False):
    queryset = visible_projects(user).select_related("customer", "owner")
    return get_in_scope(queryset, pk, user, write, include_archived)


def get_contact_for_user(user, pk, write=False, include_archived=False):
    queryset = Contact.objects.filter(customer__in=visible_customers(user)).select_related("customer")
    return get_in_scope(queryset, pk, user, write, include_archived)


def get_member_for_user(user, pk, write=False):
    queryset = ProjectMember.objects.filter(project__in=visible_projects(user)).select_related("project", "user")
    return get_in_scope(queryset, pk, user, write)


def get_decision_step_for_user(user, pk, write=False):
    queryset = DecisionStep.objects.filter(project__in=visible_projects(user)).select_related("project")
    return get_in_scope(queryset, pk, user, write)


def assignable_owners():
    """People who may own a customer or a project: active reps and sales leads."""
    return get_user_model().objects.filter(is_active=True, role__in=[Role.REP, Role.LEAD])


def team_candidates():
    """People who may join a project team: every active user who can write."""
    return get_user_model().objects.filter(is_active=True).exclude(role=Role.MANAGER)


def owner_filter_choices(user):
    """Owners a user may filter by: only owners of customers they can see."""
    # Whether each person owns one (an index lookup per person), not every visible customer's owner
    # made distinct.
    return get_user_model().objects.filter(Exists(visible_customers(user).filter(owner=OuterRef("pk"))))


def project_owner_choices(user):
    """Project owners a user may filter by: owners of the projects they can see, whether or not they own
    a customer (a lead may own the project on a rep's customer)."""
    projects = visible_projects(user)
    if sees_every_customer(user):
        # Every live project: the owner index answers for each person at once, with no join to collapse.
        return get_user_model().objects.filter(pk__in=projects.values("owner"))
    return get_user_model().objects.filter(owned_projects__in=projects).distinct()
