"""What a person holds within a hand-over's reach, and what the hand-over would leave behind."""

from collections import defaultdict
from dataclasses import dataclass, field
from enum import StrEnum

from django.contrib.auth import get_user_model

from customers.models import Customer, Project, ProjectMember
from customers.permissions import AccessLink, personal_access, sees_every_customer
from keypoints.models import KeyPoint, NextStepStatus


class Reach(StrEnum):
    """How far a hand-over reaches into what its person holds."""

    # One customer: its ownership, the projects the person owns on it, their open next steps on it.
    CUSTOMER = "customer"
    # Every customer the person owns, and the same on each.
    OWNED = "owned"
    # Everything (someone leaves): their customers, every project they own, every open next step
    # they hold, every team they sit on.
    EVERYTHING = "everything"


KINDS = ("customers", "projects", "next_steps", "team_places")


@dataclass(frozen=True)
class Holdings:
    """Ids of what a person holds within a reach, by kind."""

    customers: frozenset = frozenset()
    projects: frozenset = frozenset()
    next_steps: frozenset = frozenset()
    team_places: frozenset = frozenset()

    def __bool__(self):
        return any(getattr(self, kind) for kind in KINDS)

    def __le__(self, other):
        return all(getattr(self, kind) <= getattr(other, kind) for kind in KINDS)


def reach_querysets(person, reach, customer_id=None):
    """{kind: queryset} of what `person` holds within `reach` (one customer's id with Reach.CUSTOMER)."""
    open_steps = KeyPoint.objects.filter(next_step_owner=person, next_step_status=NextStepStatus.OPEN)
    if reach == Reach.CUSTOMER:
        return {
            "customers": Customer.objects.filter(pk=customer_id, owner=person),
            "projects": Project.objects.filter(customer_id=customer_id, owner=person),
            "next_steps": open_steps.filter(project__customer_id=customer_id),
            "team_places": ProjectMember.objects.none(),
        }
    if reach == Reach.OWNED:
        return {
            "customers": Customer.objects.filter(owner=person),
            "projects": Project.objects.filter(customer__owner=person, owner=person),
            "next_steps": open_steps.filter(project__customer__owner=person),
            "team_places": ProjectMember.objects.none(),
        }
    return {
        "customers": Customer.objects.filter(owner=person),
        "projects": Project.objects.filter(owner=person),
        "next_steps": open_steps,
        "team_places": ProjectMember.objects.filter(user=person),
    }


@dataclass
class Viewer:
    """Someone who sees a customer after the hand-over, and why: [(AccessLink kind, project or None)]."""

    user: object
    reasons: list = field(default_factory=list)


@dataclass
class CustomerPart:
    """What moves on one customer."""

    customer: Customer
    moves_customer: bool = False
    projects: list = field(default_factory=list)
    next_steps: list = field(default_factory=list)
    team_places: list = field(default_factory=list)
    viewers_after: list = field(default_factory=list)
    # Whether each person still has a link of their own to the customer afterwards.
    from_user_keeps_link: bool = False
    to_user_has_link: bool = True


@dataclass
class Plan:
    from_user: object
    to_user: object
    reach: Reach
    parts: list
    holdings: Holdings

    @property
    def from_user_sees_every_customer(self):
        return sees_every_customer(self.from_user)

    @property
    def to_user_sees_every_customer(self):
        return self.to_user is not None and sees_every_customer(self.to_user)

    def __bool__(self):
        return bool(self.holdings)

    @property
    def counts(self):
        return {kind: len(getattr(self.holdings, kind)) for kind in KINDS}


