"""Whatever sequence of stage actions people take, the stage history replays to the project's own state.

A property test (hypothesis, stateful): a fresh project per example, started through
`services.project_create`, then random actions — advance, go back or skip with a reason, hold, lost,
complete, reopen, log a contract key point, edit a contract key point's stage away — each shown the
project's state, no state, or a stale one. After every step the history must replay to the project's
stage and status. An action is refused exactly when a rule forbids it, and a refused action changes
nothing and writes no row; an accepted one writes exactly one row saying what it did.
"""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from hypothesis import event, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from customers.models import LostReason, Project, ProjectStatus
from keypoints import services
from keypoints.models import KeyPoint, StageChange, StageHistory
from keypoints.stages import StageNumber
from tests.factories import KeyPointFactory, ProjectFactory

pytestmark = pytest.mark.django_db

OPEN, ON_HOLD, LOST, COMPLETED = (
    ProjectStatus.OPEN,
    ProjectStatus.ON_HOLD,
    ProjectStatus.LOST,
    ProjectStatus.COMPLETED,
)
CONTRACT = {"contract_number": "HT-2024-031", "signed_amount": Decimal("620000"), "signing_date": date(2024, 4, 18)}


def replay(rows):
    """The (stage, status) a project's history leads to: its created row, then each change in order.

    rows: (kind, from_stage, from_status, to_stage, to_status) in the order the history is read.
    Each row must start where the one before it ended; a history that does not chain is an error.
    """
    assert rows, "a project without history"
    (kind, from_stage, from_status, to_stage, to_status), *changes = rows
    assert (kind, from_stage, from_status) == (StageChange.CREATED, None, ""), f"history starts with {rows[0]}"
    state = (to_stage, to_status)
    for number, (kind, from_stage, from_status, to_stage, to_status) in enumerate(changes, start=2):
        assert kind != StageChange.CREATED, f"row {number} is a second created row"
        assert (from_stage, from_status) == state, (
            f"row {number} ({kind}) starts at {from_stage, from_status}, not {state}"
        )
        state = (to_stage, to_status)
    return state


def test_replay_follows_a_chained_history_to_its_end():
    rows = [
        (StageChange.CREATED, None, "", 1, OPEN),
        (StageChange.SKIP, 1, OPEN, 3, OPEN),
        (StageChange.HOLD, 3, OPEN, 3, ON_HOLD),
        (StageChange.LOST, 3, ON_HOLD, 3, LOST),
    ]
    assert replay(rows) == (3, LOST)


@pytest.mark.parametrize(
    "broken",
    [
        [(StageChange.ADVANCE, 1, OPEN, 2, OPEN)],
        [(StageChange.CREATED, None, "", 1, OPEN), (StageChange.ADVANCE, 2, OPEN, 3, OPEN)],
        [(StageChange.CREATED, None, "", 1, OPEN), (StageChange.REOPEN, 1, LOST, 1, OPEN)],
        [(StageChange.CREATED, None, "", 1, OPEN), (StageChange.CREATED, None, "", 1, OPEN)],
    ],
    ids=["no created row", "a stage gap", "a status gap", "created twice"],
)
def test_replay_refuses_a_history_that_does_not_chain(broken):
    with pytest.raises(AssertionError):
        replay(broken)


# The rules, as the person taking an action would state them -------------------------------------


def has_recorded_contract(project_pk, *, besides=None):
    return (
        KeyPoint.objects.filter(project_id=project_pk, stage=StageNumber.CONTRACT, signed_amount__isnull=False)
        .exclude(contract_number="")
        .exclude(signing_date=None)
        .exclude(pk=besides)
        .exists()
    )


def forbidden(action, project, *, to_stage=None, reason="", resume_on=None):
    """Every rule that forbids this action on a project in this state (refusal codes)."""
    stage, status = project.stage, project.status
    codes = set()
    if action in ("advance", "change", "hold", "complete") and status != OPEN:
        codes.add("not_open")
    if action == "advance":
        codes |= {"last_stage"} if stage >= StageNumber.AFTER_SALES else set()
        to_stage = stage + 1
    if action == "change":
        codes |= {"same_stage"} if to_stage == stage else set()
        codes |= {"reason_required"} if not reason.strip() else set()
    if action in ("advance", "change") and to_stage >= StageNumber.CONTRACT > stage:
        codes |= set() if has_recorded_contract(project.pk) else {"contract_missing"}
    if action == "lost" and status not in (OPEN, ON_HOLD):
        codes.add("not_open")
    if action == "hold" and resume_on <= timezone.localdate():
        codes.add("resume_in_past")
    if action == "complete" and stage < StageNumber.FULFILMENT:
        codes.add("not_delivered")
    if action == "reopen" and status == OPEN:
        codes.add("not_closed")
    return codes


