"""Every write to key points, next steps and a project's stage and status.

Each service opens its transaction in its body (`with transaction.atomic():`) rather than as a
decorator: mutation testing (mutmut) leaves decorated functions out, and these are the rules it pins."""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from customers import versions
from customers.models import Contact, Customer, Project, ProjectStatus
from customers.services import (
    lock_row,
    mark_archived,
    new_batch,
    refuse_if_archived,
    restore_batch,
)

from . import tasks
from .models import ExportStatus, KeyPoint, LedgerExport, NextStepStatus, StageChange, StageHistory, record_history
from .stages import STAGES, StageNumber, get_stage


def _is_filled(keypoint, field, customer_participants):
    if field == "customer_participants":
        # A many-to-many value: the contacts chosen, saved only after the record itself.
        return bool(customer_participants)
    return getattr(keypoint, field) not in (None, "")


def completeness(keypoint, customer_participants):
    """(filled, total, missing element keys) of the record's stage elements."""
    stage = get_stage(keypoint.stage)
    missing = [
        element.key
        for element in stage.elements
        if not all(_is_filled(keypoint, field, customer_participants) for field in element.fields)
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
    customer_participants = list(customer_participants)
    keypoint.elements_filled, keypoint.elements_total, keypoint.missing_elements = completeness(
        keypoint, customer_participants
    )
    keypoint.is_complete = not keypoint.missing_elements
    created = keypoint._state.adding
    # One history row for the save, written once the participants are set so that it holds them: not
    # one at the save and one more for each list of participants that changed.
    keypoint.skip_history_when_saving = True
    try:
        keypoint.save()
        keypoint.our_participants.set(our_participants)
        keypoint.customer_participants.set(customer_participants)
    finally:
        del keypoint.skip_history_when_saving
    record_history(keypoint, created=created)
    return keypoint


def _recorded_contracts(project):
    """Contract key points that hold what makes a deal signed: number, amount and date."""
    return project.keypoints.filter(
        stage=StageNumber.CONTRACT, contract_number__gt="", signed_amount__isnull=False, signing_date__isnull=False
    )


def _sync_outcome(project):
    """The project's signed amount and date follow its newest recorded contract."""
    contract = _recorded_contracts(project).order_by("-signing_date", "-occurred_at", "-pk").first()
    amount, signed_on = (contract.signed_amount, contract.signing_date) if contract else (None, None)
    if (project.signed_amount, project.signed_on) != (amount, signed_on):
        project.signed_amount, project.signed_on = amount, signed_on
        project.save(update_fields=["signed_amount", "signed_on", "updated_at"])


def sync_outcome(project):
    """The project's signed amount and date from its recorded contracts (after key points were written in
    bulk, as an import writes them)."""
    _sync_outcome(project)


def _save_keypoint_locked(keypoint, *, our_participants, customer_participants):
    # The project row is the lock every change to its stage, status or records takes, so that a
    # key point and a stage change on the same project never interleave.
    project = _lock(keypoint.project)
    _save_keypoint(keypoint, our_participants=our_participants, customer_participants=customer_participants)
    _sync_outcome(project)
    if project.stage >= StageNumber.CONTRACT and not _recorded_contracts(project).exists():
        # Raised inside the transaction, so the change is rolled back and nothing is lost.
        raise ValidationError(
            _(
                "The project is at or past contract signing: its contract key point must keep its stage, "
                "contract number, signed amount and signing date."
            ),
            code="contract_required",
        )
    keypoint.project = project
    return keypoint


def keypoint_create(*, keypoint, actor, our_participants, customer_participants):
    with transaction.atomic():
        keypoint.author = actor
        return _save_keypoint_locked(
            keypoint, our_participants=our_participants, customer_participants=customer_participants
        )


def keypoint_update(*, keypoint, actor, our_participants, customer_participants, seen=None):
    with transaction.atomic():
        _lock(keypoint.project)  # the project before its key point, in the order archiving locks them
        versions.lock_unchanged(keypoint, seen)
        return _save_keypoint_locked(
            keypoint, our_participants=our_participants, customer_participants=customer_participants
        )


def next_step_set_done(*, keypoint, actor, done):
    with transaction.atomic():
        keypoint.next_step_status = NextStepStatus.DONE if done else NextStepStatus.OPEN
        keypoint.next_step_done_at = timezone.now() if done else None
        keypoint.save(update_fields=["next_step_status", "next_step_done_at", "updated_at"])
        return keypoint


# Stage and status changes ------------------------------------------------------------------------
#
# Each locks the project row, then checks its rule against what it reads there: what the person saw
# may be stale. Callers that showed the person a state pass it as seen_stage / seen_status; a change
# made meanwhile refuses the request, naming who made it.


def _lock(project):
    """The project's row, locked; a project archived meanwhile refuses every change."""
    locked = lock_row(project)
    refuse_if_archived(locked)
    return locked


def _refuse_if_stale(locked, seen_stage, seen_status):
    if seen_stage is None and seen_status is None:
        return
    if (locked.stage, locked.status) == (seen_stage, seen_status):
        return
    last = locked.stage_history.select_related("actor").last()
    raise ValidationError(
        _(
            "%(actor)s changed this project at %(at)s: it is now %(stage)s, %(status)s. Nothing was changed; "
            "check the project and confirm again."
        ),
        code="stale",
        params={
            "actor": last.actor if last else _("Someone"),
            "at": formats.date_format(timezone.localtime(last.at if last else locked.updated_at), "DATETIME_FORMAT"),
            "stage": locked.get_stage_display(),
            "status": locked.get_status_display().lower(),
        },
    )


def _record(project, *, kind, actor, from_stage, from_status, reason="", lost_reason=None, resume_on=None, at=None):
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
        at=at or timezone.now(),
    )


