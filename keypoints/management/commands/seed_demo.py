"""A sales team's year as demo data: users, customers, deals, their key points and stage history.

Built from the tables in _demo_data (what happened) and _demo_text (how the records word it), with
every date counted back from today. Safe to run twice: users, customers, contacts and projects are
looked up by their natural keys first, and a project's story is written only with the project.

Key points go through keypoints.services (completeness, the signed outcome). Stage and status
changes happened in the past, which the services refuse to back-date, so their history rows are
written here, one per change, each starting where the one before it ended.
"""

import uuid
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from accounts.models import Role
from customers import services
from customers.models import (
    Contact,
    Customer,
    DecisionRole,
    DecisionStep,
    HandOver,
    LostReason,
    Project,
    ProjectMember,
    ProjectStatus,
    TeamRole,
)
from customers.validators import credit_code_check_char, customer_name_key
from keypoints import services as keypoint_services
from keypoints.models import KeyPoint, NextStepStatus, StageChange, StageHistory
from keypoints.stages import StageNumber

from . import _demo_text as text
from ._demo_data import CUSTOMERS, DEMO_PASSWORD, LOST_REASONS, USERS, wan

__all__ = ["DEMO_PASSWORD", "Command"]

# Whom a record of each stage is usually with, by decision-chain role, most likely first.
MEETS = {
    StageNumber.LEAD: [DecisionRole.INFLUENCER, DecisionRole.DECISION_MAKER, DecisionRole.USER],
    StageNumber.NEEDS: [DecisionRole.INFLUENCER, DecisionRole.USER, DecisionRole.DECISION_MAKER],
    StageNumber.SOLUTION: [DecisionRole.INFLUENCER, DecisionRole.DECISION_MAKER, DecisionRole.USER],
    StageNumber.NEGOTIATION: [DecisionRole.DECISION_MAKER, DecisionRole.INFLUENCER, DecisionRole.USER],
    StageNumber.CONTRACT: [DecisionRole.DECISION_MAKER, DecisionRole.INFLUENCER, DecisionRole.USER],
    StageNumber.FULFILMENT: [DecisionRole.USER, DecisionRole.INFLUENCER, DecisionRole.DECISION_MAKER],
    StageNumber.AFTER_SALES: [DecisionRole.USER, DecisionRole.INFLUENCER, DecisionRole.DECISION_MAKER],
}
# Team members who take part in a stage's meetings alongside the owner.
JOINS = {
    StageNumber.SOLUTION: {TeamRole.TECHNICAL_CONSULTANT, TeamRole.PRE_SALES},
    StageNumber.NEGOTIATION: {TeamRole.COMMERCIAL_SPECIALIST},
    StageNumber.FULFILMENT: {TeamRole.DELIVERY, TeamRole.TECHNICAL_CONSULTANT},
}
# Hours after the event that a record was written: mostly the same day, now and then late.
WRITTEN_AFTER = [1, 3, 6, 2, 26, 4, 50]
# Fields a story may give that are not KeyPoint fields.
STORY_KEYS = {"event", "days_ago", "stage", "contacts", "missing", "move_reason", "next_days"}


def moment(days_ago, hour):
    """That many days ago, at about that hour local time, and never less than `days_ago` whole days
    before now: a project that entered a stage N days ago shows N days in it whenever it is seeded.
    Hours later in the day than now fold into the working hours already past today."""
    now = timezone.localtime()
    if hour >= now.hour:
        hour = 8 + hour % max(now.hour - 8, 1)
    minute = (days_ago * 7 + hour * 13) % 12 * 5
    at = timezone.make_aware(datetime.combine(now.date() - timedelta(days=days_ago), time(hour, minute)))
    return min(at, now - timedelta(days=days_ago))


def in_wan(amount):
    return f"{amount / 10000:g}"