def outcome(action, stage, *, to_stage=None, **rule_args):
    """What an accepted action records, from a project at this stage: (kind, to_stage, to_status)."""
    if action == "advance":
        return StageChange.ADVANCE, stage + 1, OPEN
    if action == "change":
        kind = StageChange.BACK if to_stage < stage else StageChange.SKIP
        return (StageChange.ADVANCE if to_stage == stage + 1 else kind), to_stage, OPEN
    status = {"lost": LOST, "hold": ON_HOLD, "complete": COMPLETED, "reopen": OPEN}[action]
    return StageChange(action), stage, status


def history_of(project_pk):
    """The history as the app reads it: in the order it happened."""
    return list(
        StageHistory.objects.filter(project_id=project_pk)
        .order_by("at", "pk")
        .values_list("pk", "kind", "from_stage", "from_status", "to_stage", "to_status", named=True)
    )


def as_row(project):
    return {field.attname: getattr(project, field.attname) for field in Project._meta.concrete_fields}


def state_of(project_pk):
    """What a refused stage action must leave as it was: the project row and its history."""
    return Project.objects.values().get(pk=project_pk), sorted(row.pk for row in history_of(project_pk))


def keypoints_of(project_pk):
    return list(
        KeyPoint.objects.filter(project_id=project_pk)
        .order_by("pk")
        .values("pk", "stage", "contract_number", "signed_amount", "signing_date", "updated_at")
    )


# The machine: one project, random actions -------------------------------------------------------

REASONS = st.sampled_from(["客户要求调整", "客户要求调整", "", "  "])
# What the person's form was shown: the project as it is; nothing (a caller that checks no
# staleness); or the project as it was before its last change (a page left open meanwhile).
SEEN = st.sampled_from(["shown", "shown", "shown", "unsaid", "before the last change"])
OTHER_STAGES = st.sampled_from([stage for stage in StageNumber.values if stage != StageNumber.CONTRACT])


