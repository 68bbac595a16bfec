"""Handing customers, and what hangs off them, from one person to another (交接)."""

import uuid
from collections import defaultdict

from django.db import IntegrityError, transaction
from django.utils import timezone
from simple_history.utils import bulk_update_with_history

from customers.models import Customer, HandOver, Project, ProjectMember
from customers.permissions import assignable_owners
from keypoints.models import KeyPoint

from .selectors import Holdings, reach_querysets

# The change reason on the history rows a hand-over writes (the audit log names it).
HANDED_OVER = "handover"


class StaleHandOver(Exception):
    """What the person confirmed is no longer what is held: someone changed it since the preview."""


class RecipientUnavailable(Exception):
    """The person to hand over to can no longer own customers (deactivated, or their role changed)."""


def _locked(queryset, *fields):
    # Lock only the rows themselves (PostgreSQL would otherwise lock the joined rows too), in key
    # order so that two hand-overs never wait on each other crosswise.
    return list(queryset.select_for_update(of=("self",)).order_by("pk").values_list("pk", *fields))


@transaction.atomic
def hand_over(*, from_user, to_user, actor, reach, shown, chosen, customer_id=None, note=""):
    """Move what was chosen of what from_user holds within the reach to to_user, all or nothing.

    `shown` is everything the preview listed, `chosen` what the person ticked of it. The rows are
    locked and read again here: if what from_user holds is no longer what was shown, StaleHandOver
    and nothing moves. Projects that move take their owner off their own team; a team place whose
    project to_user already owns or sits on is given up rather than doubled. One HandOver row per
    customer touched, sharing a batch. Returns those rows: none when nothing changed (the same
    person on both sides, or nothing chosen).
    """
    if from_user.pk == to_user.pk or not chosen:
        return []
    querysets = reach_querysets(from_user, reach, customer_id)
    customers = _locked(querysets["customers"])
    projects = _locked(querysets["projects"], "customer_id", "name")
    next_steps = _locked(querysets["next_steps"], "project__customer_id", "next_step")
    team_places = _locked(querysets["team_places"], "project_id", "project__customer_id", "project__name")
    held = Holdings(
        customers=frozenset(row[0] for row in customers),
        projects=frozenset(row[0] for row in projects),
        next_steps=frozenset(row[0] for row in next_steps),
        team_places=frozenset(row[0] for row in team_places),
    )
    if held != shown or not chosen <= shown:
        raise StaleHandOver
    if not assignable_owners().filter(pk=to_user.pk).exists():
        raise RecipientUnavailable

    now = timezone.now()
    # What moved, by customer: a customer that moves alone is recorded too.
    moved = defaultdict(lambda: {"projects": [], "next_steps": [], "team_places": []})
    moved.update({customer_pk: moved.default_factory() for customer_pk in chosen.customers})
    _update_with_history(Customer, chosen.customers, actor, owner=to_user, updated_at=now)

    moving_projects = [row for row in projects if row[0] in chosen.projects]
    _update_with_history(Project, chosen.projects, actor, owner=to_user, updated_at=now)
    # to_user now owns these: an owner is not also a member of their own team.
    _delete_with_history(ProjectMember.objects.filter(project_id__in=chosen.projects, user=to_user), actor)
    for pk, customer_pk, name in moving_projects:
        moved[customer_pk]["projects"].append([pk, name])

    _update_with_history(KeyPoint, chosen.next_steps, actor, next_step_owner=to_user, updated_at=now)
    for pk, customer_pk, text in next_steps:
        if pk in chosen.next_steps:
            moved[customer_pk]["next_steps"].append([pk, text])

    places = [row for row in team_places if row[0] in chosen.team_places]
    if places:
        _move_team_places(places, to_user=to_user, actor=actor)
        for _pk, project_pk, customer_pk, project_name in places:
            moved[customer_pk]["team_places"].append([project_pk, project_name])

    batch = uuid.uuid4()
    return HandOver.objects.bulk_create(
        HandOver(
            customer_id=customer_pk,
            from_user=from_user,
            to_user=to_user,
            actor=actor,
            at=now,
            batch=batch,
            customer_moved=customer_pk in chosen.customers,
            moved=what,
            note=note,
        )
        for customer_pk, what in sorted(moved.items())
    )


def _update_with_history(model, pks, actor, **values):
    """Set these fields on these rows, each change recorded in the rows' history as the actor's."""
    rows = list(model.objects.filter(pk__in=pks).order_by("pk"))
    for row in rows:
        for field, value in values.items():
            setattr(row, field, value)
    bulk_update_with_history(
        rows, model, list(values), batch_size=500, default_user=actor, default_change_reason=HANDED_OVER
    )


def _delete_with_history(queryset, actor):
    """Delete rows one by one, so that each deletion is recorded in its history as the actor's."""
    for row in queryset.order_by("pk"):
        row._history_user = actor
        row._change_reason = HANDED_OVER
        row.delete()


def _move_team_places(places, *, to_user, actor):
    """Give from_user's team places to to_user, or give them up where to_user already owns the
    project or sits on its team (after this hand-over's own project moves)."""
    project_ids = {project_pk for _pk, project_pk, _customer, _name in places}
    owners = dict(_locked(Project.objects.filter(pk__in=project_ids), "owner_id"))
    already = set(
        ProjectMember.objects.filter(project_id__in=project_ids, user=to_user).values_list("project_id", flat=True)
    )
    give_up = [pk for pk, project_pk, _c, _n in places if owners[project_pk] == to_user.pk or project_pk in already]
    take_over = [pk for pk, _p, _c, _n in places if pk not in give_up]
    _delete_with_history(ProjectMember.objects.filter(pk__in=give_up), actor)
    try:
        # A savepoint: a concurrent "add to_user to this team" makes the update clash with the
        # team's uniqueness; that is a stale hand-over, not an error page.
        with transaction.atomic():
            _update_with_history(ProjectMember, take_over, actor, user=to_user)
    except IntegrityError:
        raise StaleHandOver from None
