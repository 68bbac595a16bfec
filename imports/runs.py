"""The import's two long steps, run by a worker for a large file or within the request for a small one:
the check (a dry run kept as the preview) and the import (the same plan again, written in one
transaction). Nothing here starts a task: imports/services.py and imports/tasks.py call these."""

import datetime
import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, OuterRef, Subquery
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from simple_history.utils import bulk_create_with_history

from customers.models import Contact, Customer, Project
from keypoints.models import KeyPoint, StageChange, StageHistory, named_obstacle
from keypoints.services import sync_outcome

from . import reading, rejected
from .models import ImportJob, ImportStatus
from .plan import EXAMPLES, Planner
from .storage import path, remove

logger = logging.getLogger(__name__)

BATCH = 1000
EXPIRED = gettext_lazy("This upload was not imported in time and its file was deleted: upload it again.")
# The history rows of what an import creates say so.
REASON = gettext_lazy("Imported from a spreadsheet")


def _locked(job):
    return ImportJob.objects.select_for_update().get(pk=job.pk)


# The check ---------------------------------------------------------------------------------------------


def _planner(job, *, progress=None):
    data = path(job.file).read_bytes()
    sheets = reading.read(data, job.filename)
    return Planner(
        actor=job.uploaded_by,
        default_owner=job.default_owner,
        sheets=sheets,
        settings_by_sheet=[{"kind": sheet["kind"], "mapping": sheet["mapping"]} for sheet in job.sheets],
        progress=progress,
    )


def _progress(job_id):
    def report(done):
        ImportJob.objects.filter(pk=job_id).update(rows_done=done)

    return report


def _job(job_id):
    """The job as a step reads it, with the people its plan names."""
    return ImportJob.objects.select_related("uploaded_by", "default_owner").get(pk=job_id)


def import_check(*, job_id):
    """The dry run: what the file would create, match and reject, kept for the person to confirm."""
    job = _job(job_id)
    if job.status != ImportStatus.CHECKING:
        return job
    with translation.override(job.language):
        try:
            plan = _planner(job, progress=_progress(job.pk)).run()
            rejected_name = rejected.write(job, plan.rejected) if plan.rejected else ""
            preview = _preview(plan)
        except Exception as error:  # the job says it failed; the worker's log has why
            logger.exception("Checking import %s failed", job.pk)
            return _fail(job.pk, error)
    with transaction.atomic():
        locked = _locked(job)
        if locked.status != ImportStatus.CHECKING:
            return locked
        remove(locked.rejected_file)
        locked.preview, locked.rejected_file = preview, rejected_name
        locked.status = ImportStatus.CHECKED
        locked.rows_done = locked.rows_total
        locked.save()
    return locked


def _preview(plan):
    def names(records, attribute):
        return sorted(str(getattr(record, attribute)) for record in records)[:EXAMPLES]

    projects = [(project.customer_key, project.name) for project in plan.new_projects.values()]
    customer_names = {key: customer.legal_name for key, customer in plan.new_customers.items()}
    return {
        "counts": plan.counts(),
        "customers": names(plan.new_customers.values(), "legal_name"),
        "projects": [
            f"{customer_names.get(key, '')} · {name}".strip(" ·") for key, name in sorted(projects)[:EXAMPLES]
        ],
        "contacts": names(plan.new_contacts.values(), "name"),
        "rejected": [
            {"sheet": row.sheet, "row": row.row, "reasons": row.reasons}
            for row in plan.rejected[: settings.IMPORT_REJECTED_SHOWN]
        ],
    }


def _fail(job_id, error):
    message = error.message if isinstance(error, reading.ImportFileError) else _("The import stopped on an error.")
    if isinstance(error, ValidationError):
        message = " ".join(error.messages)
    ImportJob.objects.filter(pk=job_id).update(
        status=ImportStatus.FAILED, error=message, finished_at=timezone.now(), changed_at=timezone.now()
    )
    return ImportJob.objects.get(pk=job_id)


def import_run(*, job_id):
    """Plan again (the database may have moved since the check) and write it all in one transaction."""
    job = _job(job_id)
    if job.status != ImportStatus.IMPORTING:
        return job
    with translation.override(job.language):
        try:
            with transaction.atomic():
                locked = _locked(job)
                if locked.status != ImportStatus.IMPORTING:
                    return locked
                plan = _planner(job, progress=_progress(job.pk)).run()
                created = write(plan, actor=job.uploaded_by)
                remove(locked.rejected_file)
                locked.rejected_file = rejected.write(job, plan.rejected) if plan.rejected else ""
                locked.result = {"counts": plan.counts(), "created": created}
                locked.status = ImportStatus.DONE
                locked.finished_at = timezone.now()
                locked.rows_done = locked.rows_total
                locked.save()
        except IntegrityError as error:
            logger.warning("Import %s met a record saved meanwhile: %s", job.pk, error)
            return _fail(
                job.pk,
                ValidationError(
                    _(
                        "A record this file creates was saved by someone else while it was being imported. "
                        "Nothing was imported: upload the file again to check it against what is there now."
                    )
                ),
            )
        except Exception as error:
            logger.exception("Import %s failed", job.pk)
            return _fail(job.pk, error)
    remove(job.file)
    ImportJob.objects.filter(pk=job.pk).update(file="")
    return ImportJob.objects.get(pk=job.pk)