class StageActions(RuleBasedStateMachine):
    """One project and the actions people take on it.

    self.project and self.history are what the last read found: the check after every step reads
    them again, so each action starts from the project as a request would load it.
    """

    def __init__(self, *, actor, customer, lost_reason):
        super().__init__()
        self.actor, self.customer, self.lost_reason = actor, customer, lost_reason
        self.project = self.history = None
        self.contract_pks = []

    def read(self):
        self.project = Project.objects.get(pk=self.project.pk)
        self.history = history_of(self.project.pk)
        return self.project, self.history

    @initialize(start=st.sampled_from(StageNumber.values), reason=REASONS, signed=st.booleans())
    def create(self, start, reason, signed):
        """A new project, started where the person asks if the rules allow it.

        A signed deal has its contract key point logged at once; one that was to start at or past
        contract signing is then skipped there, so that the late stages are reached in a few steps.
        """
        projects, rows = Project.objects.count(), StageHistory.objects.count()
        draft = ProjectFactory.build(customer=self.customer, owner=self.actor, stage=start)
        refused = start >= StageNumber.CONTRACT or (start > StageNumber.LEAD and not reason.strip())
        try:
            project = services.project_create(project=draft, actor=self.actor, reason=reason)
        except ValidationError:
            assert refused, f"creating at stage {start} with reason {reason!r} was refused"
            assert (Project.objects.count(), StageHistory.objects.count()) == (projects, rows)
            project = services.project_create(project=ProjectFactory.build(customer=self.customer), actor=self.actor)
        else:
            assert not refused, f"created at stage {start} with reason {reason!r}"
            assert (project.stage, project.status) == (start, OPEN)
        self.project = project
        self.read()
        if signed:
            self.log_contract_key_point(missing=None)
            if start >= StageNumber.CONTRACT:
                self.change_stage(to_stage=start, reason="合同已签", seen="shown")

    def take(self, action, call, seen, **rule_args):
        """Take a stage action as a request would, and check it against the rules."""
        project, history = self.project, self.history
        if seen == "shown":
            shown = {"seen_stage": project.stage, "seen_status": project.status}
        elif seen == "unsaid":
            shown = {}
        else:
            shown = {"seen_stage": history[-1].from_stage, "seen_status": history[-1].from_status}
        stale = bool(shown) and (shown["seen_stage"], shown["seen_status"]) != (project.stage, project.status)
        rules = {"stale"} if stale else forbidden(action, project, **rule_args)
        before = as_row(project), sorted(row.pk for row in history)
        try:
            row = call(project, **shown)
        except ValidationError as error:
            event(f"{action} refused: {error.code}")
            assert rules, f"{action} was refused ({error.code}) though no rule forbids it"
            assert error.code in rules, f"{action} was refused as {error.code}, expected one of {rules}"
            assert state_of(project.pk) == before, f"refused {action} changed the project or its history"
            return
        event(f"{action} done")
        assert not rules, f"{action} went through though {rules} forbid it"
        written = list(StageHistory.objects.filter(project_id=project.pk).exclude(pk__in=before[1]))
        assert written == [row], f"{action} wrote {len(written)} history rows"
        kind, to_stage, to_status = outcome(action, before[0]["stage"], **rule_args)
        assert (row.kind, row.from_stage, row.from_status) == (kind, before[0]["stage"], before[0]["status"])
        assert (row.to_stage, row.to_status) == (to_stage, to_status)
        assert (project.stage, project.status) == (to_stage, to_status), "the caller's project was not updated"

    @rule(seen=SEEN)
    def advance(self, seen):
        self.take(
            "advance",
            lambda project, **shown: services.project_advance_stage(project=project, actor=self.actor, **shown),
            seen,
        )

    @rule(to_stage=st.sampled_from(StageNumber.values), reason=REASONS, seen=SEEN)
    def change_stage(self, to_stage, reason, seen):
        def call(project, **shown):
            return services.project_change_stage(
                project=project, actor=self.actor, to_stage=to_stage, reason=reason, **shown
            )

        self.take("change", call, seen, to_stage=to_stage, reason=reason)

    @rule(days=st.integers(min_value=-1, max_value=30), seen=SEEN)
    def hold(self, days, seen):
        resume_on = timezone.localdate() + timedelta(days=days)

        def call(project, **shown):
            return services.project_put_on_hold(
                project=project, actor=self.actor, reason="等预算", resume_on=resume_on, **shown
            )

        self.take("hold", call, seen, resume_on=resume_on)

    @rule(seen=SEEN)
    def lose(self, seen):
        def call(project, **shown):
            return services.project_mark_lost(
                project=project, actor=self.actor, lost_reason=self.lost_reason, note="竞品", **shown
            )

        self.take("lost", call, seen)

    @rule(seen=SEEN)
    def complete(self, seen):
        self.take(
            "complete",
            lambda project, **shown: services.project_complete(project=project, actor=self.actor, **shown),
            seen,
        )

    @rule(seen=SEEN)
    def reopen(self, seen):
        self.take(
            "reopen", lambda project, **shown: services.project_reopen(project=project, actor=self.actor, **shown), seen
        )

    @rule(missing=st.sampled_from([None, None, None, "contract_number", "signed_amount", "signing_date"]))
    def log_contract(self, missing):
        self.log_contract_key_point(missing)

    def log_contract_key_point(self, missing):
        """A contract key point, complete or missing one of what makes a deal signed."""
        values = {**CONTRACT, **({missing: "" if missing == "contract_number" else None} if missing else {})}
        project, history = self.project, self.history
        keypoint = KeyPointFactory(project=project, stage=StageNumber.CONTRACT, **values)
        self.contract_pks.append(keypoint.pk)
        event("contract logged" if missing is None else "contract logged without its " + missing)
        after, after_history = self.read()
        assert after_history == history, "a key point wrote stage history"
        assert (after.stage, after.status) == (project.stage, project.status)

    @precondition(lambda self: self.contract_pks)
    @rule(which=st.integers(min_value=0, max_value=9), to_stage=OTHER_STAGES)
    def edit_contract_away(self, which, to_stage):
        """Someone corrects a contract key point to another stage, which drops its contract values."""
        keypoint = KeyPoint.objects.get(pk=self.contract_pks[which % len(self.contract_pks)])
        project = self.project
        must_stay = (
            project.stage >= StageNumber.CONTRACT
            and has_recorded_contract(project.pk)
            and not has_recorded_contract(project.pk, besides=keypoint.pk)
        )
        before = state_of(project.pk), keypoints_of(project.pk)
        keypoint.stage = to_stage
        try:
            services.keypoint_update(
                keypoint=keypoint, actor=self.actor, our_participants=[self.actor], customer_participants=[]
            )
        except ValidationError as error:
            event(f"contract edit refused: {error.code}")
            assert must_stay, f"editing a contract away was refused ({error.code}) though another contract remains"
            assert error.code == "contract_required"
            assert (state_of(project.pk), keypoints_of(project.pk)) == before, "a refused edit changed something"
            return
        event("contract edited away")
        assert not must_stay, "the last contract of a project at or past contract signing was edited away"
        self.contract_pks.remove(keypoint.pk)
        after, history = self.read()
        assert sorted(row.pk for row in history) == before[0][1], "a key point wrote stage history"
        assert (after.stage, after.status) == (project.stage, project.status)

    @invariant()
    def history_replays_to_the_project(self):
        project, history = self.read()
        rows = [(row.kind, row.from_stage, row.from_status, row.to_stage, row.to_status) for row in history]
        assert replay(rows) == (project.stage, project.status)
        # The contract rule: never at or past contract signing without a contract record.
        assert project.stage < StageNumber.CONTRACT or has_recorded_contract(project.pk)


def test_any_sequence_of_stage_actions_keeps_the_history_a_replay_of_the_project(rep, rep_customer):
    lost_reason, _ = LostReason.objects.get_or_create(name="价格", defaults={"name_en": "Price"})
    run_state_machine_as_test(
        lambda: StageActions(actor=rep, customer=rep_customer, lost_reason=lost_reason),
        settings=settings(max_examples=60, stateful_step_count=12, deadline=None),
    )