def handover_plan(*, from_user, to_user, reach, customer_id=None):
    """What from_user holds within the reach, by customer; with to_user, who sees each customer once
    all of it has moved. A fixed number of queries however much there is."""
    querysets = reach_querysets(from_user, reach, customer_id)
    customers = list(querysets["customers"].select_related("owner").order_by("legal_name", "pk"))
    projects = list(querysets["projects"].select_related("customer__owner").order_by("-created_at", "-pk"))
    next_steps = list(
        querysets["next_steps"].select_related("project__customer__owner").order_by("next_step_due", "pk")
    )
    team_places = list(
        querysets["team_places"].select_related("project__customer__owner", "project__owner").order_by("project_id")
    )
    parts = {customer.pk: CustomerPart(customer, moves_customer=True) for customer in customers}

    def part_of(customer):
        return parts.setdefault(customer.pk, CustomerPart(customer))

    for project in projects:
        part_of(project.customer).projects.append(project)
    for keypoint in next_steps:
        part_of(keypoint.project.customer).next_steps.append(keypoint)
    for member in team_places:
        part_of(member.project.customer).team_places.append(member)

    holdings = Holdings(
        customers=frozenset(customer.pk for customer in customers),
        projects=frozenset(project.pk for project in projects),
        next_steps=frozenset(keypoint.pk for keypoint in next_steps),
        team_places=frozenset(member.pk for member in team_places),
    )
    ordered = sorted(parts.values(), key=lambda part: (not part.moves_customer, part.customer.legal_name))
    if to_user is not None and ordered:
        _mark_team_places_given_up(team_places, to_user=to_user, holdings=holdings)
        _add_viewers_after(ordered, from_user=from_user, to_user=to_user, holdings=holdings)
    return Plan(from_user=from_user, to_user=to_user, reach=reach, parts=ordered, holdings=holdings)


def _mark_team_places_given_up(team_places, *, to_user, holdings):
    """A team place whose project to_user will own or already sits on is given up, not taken over."""
    on_team = set(
        ProjectMember.objects.filter(
            project_id__in=[member.project_id for member in team_places], user=to_user
        ).values_list("project_id", flat=True)
    )
    for member in team_places:
        owner_after = to_user.pk if member.project_id in holdings.projects else member.project.owner_id
        member.given_up = owner_after == to_user.pk or member.project_id in on_team


def links_after(links, *, from_user_id, to_user_id, holdings, moved_team_projects):
    """The access links once everything in holdings has moved from one person to the other."""
    after = set()
    for link in links:
        moves = link.user_id == from_user_id and (
            (link.kind == AccessLink.OWNER and link.customer_id in holdings.customers)
            or (link.kind == AccessLink.PROJECT_OWNER and link.project_id in holdings.projects)
            or (link.kind == AccessLink.TEAM and link.project_id in moved_team_projects)
        )
        after.add(link._replace(user_id=to_user_id) if moves else link)
    # The owner of a project does not also sit on its team.
    owned = {(link.project_id, link.user_id) for link in after if link.kind == AccessLink.PROJECT_OWNER}
    return [link for link in after if not (link.kind == AccessLink.TEAM and (link.project_id, link.user_id) in owned)]


def _add_viewers_after(parts, *, from_user, to_user, holdings):
    links = personal_access([part.customer.pk for part in parts])
    moved_team_projects = {member.project_id for part in parts for member in part.team_places}
    project_names = {
        project.pk: project for part in parts for project in [*part.projects, *(m.project for m in part.team_places)]
    }
    after_by_customer = {
        part.customer.pk: links_after(
            links[part.customer.pk],
            from_user_id=from_user.pk,
            to_user_id=to_user.pk,
            holdings=holdings,
            moved_team_projects=moved_team_projects,
        )
        for part in parts
    }
    missing_projects = {
        link.project_id
        for after in after_by_customer.values()
        for link in after
        if link.project_id is not None and link.project_id not in project_names
    }
    project_names.update(Project.objects.in_bulk(missing_projects))
    user_ids = {link.user_id for after in after_by_customer.values() for link in after}
    users = get_user_model().objects.in_bulk(user_ids | {from_user.pk, to_user.pk})
    order = {AccessLink.OWNER: 0, AccessLink.PROJECT_OWNER: 1, AccessLink.TEAM: 2}
    for part in parts:
        reasons = defaultdict(list)
        for link in sorted(after_by_customer[part.customer.pk], key=lambda link: (order[link.kind], link.project_id)):
            reasons[link.user_id].append((link.kind, project_names.get(link.project_id)))
        part.viewers_after = sorted(
            (Viewer(users[user_id], kinds) for user_id, kinds in reasons.items()),
            key=lambda viewer: (order[viewer.reasons[0][0]], str(viewer.user)),
        )
        part.from_user_keeps_link = from_user.pk in reasons
        part.to_user_has_link = to_user.pk in reasons