@dataclass
class Story:
    """A project's stage and status as its story unfolds, and the history rows that record it."""

    project: Project
    at: datetime
    actor: object
    stage: int = StageNumber.LEAD
    status: str = ProjectStatus.OPEN
    history: list = field(default_factory=list)
    closed_at: datetime | None = None

    def __post_init__(self):
        self.entered_at = self.at
        self.history.append(
            StageHistory(
                project=self.project,
                kind=StageChange.CREATED,
                from_stage=None,
                from_status="",
                to_stage=self.stage,
                to_status=self.status,
                actor=self.actor,
                at=self.at,
            )
        )

    def record(self, kind, at, actor, *, stage=None, status=None, **details):
        row = StageHistory(
            project=self.project,
            kind=kind,
            from_stage=self.stage,
            from_status=self.status,
            to_stage=self.stage if stage is None else stage,
            to_status=self.status if status is None else status,
            actor=actor,
            at=at,
            **details,
        )
        self.history.append(row)
        self.stage, self.status = row.to_stage, row.to_status

    def move(self, to_stage, at, actor, reason):
        if self.status != ProjectStatus.OPEN:
            raise CommandError(f"{self.project}: moved to stage {to_stage} while {self.status}")
        if to_stage == self.stage + 1:
            kind = StageChange.ADVANCE
        elif reason:
            kind = StageChange.BACK if to_stage < self.stage else StageChange.SKIP
        else:
            raise CommandError(f"{self.project}: a jump from stage {self.stage} to {to_stage} needs a move_reason")
        self.record(kind, at, actor, stage=to_stage, reason=reason)
        self.entered_at = at

    def change_status(self, event, at, actor, lost_reasons):
        kind = {"hold": StageChange.HOLD, "lost": StageChange.LOST, "complete": StageChange.COMPLETE}
        status = {"hold": ProjectStatus.ON_HOLD, "lost": ProjectStatus.LOST, "complete": ProjectStatus.COMPLETED}
        name = event["event"]
        if name == "reopen":
            self.record(StageChange.REOPEN, at, actor, status=ProjectStatus.OPEN, reason=event["note"])
            self.entered_at, self.closed_at = at, None
            return
        details = {"reason": event["note"]}
        if name == "hold":
            details["resume_on"] = timezone.localdate() + timedelta(days=event["resume_in"])
        if name == "lost":
            details["lost_reason"] = lost_reasons[event["reason"]]
        self.record(kind[name], at, actor, status=status[name], **details)
        self.closed_at = at

    def final_state(self):
        """The project row's fields that its last status change left."""
        last = self.history[-1]
        closed = self.status != ProjectStatus.OPEN
        return {
            "stage": self.stage,
            "status": self.status,
            "status_note": last.reason if closed else "",
            "lost_reason": last.lost_reason if closed else None,
            "resume_on": last.resume_on if closed else None,
            "stage_entered_at": self.entered_at,
        }