def write(plan, *, actor):
    """Create what the plan holds. Returns the new records' ids by kind (customers and projects only)."""
    history = {"default_user": actor, "default_change_reason": str(REASON), "batch_size": BATCH}
    customers = list(plan.new_customers.values())
    bulk_create_with_history(customers, Customer, **history)
    # Every customer a new contact or project sits on, new or already there, by its key.
    wanted = {record.customer_key for record in (*plan.new_contacts.values(), *plan.new_projects.values())}
    customer_ids = dict(Customer.all_objects.filter(name_key__in=wanted).values_list("name_key", "pk"))

    contacts = list(plan.new_contacts.values())
    for contact in contacts:
        contact.customer_id = customer_ids[contact.customer_key]
    bulk_create_with_history(contacts, Contact, **history)
    contact_ids = {**plan.matched_contacts}
    for key, contact in plan.new_contacts.items():
        contact_ids[key] = contact.pk

    projects = list(plan.new_projects.values())
    for project in projects:
        project.customer_id = customer_ids[project.customer_key]
    bulk_create_with_history(projects, Project, **history)
    project_ids = {**plan.matched_projects}
    for key, project in plan.new_projects.items():
        project_ids[key] = project.pk
    _stage_histories(projects, actor)

    keypoints = []
    for planned in plan.keypoints:
        keypoint = planned.keypoint
        keypoint.project_id = project_ids[planned.project_key]
        # Written in bulk, without save(): the obstacle as the dashboard counts it is set here.
        keypoint.named_obstacle = named_obstacle(keypoint.obstacles)
        keypoints.append(keypoint)
    bulk_create_with_history(keypoints, KeyPoint, **history)
    ours = KeyPoint.our_participants.through
    theirs = KeyPoint.customer_participants.through
    ours.objects.bulk_create(
        [
            ours(keypoint_id=p.keypoint.pk, user_id=user)
            for p in plan.keypoints
            for user in dict.fromkeys(p.our_participants)
        ],
        batch_size=BATCH,
    )
    theirs.objects.bulk_create(
        [
            theirs(keypoint_id=p.keypoint.pk, contact_id=contact_ids[key])
            for p in plan.keypoints
            for key in dict.fromkeys(p.contact_keys)
        ],
        batch_size=BATCH,
    )
    # The times the records were written (auto_now_add) are the file's: its "logged at", else the event's.
    logged, at_event = [], []
    for planned in plan.keypoints:
        planned.keypoint.created_at = planned.created_at
        (at_event if planned.created_at == planned.keypoint.occurred_at else logged).append(planned.keypoint)
    for start in range(0, len(at_event), BATCH):
        ids = [keypoint.pk for keypoint in at_event[start : start + BATCH]]
        KeyPoint.all_objects.filter(pk__in=ids).update(created_at=F("occurred_at"))
    KeyPoint.all_objects.bulk_update(logged, ["created_at"], batch_size=200)
    touched = {planned.keypoint.project_id for planned in plan.keypoints if planned.keypoint.stage >= 5}
    for project in Project.all_objects.filter(pk__in=touched):
        sync_outcome(project)
    return {"customers": [customer.pk for customer in customers], "projects": [project.pk for project in projects]}


def _stage_histories(projects, actor):
    """Each new project's history: created at its first key point, then every move its key points made."""
    rows = []
    for project in projects:
        start = project.first_at or timezone.now()
        rows.append(
            StageHistory(
                project_id=project.pk,
                kind=StageChange.CREATED,
                from_stage=None,
                to_stage=1,
                from_status="",
                to_status=project.status,
                actor=actor,
                at=start,
                reason=str(REASON),
            )
        )
        entered = start
        for from_stage, to_stage, at in project.planned_moves:
            rows.append(
                StageHistory(
                    project_id=project.pk,
                    kind=StageChange.ADVANCE if to_stage == from_stage + 1 else StageChange.SKIP,
                    from_stage=from_stage,
                    to_stage=to_stage,
                    from_status=project.status,
                    to_status=project.status,
                    actor=actor,
                    at=at,
                    reason=str(REASON),
                )
            )
            entered = at
        project.created_at = start
        project.stage_entered_at = entered
    StageHistory.objects.bulk_create(rows, batch_size=BATCH)
    # The project's own times, from the history just written: created at its first row, in its stage since
    # its last.
    history = StageHistory.objects.filter(project_id=OuterRef("pk")).order_by()
    for start in range(0, len(projects), BATCH):
        Project.all_objects.filter(pk__in=[project.pk for project in projects[start : start + BATCH]]).update(
            created_at=Subquery(history.order_by("at", "pk").values("at")[:1]),
            stage_entered_at=Subquery(history.order_by("-at", "-pk").values("at")[:1]),
        )


def delete_stale_files(now=None):
    """Delete the files of imports older than IMPORT_KEEP_DAYS: an upload never imported, a file of
    rejected rows. An import not imported by then is closed as failed, saying why. Returns the number of
    files deleted."""
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(days=settings.IMPORT_KEEP_DAYS)
    deleted = 0
    stale = ImportJob.objects.filter(created_at__lte=cutoff).exclude(file="", rejected_file="")
    for job in stale.exclude(status__in=[ImportStatus.CHECKING, ImportStatus.IMPORTING]):
        for name in (job.file, job.rejected_file):
            if name and path(name).is_file():
                remove(name)
                deleted += 1
        changes = {"file": "", "rejected_file": ""}
        if job.status != ImportStatus.DONE:
            changes.update(status=ImportStatus.FAILED, finished_at=now, error=str(EXPIRED))
        ImportJob.objects.filter(pk=job.pk).update(**changes)
    return deleted