def _require_open(project):
    if project.status != ProjectStatus.OPEN:
        raise ValidationError(
            _("The project is %(status)s; reopen it before changing its stage."),
            code="not_open",
            params={"status": project.get_status_display().lower()},
        )


def _require_contract_recorded(project):
    if not _recorded_contracts(project).exists():
        raise ValidationError(
            _(
                "Before entering contract signing, log a contract-signing key point with the contract "
                "number, the signed amount and the signing date."
            ),
            code="contract_missing",
        )


def _move(project, *, to_stage, kind, actor, reason=""):
    from_stage, from_status = project.stage, project.status
    if to_stage >= StageNumber.CONTRACT:
        # Never at or past contract signing without the contract on record.
        _require_contract_recorded(project)
    project.stage = to_stage
    project.stage_entered_at = timezone.now()
    project.save(update_fields=["stage", "stage_entered_at", "updated_at"])
    return _record(project, kind=kind, actor=actor, from_stage=from_stage, from_status=from_status, reason=reason)


def _close(locked, *, kind, status, actor, note, lost_reason=None, resume_on=None):
    """Lost, on hold or completed: the status with its note (and reason or resume date), and its history row."""
    from_status = locked.status
    locked.status = status
    locked.status_note = note.strip()
    locked.lost_reason = lost_reason
    locked.resume_on = resume_on
    locked.save(update_fields=["status", "status_note", "lost_reason", "resume_on", "updated_at"])
    return _record(
        locked,
        kind=kind,
        actor=actor,
        from_stage=locked.stage,
        from_status=from_status,
        reason=locked.status_note,
        lost_reason=lost_reason,
        resume_on=resume_on,
    )


def _done(project, locked, row):
    """Hand the caller's project object the state just written."""
    for field in ("stage", "status", "lost_reason", "status_note", "resume_on", "stage_entered_at", "updated_at"):
        setattr(project, field, getattr(locked, field))
    return row


def project_create(*, project, actor, reason=""):
    """Save a new project and its history. It starts at stage 1, or later with a reason, recorded as a skip.

    A new project has no key points, so it cannot start at or past contract signing.
    A rep's new project is theirs unless an owner is chosen.
    """
    with transaction.atomic():
        start = int(project.stage or StageNumber.LEAD)
        if start >= StageNumber.CONTRACT:
            raise ValidationError(
                _("A new project cannot start at or past contract signing: log the contract key point first."),
                code="contract_missing",
            )
        reason = reason.strip()
        if start > StageNumber.LEAD and not reason:
            raise ValidationError(_("Say why the project starts past lead acquisition."), code="reason_required")
        if project.owner_id is None:
            project.owner = actor
        refuse_if_archived(lock_row(project.customer))
        project.stage = StageNumber.LEAD
        project.status = ProjectStatus.OPEN
        project.save()
        at = timezone.now()
        _record(project, kind=StageChange.CREATED, actor=actor, from_stage=None, from_status="", at=at)
        if start > StageNumber.LEAD:
            project.stage = start
            project.save(update_fields=["stage", "updated_at"])
            _record(
                project,
                kind=StageChange.SKIP,
                actor=actor,
                from_stage=StageNumber.LEAD,
                from_status=ProjectStatus.OPEN,
                reason=reason,
                at=at,
            )
        return project


