"""Every write to key points, next steps and a project's stage and status."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from customers.models import ProjectStatus

from .models import KeyPoint, NextStepStatus, StageChange, StageHistory
from .stages import STAGES, StageNumber, get_stage


def _is_filled(keypoint, field):
    if field == "customer_participants":
        # Unsaved M2M: the form passes the chosen contacts through _pending_contacts.
        pending = getattr(keypoint, "_pending_contacts", None)
        return bool(pending) if pending is not None else keypoint.customer_participants.exists()
    value = getattr(keypoint, field)
    return value not in (None, "")


def completeness(keypoint):
    """(filled, total, missing element keys) of the record's stage elements."""
    stage = get_stage(keypoint.stage)
    missing = [
        element.key for element in stage.elements if not all(_is_filled(keypoint, field) for field in element.fields)
    ]
    return len(stage.elements) - len(missing), len(stage.elements), missing


def _clear_other_stages(keypoint):
    """A record holds only its own stage's elements: values typed under another stage are dropped."""
    own = set(get_stage(keypoint.stage).own_fields)
    for stage in STAGES:
        for field in stage.own_fields:
            if field not in own:
                setattr(keypoint, field, KeyPoint._meta.get_field(field).get_default())


def _save_keypoint(keypoint, *, our_participants, customer_participants):
    _clear_other_stages(keypoint)
    keypoint._pending_contacts = list(customer_participants)
    keypoint.elements_filled, keypoint.elements_total, keypoint.missing_elements = completeness(keypoint)
    keypoint.is_complete = not keypoint.missing_elements
    keypoint.save()
    keypoint.our_participants.set(our_participants)
    keypoint.customer_participants.set(customer_participants)
    del keypoint._pending_contacts
    return keypoint


@transaction.atomic
def keypoint_create(*, keypoint, actor, our_participants, customer_participants):
    keypoint.author = actor
    return _save_keypoint(keypoint, our_participants=our_participants, customer_participants=customer_participants)


@transaction.atomic
def keypoint_update(*, keypoint, actor, our_participants, customer_participants):
    return _save_keypoint(keypoint, our_participants=our_participants, customer_participants=customer_participants)


@transaction.atomic
def next_step_set_done(*, keypoint, actor, done):
    keypoint.next_step_status = NextStepStatus.DONE if done else NextStepStatus.OPEN
    keypoint.next_step_done_at = timezone.now() if done else None
    keypoint.save(update_fields=["next_step_status", "next_step_done_at", "updated_at"])
    return keypoint


# Stage and status changes ------------------------------------------------------------------------


def _record(project, *, kind, actor, from_stage, from_status, reason="", lost_reason=None, resume_on=None):
    return StageHistory.objects.create(
        project=project,
        kind=kind,
        from_stage=from_stage,
        to_stage=project.stage,
        from_status=from_status,
        to_status=project.status,
        reason=reason,
        lost_reason=lost_reason,
        resume_on=resume_on,
        actor=actor,
        at=timezone.now(),
    )


def _require_open(project):
    if project.status != ProjectStatus.OPEN:
        raise ValidationError(
            _("The project is %(status)s; reopen it before changing its stage."),
            code="not_open",
            params={"status": project.get_status_display()},
        )


def _require_contract_recorded(project):
    recorded = project.keypoints.filter(
        stage=StageNumber.CONTRACT, contract_number__gt="", signed_amount__isnull=False, signing_date__isnull=False
    )
    if not recorded.exists():
        raise ValidationError(
            _(
                "Before entering contract signing, log a contract-signing key point with the contract "
                "number, the signed amount and the signing date."
            ),
            code="contract_missing",
        )


def _move(project, *, to_stage, kind, actor, reason=""):
    from_stage, from_status = project.stage, project.status
    if to_stage >= StageNumber.CONTRACT > from_stage:
        _require_contract_recorded(project)
    project.stage = to_stage
    project.stage_entered_at = timezone.now()
    project.save(update_fields=["stage", "stage_entered_at", "updated_at"])
    return _record(project, kind=kind, actor=actor, from_stage=from_stage, from_status=from_status, reason=reason)


@transaction.atomic
def project_create(*, project, actor, reason=""):
    """Save a new project and its first history row. A rep's new project is theirs unless an owner is chosen."""
    if project.owner_id is None:
        project.owner = actor
    project.save()
    _record(project, kind=StageChange.CREATED, actor=actor, from_stage=None, from_status="")
    return project


@transaction.atomic
def project_advance_stage(*, project, actor):
    _require_open(project)
    if project.stage >= StageNumber.AFTER_SALES:
        raise ValidationError(_("After-sales maintenance is the last stage."), code="last_stage")
    return _move(project, to_stage=project.stage + 1, kind=StageChange.ADVANCE, actor=actor)


@transaction.atomic
def project_change_stage(*, project, actor, to_stage, reason):
    """Go back, or skip ahead past the next stage: both need a reason."""
    _require_open(project)
    to_stage = int(to_stage)
    if to_stage == project.stage:
        raise ValidationError(_("The project is already in this stage."), code="same_stage")
    if not reason.strip():
        raise ValidationError(_("Say why the project goes back or skips a stage."), code="reason_required")
    kind = StageChange.BACK if to_stage < project.stage else StageChange.SKIP
    if kind == StageChange.SKIP and to_stage == project.stage + 1:
        kind = StageChange.ADVANCE
    return _move(project, to_stage=to_stage, kind=kind, actor=actor, reason=reason.strip())


@transaction.atomic
def project_mark_lost(*, project, actor, lost_reason, note=""):
    _require_open(project)
    from_status = project.status
    project.status = ProjectStatus.LOST
    project.lost_reason = lost_reason
    project.status_note = note.strip()
    project.resume_on = None
    project.save(update_fields=["status", "lost_reason", "status_note", "resume_on", "updated_at"])
    return _record(
        project,
        kind=StageChange.LOST,
        actor=actor,
        from_stage=project.stage,
        from_status=from_status,
        reason=project.status_note,
        lost_reason=lost_reason,
    )


@transaction.atomic
def project_put_on_hold(*, project, actor, reason, resume_on):
    _require_open(project)
    if resume_on <= timezone.localdate():
        raise ValidationError(_("The resume date must be in the future."), code="resume_in_past")
    from_status = project.status
    project.status = ProjectStatus.ON_HOLD
    project.status_note = reason.strip()
    project.resume_on = resume_on
    project.save(update_fields=["status", "status_note", "resume_on", "updated_at"])
    return _record(
        project,
        kind=StageChange.HOLD,
        actor=actor,
        from_stage=project.stage,
        from_status=from_status,
        reason=project.status_note,
        resume_on=resume_on,
    )


@transaction.atomic
def project_reopen(*, project, actor, reason=""):
    if project.status not in (ProjectStatus.LOST, ProjectStatus.ON_HOLD):
        raise ValidationError(_("Only a lost or paused project can be reopened."), code="not_closed")
    from_status = project.status
    project.status = ProjectStatus.OPEN
    project.lost_reason = None
    project.status_note = ""
    project.resume_on = None
    # The stage clock restarts: time spent lost or on hold is not time spent selling.
    project.stage_entered_at = timezone.now()
    project.save(update_fields=["status", "lost_reason", "status_note", "resume_on", "stage_entered_at", "updated_at"])
    return _record(
        project,
        kind=StageChange.REOPEN,
        actor=actor,
        from_stage=project.stage,
        from_status=from_status,
        reason=reason.strip(),
    )