class Command(BaseCommand):
    help = "Create the demo users, customers, projects and key points (safe to run again)."

    @transaction.atomic
    def handle(self, *args, **options):
        # One hash for every new login: hashing is slow by design, and the password is the same.
        self.password = make_password(DEMO_PASSWORD)
        self.users = {username: self._user(username, name, role) for username, name, role in USERS}
        self.lost_reasons = {
            name: LostReason.objects.get_or_create(name=name, defaults={"name_en": name_en, "position": position})[0]
            for position, (name, name_en) in enumerate(LOST_REASONS, start=1)
        }
        self.contract_count = 0
        for index, spec in enumerate(CUSTOMERS):
            self._customer(spec, index)
        self.stdout.write(
            self.style.SUCCESS("Demo data ready. Log in with any of these (password %s):" % DEMO_PASSWORD)
        )
        for username, name, role in USERS:
            self.stdout.write(f"  {username:<8} {name} ({role.label})")

    def _user(self, username, name, role):
        user, created = get_user_model().objects.get_or_create(
            username=username,
            defaults={
                "display_name": name,
                "role": role,
                "email": f"{username}@example.com",
                "is_staff": role == Role.ADMIN,
                "is_superuser": role == Role.ADMIN,
            },
        )
        if created:
            user.password = self.password
            user.save(update_fields=["password"])
        return user

    # Customers -----------------------------------------------------------------------------------

    def _customer(self, spec, index):
        owner = self.users[spec["owner"]]
        handed_over = spec.get("handed_over")
        first_owner = self.users[handed_over[1]] if handed_over else owner
        customer = Customer.objects.filter(name_key=customer_name_key(spec["legal_name"])).first()
        if customer is None:
            code = spec["credit_code"]
            customer = Customer(
                legal_name=spec["legal_name"],
                credit_code=code + credit_code_check_char(code) if code else "",
                industry=spec["industry"],
                employee_count=spec["employee_count"],
                annual_revenue=wan(spec["annual_revenue"]),
                tier=spec["tier"],
                estimated_annual_purchase=wan(spec["estimated_annual_purchase"]),
            )
            customer = services.customer_create(customer=customer, actor=first_owner)
            first_started = max(project.get("started", project["story"][0]["days_ago"]) for project in spec["projects"])
            Customer.objects.filter(pk=customer.pk).update(owner=owner, created_at=moment(first_started + 2, 11))
            customer.refresh_from_db()
        contacts = {}
        for name, title, phone, decision_role, stance in spec["contacts"]:
            contacts[name], _ = Contact.objects.get_or_create(
                customer=customer,
                name=name,
                defaults={"title": title, "phone": phone, "decision_role": decision_role, "stance": stance},
            )
        handover_at = moment(handed_over[0], 17) if handed_over else None
        for offset, project_spec in enumerate(spec["projects"]):
            if not customer.projects.filter(name=project_spec["name"]).exists():
                owners = (first_owner, owner, handover_at)
                self._project(customer, project_spec, contacts, owners, variant=index + offset)
        if handed_over and not customer.handovers.exists():
            self._hand_over(customer, first_owner, owner, handover_at, note=handed_over[2])

    def _hand_over(self, customer, from_user, to_user, at, note):
        """The hand-over as it was confirmed: the customer, its projects and the open next steps moved."""
        moved_steps = KeyPoint.objects.filter(
            project__customer=customer, occurred_at__lt=at, next_step_owner=to_user
        ).order_by("next_step_due", "pk")
        HandOver.objects.create(
            customer=customer,
            from_user=from_user,
            to_user=to_user,
            actor=self.users["lead"],
            at=at,
            # Customers handed over in one confirmation share its batch.
            batch=uuid.uuid5(uuid.NAMESPACE_URL, f"salesrecord-demo/{from_user.username}/{at.date()}"),
            customer_moved=True,
            moved={
                "projects": [[project.pk, project.name] for project in customer.projects.order_by("-created_at")],
                "next_steps": [[keypoint.pk, keypoint.next_step] for keypoint in moved_steps],
                "team_places": [],
            },
            note=note,
        )

    # Projects ------------------------------------------------------------------------------------

    def _project(self, customer, spec, contacts, owners, variant):
        first_owner, owner, handover_at = owners

        def actor_at(at):
            return first_owner if handover_at and at < handover_at else owner

        low, high = spec["budget"]
        started_at = moment(spec.get("started", spec["story"][0]["days_ago"]), 8)
        project = Project.objects.create(
            customer=customer,
            name=spec["name"],
            source=spec["source"],
            pain_points=spec["pains"],
            budget_min=wan(low),
            budget_max=wan(high),
            expected_close_date=timezone.localdate() + timedelta(days=spec["close_in"]),
            owner=owner,
        )
        steps = [(name, contacts[contact]) for name, contact in spec.get("steps", [])]
        DecisionStep.objects.bulk_create(
            DecisionStep(project=project, position=position, name=name, contact=contact)
            for position, (name, contact) in enumerate(steps, start=1)
        )
        members = ProjectMember.objects.bulk_create(
            ProjectMember(project=project, user=self.users[username], role=role, responsibility=responsibility)
            for username, role, responsibility in spec.get("members", [])
        )

        story = Story(project=project, at=started_at, actor=actor_at(started_at))
        facts = DealFacts(spec, steps)
        records = []
        at = started_at
        for number, event in enumerate(spec["story"]):
            # Events of one day keep their order.
            hour = 9 + (variant + 3 * number) % 9 if event["event"] == "keypoint" else 17
            at = max(moment(event["days_ago"], hour), at + timedelta(minutes=1))
            actor = actor_at(at)
            if event["event"] != "keypoint":
                story.change_status(event, at, actor, self.lost_reasons)
                continue
            if event["stage"] > story.stage or event.get("move_reason"):
                story.move(event["stage"], at, actor, event.get("move_reason", ""))
            team = [m.user for m in members if m.role in JOINS.get(event["stage"], ())]
            records.append(self._keypoint_draft(project, event, at, actor, team, contacts, facts, variant))

        state = story.final_state()
        # Records first, while the project still stands at its first stage: the contract rule
        # (nothing at or past contract signing without its contract record) holds once all are in.
        # A lost or completed deal's last next step closed with it; a paused one's still waits.
        ended = story.status in (ProjectStatus.LOST, ProjectStatus.COMPLETED)
        self._save_keypoints(records, story.closed_at if ended else None, owners)
        StageHistory.objects.bulk_create(story.history)
        last_at = max([story.history[-1].at, *(record[0].occurred_at for record in records)])
        Project.objects.filter(pk=project.pk).update(**state, created_at=started_at, updated_at=last_at)

    def _keypoint_draft(self, project, event, at, author, team, contacts, facts, variant):
        stage = event["stage"]
        ordinal = facts.count(stage)
        values = facts.stage_values(stage, ordinal, variant)
        values.update({key: value for key, value in event.items() if key not in STORY_KEYS})
        if "contacts" in event:
            participants = [contacts[name] for name in event["contacts"]]
        else:
            participants = self._participants(stage, contacts)
        first = participants[0]
        facts.context["who"] = f"{first.title}{first.name}"
        values = {key: facts.fill(value) for key, value in values.items()}
        next_days = values.pop("next_days")
        next_days = event.get("next_days", next_days)
        for name in event.get("missing", []):
            values[name] = KeyPoint._meta.get_field(name).get_default()
        if stage == StageNumber.CONTRACT:
            self.contract_count += 1
            values.setdefault("signing_date", timezone.localtime(at).date())
            if not values.get("contract_number"):
                values["contract_number"] = f"XC-{at.year}-{self.contract_count + 100:04d}"
        keypoint = KeyPoint(
            project=project,
            stage=stage,
            occurred_at=at,
            author=author,
            next_step_owner=author,
            next_step_due=timezone.localtime(at).date() + timedelta(days=next_days),
            **values,
        )
        return keypoint, [author, *(user for user in team if user != author)], participants

    def _participants(self, stage, contacts):
        """Who on the customer's side a record of this stage is with: the most likely role first,
        and for the meetings that bring more people (needs, solution, contract) one more."""
        by_role = sorted(contacts.values(), key=lambda contact: (MEETS[stage].index(contact.decision_role), contact.pk))
        return by_role[: 2 if stage in (StageNumber.NEEDS, StageNumber.SOLUTION, StageNumber.CONTRACT) else 1]

    def _save_keypoints(self, records, closed_at, owners):
        """Save the records through the service; each next step is done when the next record came
        (or the deal closed), and the newest one of an open deal is still to do."""
        _first_owner, owner, handover_at = owners
        saved = []
        for number, (keypoint, ours, theirs) in enumerate(records):
            following = records[number + 1][0].occurred_at if number + 1 < len(records) else closed_at
            if following is not None:
                keypoint.next_step_status = NextStepStatus.DONE
                keypoint.next_step_done_at = following
            if handover_at and keypoint.occurred_at < handover_at and (following is None or following > handover_at):
                # Still to do when the customer was handed over: it moved with it.
                keypoint.next_step_owner = owner
            keypoint_services.keypoint_create(
                keypoint=keypoint, actor=keypoint.author, our_participants=ours, customer_participants=theirs
            )
            written = keypoint.occurred_at + timedelta(hours=WRITTEN_AFTER[number % len(WRITTEN_AFTER)])
            keypoint.created_at = keypoint.updated_at = min(written, timezone.now())
            saved.append(keypoint)
        KeyPoint.objects.bulk_update(saved, ["created_at", "updated_at"])