def project_advance_stage(*, project, actor, seen_stage=None, seen_status=None):
    with transaction.atomic():
        locked = _lock(project)
        _refuse_if_stale(locked, seen_stage, seen_status)
        _require_open(locked)
        if locked.stage >= StageNumber.AFTER_SALES:
            raise ValidationError(_("After-sales maintenance is the last stage."), code="last_stage")
        return _done(project, locked, _move(locked, to_stage=locked.stage + 1, kind=StageChange.ADVANCE, actor=actor))


def project_change_stage(*, project, actor, to_stage, reason, seen_stage=None, seen_status=None):
    """Go back, or skip ahead past the next stage: both need a reason."""
    with transaction.atomic():
        locked = _lock(project)
        _refuse_if_stale(locked, seen_stage, seen_status)
        _require_open(locked)
        to_stage = int(to_stage)
        if to_stage == locked.stage:
            raise ValidationError(_("The project is already in this stage."), code="same_stage")
        if not reason.strip():
            raise ValidationError(_("Say why the project goes back or skips a stage."), code="reason_required")
        kind = StageChange.BACK if to_stage < locked.stage else StageChange.SKIP
        if kind == StageChange.SKIP and to_stage == locked.stage + 1:
            kind = StageChange.ADVANCE
        row = _move(locked, to_stage=to_stage, kind=kind, actor=actor, reason=reason.strip())
        return _done(project, locked, row)


def project_mark_lost(*, project, actor, lost_reason, note="", seen_stage=None, seen_status=None):
    """An open or paused project is lost (a paused one directly, without being reopened first)."""
    with transaction.atomic():
        locked = _lock(project)
        _refuse_if_stale(locked, seen_stage, seen_status)
        if locked.status not in (ProjectStatus.OPEN, ProjectStatus.ON_HOLD):
            raise ValidationError(
                _("The project is %(status)s; only an open or paused project can be marked lost."),
                code="not_open",
                params={"status": locked.get_status_display().lower()},
            )
        row = _close(
            locked, kind=StageChange.LOST, status=ProjectStatus.LOST, actor=actor, note=note, lost_reason=lost_reason
        )
        return _done(project, locked, row)


def project_put_on_hold(*, project, actor, reason, resume_on, seen_stage=None, seen_status=None):
    with transaction.atomic():
        locked = _lock(project)
        _refuse_if_stale(locked, seen_stage, seen_status)
        _require_open(locked)
        if resume_on <= timezone.localdate():
            raise ValidationError(_("The resume date must be in the future."), code="resume_in_past")
        row = _close(
            locked, kind=StageChange.HOLD, status=ProjectStatus.ON_HOLD, actor=actor, note=reason, resume_on=resume_on
        )
        return _done(project, locked, row)


def project_complete(*, project, actor, note="", seen_stage=None, seen_status=None):
    """Close a delivered deal: from fulfilment or after-sales, the relationship on it is done."""
    with transaction.atomic():
        locked = _lock(project)
        _refuse_if_stale(locked, seen_stage, seen_status)
        _require_open(locked)
        if locked.stage < StageNumber.FULFILMENT:
            raise ValidationError(
                _("Only a project in fulfilment or after-sales can be completed."), code="not_delivered"
            )
        row = _close(locked, kind=StageChange.COMPLETE, status=ProjectStatus.COMPLETED, actor=actor, note=note)
        return _done(project, locked, row)


def project_reopen(*, project, actor, reason="", seen_stage=None, seen_status=None):
    with transaction.atomic():
        locked = _lock(project)
        _refuse_if_stale(locked, seen_stage, seen_status)
        if locked.status == ProjectStatus.OPEN:
            raise ValidationError(_("The project is already open."), code="not_closed")
        from_status = locked.status
        locked.status = ProjectStatus.OPEN
        locked.lost_reason = None
        locked.status_note = ""
        locked.resume_on = None
        # The stage clock restarts: time spent lost, on hold or closed is not time spent selling.
        locked.stage_entered_at = timezone.now()
        locked.save(
            update_fields=["status", "lost_reason", "status_note", "resume_on", "stage_entered_at", "updated_at"]
        )
        row = _record(
            locked,
            kind=StageChange.REOPEN,
            actor=actor,
            from_stage=locked.stage,
            from_status=from_status,
            reason=reason.strip(),
        )
        return _done(project, locked, row)


# Archive and restore ----------------------------------------------------------------------------
#
# Locks go parent first (customer, its contacts, its projects, their key points), as every other write
# here takes them, so that two never wait on each other.


def _archive_projects(projects, *, actor, batch, at):
    archived = mark_archived(projects, actor=actor, batch=batch, at=at)
    mark_archived(KeyPoint.all_objects.filter(project__in=[p.pk for p in archived]), actor=actor, batch=batch, at=at)


def customer_archive(*, customer, actor):
    """Archive a customer with its contacts, projects and their key points: all leave lists, dashboards
    and reminders, keep their history, and come back together on restore."""
    with transaction.atomic():
        locked = lock_row(customer)
        if locked.archived_at is None:
            batch, at = new_batch()
            mark_archived(Customer.all_objects.filter(pk=locked.pk), actor=actor, batch=batch, at=at)
            mark_archived(Contact.all_objects.filter(customer=locked), actor=actor, batch=batch, at=at)
            _archive_projects(Project.all_objects.filter(customer=locked), actor=actor, batch=batch, at=at)
        return lock_row(customer)


def customer_restore(*, customer, actor):
    with transaction.atomic():
        return restore_batch(customer, parent=None, models=[Customer, Contact, Project, KeyPoint], actor=actor)


def project_archive(*, project, actor):
    """Archive a project with its key points."""
    with transaction.atomic():
        lock_row(project.customer)
        locked = lock_row(project)
        if locked.archived_at is None:
            batch, at = new_batch()
            _archive_projects(Project.all_objects.filter(pk=locked.pk), actor=actor, batch=batch, at=at)
        return lock_row(project)


def project_restore(*, project, actor):
    with transaction.atomic():
        return restore_batch(project, parent=project.customer, models=[Project, KeyPoint], actor=actor)


def _keep_contract_on_record(project):
    _sync_outcome(project)
    if project.stage >= StageNumber.CONTRACT and not _recorded_contracts(project).exists():
        raise ValidationError(
            _(
                "The project is at or past contract signing and this is its contract key point: it stays. "
                "Move the project back first, or archive the whole project."
            ),
            code="contract_required",
        )


def keypoint_archive(*, keypoint, actor):
    """Archive one key point (logged by mistake, say). A signed project's only contract stays."""
    with transaction.atomic():
        project = lock_row(keypoint.project)
        locked = lock_row(keypoint)
        if locked.archived_at is None:
            batch, at = new_batch()
            mark_archived(KeyPoint.all_objects.filter(pk=locked.pk), actor=actor, batch=batch, at=at)
            if project.archived_at is None:
                _keep_contract_on_record(project)
        return lock_row(keypoint)


def keypoint_restore(*, keypoint, actor):
    with transaction.atomic():
        restored = restore_batch(keypoint, parent=keypoint.project, models=[KeyPoint], actor=actor)
        _sync_outcome(lock_row(keypoint.project))  # a contract back on record signs the project again
        return restored


# Ledger exports --------------------------------------------------------------------------------------


def ledger_export_start(*, user, export_format, query, language):
    """Ask for a background export of the ledger with these filters (a query string). The same person
    asking again for the same export while it is waiting or being prepared gets that one: a double
    submit starts one job. Returns (job, started)."""
    with transaction.atomic():
        # The person's row, locked, lines up their concurrent requests: the second sees the first's job.
        get_user_model().objects.select_for_update().filter(pk=user.pk).first()
        same = LedgerExport.objects.filter(
            requested_by=user,
            format=export_format,
            query=query,
            language=language,
            status__in=[ExportStatus.QUEUED, ExportStatus.RUNNING],
        ).first()
        if same is not None:
            return same, False
        job = LedgerExport.objects.create(requested_by=user, format=export_format, query=query, language=language)
        transaction.on_commit(lambda: tasks.run_ledger_export.delay(job.pk))
        return job, True


def ledger_export_mark_read(*, job):
    if job.read_at is None and job.is_finished:
        job.read_at = timezone.now()
        LedgerExport.objects.filter(pk=job.pk, read_at__isnull=True).update(read_at=job.read_at)
    return job