class DealFacts:
    """One deal's own facts (contacts, pains, prices) that fill in its records' words."""

    def __init__(self, spec, steps):
        low, high = spec["budget"]
        self.amount = spec.get("amount", round(high * 0.9))
        self.quote = high
        self.floor = self.amount + 4 if spec.get("approval") else round(self.amount * 0.95)
        self.rounds = sum(1 for event in spec["story"] if event.get("stage") == StageNumber.NEGOTIATION)
        self.fulfilment_records = [event for event in spec["story"] if event.get("stage") == StageNumber.FULFILMENT]
        self.delivered = any(
            event.get("stage") == StageNumber.AFTER_SALES or event["event"] == "complete" for event in spec["story"]
        )
        rating = spec.get("rating", "B")
        self.need = spec.get("need", spec["name"])
        self.seen = {}
        self.context = {
            "project": spec["name"],
            "pain": spec["pains"],
            "pain_short": spec["pains"].split(",")[0].rstrip("。"),
            "need": self.need,
            "rating": rating,
            "rating_basis": text.RATING_BASIS[rating],
            "source": spec["source"],
            "channel": text.CHANNEL[spec["source"]],
            "highlight": spec.get("highlight", f"围绕“{self.need}”配置功能,与现有系统标准接口对接。"),
            "renewal": spec.get("renewal", "运维服务明年到期,客户有意续签。"),
            "decision_process": "→".join(f"{name}({contact.name})" for name, contact in steps),
            "signed": str(self.amount),
        }

    def count(self, stage):
        """How many records of this stage came before this one."""
        ordinal = self.seen.get(stage, 0)
        self.seen[stage] = ordinal + 1
        return ordinal

    def fill(self, value):
        return value.format(**self.context) if isinstance(value, str) else value

    def stage_values(self, stage, ordinal, variant):
        if stage == StageNumber.FULFILMENT:
            return self._fulfilment(ordinal)
        values = text.BY_STAGE[stage](variant + ordinal)
        if stage == StageNumber.NEGOTIATION:
            values.update(self._round(ordinal))
        if stage == StageNumber.CONTRACT:
            values["signed_amount"] = Decimal(wan(self.amount))
        return values

    def _round(self, ordinal):
        """The prices of one negotiation round: from the quote down to the agreed amount."""
        step = Decimal(self.quote - self.amount) / max(self.rounds, 1)
        before = round(self.quote - step * ordinal)
        after = round(self.quote - step * (ordinal + 1))
        self.context.update(before=in_wan(wan(before)), after=in_wan(wan(after)))
        return {
            "price_before": Decimal(wan(before)),
            "price_after": Decimal(wan(after)),
            "floor_price": Decimal(wan(self.floor)),
            "needs_approval": after < self.floor,
        }

    def _fulfilment(self, ordinal):
        """Fulfilment goes kick-off, rollout, go-live, acceptance: the last record of a delivered deal
        is its acceptance."""
        last = ordinal == len(self.fulfilment_records) - 1
        step = len(text.FULFILMENT_STEPS) - 1 if last and self.delivered else min(ordinal, 3)
        values = dict(text.FULFILMENT_STEPS[step])
        values["payments_received"] = Decimal(wan(self.amount)) * Decimal(values.pop("paid"))
        return values
