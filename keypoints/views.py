import uuid

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from customers import permissions, stalls
from customers.forms import ProjectForm
from customers.models import Project, ProjectStatus
from customers.views import form_page
from salesrecord import once
from salesrecord.paging import RankedPaginator

from . import exports, paging, review, selectors, services, timeliness
from . import permissions as keypoint_permissions
from .filters import KeyPointFilter, ProjectFilter
from .forms import AdvanceForm, CompleteForm, HoldForm, KeyPointForm, LostForm, ReopenForm, StageChangeForm
from .models import ExportFormat, ExportStatus, KeyPoint, LedgerExport, NextStepStatus
from .stages import StageNumber, get_stage

# The stage numbers as a query string carries them.
STAGE_KEYS = {str(number) for number in StageNumber.values}

LEDGER_PAGE_SIZE = 50


PROJECT_PAGE_SIZE = 50


def project_list(request):
    """The opportunity list: every project the user may see, with where it stands and what it is worth."""
    projects = selectors.opportunity_rows(permissions.visible_projects(request.user))
    project_filter = ProjectFilter(request.GET, queryset=projects, user=request.user)
    if not project_filter.is_valid():
        context = {"filter": project_filter, "page": None, "sort": project_filter.sort}
        return render(request, "keypoints/project_list.html", context, status=400)
    page = RankedPaginator(project_filter.qs, PROJECT_PAGE_SIZE).get_page(request.GET.get("page"))
    now = timezone.now()
    found = stalls.stalls_among(Project.objects.filter(pk__in=[project.pk for project in page.object_list]), now)
    for project in page.object_list:
        # Time in the stage counts while the deal is alive; a lost or completed one has left the pipeline.
        project.days_in_stage = (now - project.stage_entered_at).days if project.is_active_deal else None
        project.stall = found.get(project.pk)
    return render(
        request,
        "keypoints/project_list.html",
        {
            "filter": project_filter,
            "page": page,
            "sort": project_filter.sort,
            "filtered": bool(project_filter.active_filter_count()),
            "today": timezone.localdate(),
        },
    )


# The project page shows this many key points at a time, the newest few of them opened.
TIMELINE_PAGE_SIZE = 20
TIMELINE_OPEN = 3
NEXT_STEPS_SHOWN = 5


@require_GET
def project_detail(request, pk):
    project = permissions.get_project_for_user(request.user, pk)
    return _render_project(request, project, open_form=request.GET.get("log") == "1")


def _render_project(request, project, *, form=None, status=200, open_form=False, form_notice=""):
    """The project page; views that refuse a change render it again with their form or message."""
    can_write = permissions.can_write(request.user)
    history = list(project.stage_history.select_related("actor", "lost_reason"))
    saved = _saved_keypoint(request, project)
    if saved is not None:
        page_number = selectors.timeline_position(saved) // TIMELINE_PAGE_SIZE + 1
    else:
        page_number = request.GET.get("older") or 1
    timeline = _timeline(project, page_number, saved=saved)
    next_steps, open_steps = selectors.next_steps_due(project, NEXT_STEPS_SHOWN)
    if form is None and can_write and open_form:
        form = _new_keypoint_form(request, project, stage=request.GET.get("stage"))
    return render(
        request,
        "keypoints/project_detail.html",
        {
            "project": project,
            "customer": project.customer,
            "members": project.members.select_related("user"),
            "decision_steps": project.decision_steps.select_related("contact"),
            "stage_path": selectors.stage_path(project, history),
            "history": history,
            "timeline": timeline,
            "next_steps": next_steps,
            "more_next_steps": open_steps - len(next_steps),
            "form": form,
            "can_write": can_write,
            "can_complete": permissions.can_complete(request.user, project),
            "can_reopen": permissions.can_reopen(request.user, project),
            "advance_form": AdvanceForm(project=project) if can_write else None,
            "open_form": open_form or form is not None,
            "form_notice": form_notice,
            "saved": saved,
            "stall": stalls.stalls_among(Project.objects.filter(pk=project.pk)).get(project.pk),
            "saved_message": _("Key point logged.") if "logged" in request.GET else _("Key point saved."),
        },
        status=status,
    )


def _new_keypoint_form(request, project, *, stage=None):
    return KeyPointForm(project=project, user=request.user, stage=stage, initial={"client_token": uuid.uuid4()})


def _saved_keypoint(request, project):
    """The record just logged (?logged=<pk>) or saved (?saved=<pk>), when it is this project's."""
    raw = request.GET.get("logged") or request.GET.get("saved")
    if not raw or not (raw.isascii() and raw.isdigit() and len(raw) <= 18):
        return None
    return project.keypoints.filter(pk=raw).first()


def _timeline(project, number, *, saved=None, after_stage=None):
    """A page of the timeline; each record knows whether it opens a stage group and whether it is opened."""
    page = selectors.timeline_page(project, number, TIMELINE_PAGE_SIZE)
    page.object_list = list(page.object_list)
    previous = after_stage
    for index, keypoint in enumerate(page.object_list):
        keypoint.starts_group = keypoint.stage != previous
        keypoint.opened = (page.number == 1 and index < TIMELINE_OPEN) or (saved is not None and keypoint == saved)
        previous = keypoint.stage
    page.last_stage = previous
    return page


@require_GET
def project_timeline(request, pk):
    """htmx: the next page of older key points, appended below the ones shown."""
    project = permissions.get_project_for_user(request.user, pk)
    after_stage = request.GET.get("after_stage")
    timeline = _timeline(
        project, request.GET.get("page") or 1, after_stage=int(after_stage) if after_stage in STAGE_KEYS else None
    )
    return render(
        request,
        "keypoints/timeline_page.html",
        {"project": project, "timeline": timeline, "can_write": permissions.can_write(request.user), "appended": True},
    )


@require_http_methods(["GET", "POST"])
def project_create(request, customer_pk):
    customer = permissions.get_customer_for_user(request.user, customer_pk, write=True)
    form = ProjectForm(request.POST or None, instance=Project(customer=customer), user=request.user)
    if request.method == "POST":

        def create():
            reason = form.cleaned_data.get("start_reason", "")
            return services.project_create(project=form.save(commit=False), actor=request.user, reason=reason)

        try:
            project = once.save_once(request, form, create, success=_("Project created."))
        except ValidationError as error:
            form.add_error(None, error)
        else:
            if project is not None:
                return redirect("projects:detail", pk=project.pk)
    return form_page(request, form, customer=customer, title=_("New project"))


@require_http_methods(["GET", "POST"])
def keypoint_create(request, project_pk):
    project = permissions.get_project_for_user(request.user, project_pk, write=True)
    if request.method == "GET":
        if request.htmx:
            # The project page's closed "Log a key point" panel loads its form when it is opened.
            context = {"project": project, "form": _new_keypoint_form(request, project)}
            return render(request, "keypoints/project_detail.html#log_form", context)
        return redirect(reverse("projects:detail", args=[project.pk]) + "?log=1#log-keypoint")
    form = KeyPointForm(request.POST, project=project, user=request.user)
    if "switch_stage" in request.POST:
        # Without JavaScript, choosing another stage re-renders the form with that stage's elements.
        return _render_project(request, project, form=_unbound_copy(form, project, request.user), open_form=True)
    token = request.POST.get("client_token")
    already = _existing_for_token(token)
    if already is not None:
        return _already_sent(request, project, already)
    if not form.is_valid():
        return _render_project(request, project, form=form, status=400)
    keypoint = form.save(commit=False)
    keypoint.project = project
    keypoint.client_token = form.cleaned_data.get("client_token")
    try:
        services.keypoint_create(
            keypoint=keypoint,
            actor=request.user,
            our_participants=form.cleaned_data["our_participants"],
            customer_participants=form.cleaned_data["customer_participants"],
        )
    except ValidationError as error:
        form.add_error(None, error)
        return _render_project(request, project, form=form, status=400)
    except IntegrityError:
        # The same form sent twice at once: the other request saved it.
        already = _existing_for_token(token)
        if already is None:
            raise
        return _already_sent(request, project, already)
    return redirect(_anchor(keypoint, "logged"))


def _existing_for_token(token):
    try:
        token = uuid.UUID(str(token))
    except ValueError:
        return None
    return KeyPoint.all_objects.filter(client_token=token).first()


def _already_sent(request, project, already):
    """A post whose token a saved key point holds: on this project, a double submit of that record;
    on another, a form copied or tampered with. That one is refused, not saved under a fresh token:
    a double submit of it would then log it twice. The input comes back with a fresh token, so that
    saving again logs it once, and nothing of the other project is shown."""
    if already.project_id == project.pk:
        return redirect(_anchor(already, "logged"))
    data = request.POST.copy()
    data["client_token"] = str(uuid.uuid4())
    form = KeyPointForm(data, project=project, user=request.user)
    form.add_error(
        None,
        _("This form was already used on another project, so nothing was saved. Check the entries and save again."),
    )
    return _render_project(request, project, form=form, status=400)


def _unbound_copy(form, project, user):
    return KeyPointForm(
        initial=_initial_from(form.data, form),
        project=project,
        user=user,
        instance=form.instance,
        stage=form.data.get("stage"),
        auto_id=form.auto_id,
    )


def _initial_from(data, form):
    initial = {}
    for name, field in form.fields.items():
        if hasattr(field.widget, "allow_multiple_selected") and field.widget.allow_multiple_selected:
            initial[name] = data.getlist(name)
        elif name in data:
            initial[name] = data.get(name)
    return initial


def _edit_auto_id(keypoint):
    # Distinct ids, since an edit form can open on the project page beside the new-record form.
    return f"id_kp{keypoint.pk}_%s"


def _anchor(keypoint, saved_as="saved"):
    """The project page at this record, opened and marked as just logged or saved."""
    return f"{reverse('projects:detail', args=[keypoint.project_id])}?{saved_as}={keypoint.pk}#kp-{keypoint.pk}"


@require_GET
def keypoint_stage_fields(request, project_pk):
    """htmx: the elements and guidance of the stage just chosen in the key-point form."""
    project = permissions.get_project_for_user(request.user, project_pk, write=True)
    instance = None
    if request.GET.get("keypoint"):
        instance = keypoint_permissions.get_keypoint_for_user(request.user, request.GET["keypoint"], write=True)
        if instance.project_id != project.pk:
            raise Http404
    form = KeyPointForm(
        project=project,
        user=request.user,
        instance=instance or KeyPoint(project=project),
        stage=request.GET.get("stage"),
        auto_id=_edit_auto_id(instance) if instance else "id_%s",
    )
    return render(request, "keypoints/keypoint_form.html#stage_fields", {"form": form})


@require_http_methods(["GET", "POST"])
def keypoint_edit(request, pk):
    keypoint = keypoint_permissions.get_keypoint_for_user(request.user, pk, write=True)
    project = keypoint.project
    form = KeyPointForm(
        request.POST or None, instance=keypoint, project=project, user=request.user, auto_id=_edit_auto_id(keypoint)
    )
    template = "keypoints/keypoint_edit.html#form" if request.htmx else "keypoints/keypoint_edit.html"
    if request.method == "POST":
        if "switch_stage" in request.POST:
            form = _unbound_copy(form, project, request.user)
        elif form.is_valid():
            try:
                services.keypoint_update(
                    keypoint=form.save(commit=False),
                    actor=request.user,
                    our_participants=form.cleaned_data["our_participants"],
                    customer_participants=form.cleaned_data["customer_participants"],
                    seen=form.seen_version,
                )
            except ValidationError as error:
                form.add_error(None, error)
                if error.code == "stale":
                    form.refresh_version()
                    form.stale = True
            else:
                if request.htmx:
                    return HttpResponseClientRedirect(_anchor(keypoint))
                return redirect(_anchor(keypoint))
    context = {"form": form, "keypoint": keypoint, "project": project, "customer": project.customer}
    status = 409 if getattr(form, "stale", False) else 400 if form.errors else 200
    return render(request, template, context, status=status)


@require_POST
def next_step_toggle(request, pk):
    keypoint = keypoint_permissions.get_keypoint_for_user(request.user, pk, write=True)
    done = request.POST.get("done") == "1"
    services.next_step_set_done(keypoint=keypoint, actor=request.user, done=done)
    if request.htmx:
        # The sidebar item answers, and the same step in the timeline follows (out of band).
        return render(request, "keypoints/next_step_toggled.html", {"step": keypoint, "can_write": True})
    return redirect(f"{reverse('projects:detail', args=[keypoint.project_id])}#next-steps")


# Stage and status -------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def project_advance(request, pk):
    """Moving on asks first: a page that names the next stage and what this stage's records still
    lack, carrying the stage and status the person saw; its confirm makes the change."""
    project = permissions.get_project_for_user(request.user, pk, write=True)
    form = AdvanceForm(request.POST if request.method == "POST" else None, project=project)
    if request.method == "GET":
        return _advance_confirmation(request, project, form)
    if not form.is_valid():
        messages.error(request, " ".join(message for errors in form.errors.values() for message in errors))
        return _render_project(request, project, status=400)
    if "confirm" not in request.POST:
        return _advance_confirmation(request, project, form)
    try:
        services.project_advance_stage(project=project, actor=request.user, **form.seen())
    except ValidationError as error:
        project.refresh_from_db()
        if error.code == "contract_missing":
            # Straight to what is missing: the contract-signing form, its required fields marked.
            contract_form = KeyPointForm(
                project=project,
                user=request.user,
                stage=StageNumber.CONTRACT,
                initial={"client_token": uuid.uuid4()},
            )
            return _render_project(
                request, project, form=contract_form, status=400, open_form=True, form_notice=" ".join(error.messages)
            )
        # The page again, saying why the project cannot move on (or what changed meanwhile).
        messages.error(request, " ".join(error.messages))
        return _render_project(request, project, status=409 if error.code == "stale" else 400)
    messages.success(request, _("Moved to %(stage)s.") % {"stage": project.get_stage_display()})
    return redirect(_back_to(request) or reverse("projects:detail", args=[project.pk]))


def _back_to(request):
    """Where a move started (the pipeline board), when it is a page of ours; else nothing."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target.startswith("/") and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return ""


def _advance_confirmation(request, project, form):
    seen = form.seen() if form.is_bound else {"seen_stage": project.stage, "seen_status": project.status}
    stale = (seen["seen_stage"], seen["seen_status"]) != (project.stage, project.status)
    context = {
        "form": form,
        "project": project,
        "customer": project.customer,
        "stale": stale,
        "back_to": _back_to(request),
        "last_change": project.stage_history.select_related("actor").last() if stale else None,
    }
    if project.status == ProjectStatus.OPEN and project.stage < StageNumber.AFTER_SALES:
        context["next_stage"] = get_stage(project.stage + 1)
        context["gaps"] = selectors.stage_gaps(project)
        context["contract_missing"] = project.stage + 1 == StageNumber.CONTRACT and not project.is_signed
    return render(request, "keypoints/advance_confirm.html", context, status=409 if stale else 200)


def _status_change(request, pk, form_class, apply, title, allowed=None):
    project = permissions.get_project_for_user(request.user, pk, write=True)
    if allowed is not None and not allowed(request.user, project):
        raise PermissionDenied
    form = form_class(request.POST or None, project=project)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                apply(project, form.cleaned_data, form.seen())
            except ValidationError as error:
                form.add_error(None, error)
                if error.code == "stale":
                    status = 409
                    project.refresh_from_db()
                    form.refresh_seen()
            else:
                messages.success(
                    request,
                    _("Project updated: %(status)s, %(stage)s.")
                    % {"status": project.get_status_display(), "stage": project.get_stage_display()},
                )
                return redirect("projects:detail", pk=project.pk)
    return render(
        request,
        "keypoints/status_form.html",
        {"form": form, "project": project, "customer": project.customer, "title": title},
        status=status,
    )


@require_http_methods(["GET", "POST"])
def project_stage_change(request, pk):
    def apply(project, data, seen):
        services.project_change_stage(
            project=project, actor=request.user, to_stage=data["to_stage"], reason=data["reason"], **seen
        )

    return _status_change(request, pk, StageChangeForm, apply, _("Go back or skip a stage"))


@require_http_methods(["GET", "POST"])
def project_lost(request, pk):
    def apply(project, data, seen):
        services.project_mark_lost(
            project=project, actor=request.user, lost_reason=data["lost_reason"], note=data["note"], **seen
        )

    return _status_change(request, pk, LostForm, apply, _("Mark the project lost"))


@require_http_methods(["GET", "POST"])
def project_hold(request, pk):
    def apply(project, data, seen):
        services.project_put_on_hold(
            project=project, actor=request.user, reason=data["reason"], resume_on=data["resume_on"], **seen
        )

    return _status_change(request, pk, HoldForm, apply, _("Put the project on hold"))


@require_http_methods(["GET", "POST"])
def project_complete(request, pk):
    def apply(project, data, seen):
        services.project_complete(project=project, actor=request.user, note=data["note"], **seen)

    return _status_change(
        request, pk, CompleteForm, apply, _("Close the project as completed"), allowed=permissions.can_complete
    )


@require_http_methods(["GET", "POST"])
def project_reopen(request, pk):
    def apply(project, data, seen):
        services.project_reopen(project=project, actor=request.user, reason=data["reason"], **seen)

    return _status_change(request, pk, ReopenForm, apply, _("Reopen the project"), allowed=permissions.can_reopen)


# The ledger -------------------------------------------------------------------------------------


def _ledger_filter(request):
    keypoints = selectors.ledger_rows(keypoint_permissions.visible_keypoints(request.user))
    return KeyPointFilter(request.GET or None, queryset=keypoints, user=request.user)


def ledger(request):
    ledger_filter = _ledger_filter(request)
    page = None
    if not ledger_filter.is_bound or ledger_filter.is_valid():
        try:
            page = paging.keyset_page(
                ledger_filter.qs,
                ledger_filter.order_keys(),
                LEDGER_PAGE_SIZE,
                after=request.GET.get("after"),
                before=request.GET.get("before"),
            )
        except paging.BadCursor:
            ledger_filter.form.add_error(
                None, _("This page link is not valid (it may have been cut short): start again from the first page.")
            )
    if page is None:
        # As the export does: a filter that cannot apply lists nothing (not everything, which would
        # look filtered); the filter bar says what is wrong.
        context = {"filter": ledger_filter, "page": None, "sort": ledger_filter.sort}
        return render(request, "keypoints/ledger.html", context, status=400)
    found = stalls.stalls_among(Project.objects.filter(pk__in={keypoint.project_id for keypoint in page.object_list}))
    for keypoint in page.object_list:
        keypoint.project_stall = found.get(keypoint.project_id)
        keypoint.recorded_days_later = timeliness.days_later(keypoint)
    context = {
        "filter": ledger_filter,
        "page": page,
        "sort": ledger_filter.sort,
        "open_status": NextStepStatus.OPEN,
        "total": paging.capped_count(ledger_filter.qs, paging.COUNT_CAP),
        "count_cap": paging.COUNT_CAP,
    }
    return render(request, "keypoints/ledger.html", context)


def ledger_export(request):
    ledger_filter = _ledger_filter(request)
    export_format = request.GET.get("format", "xlsx")
    if export_format not in exports.FORMATS or not ledger_filter.is_valid():
        return render(
            request,
            "keypoints/ledger.html",
            {"filter": ledger_filter, "page": None, "export_error": True},
            status=400,
        )
    if paging.capped_count(ledger_filter.qs, settings.EXPORT_INLINE_ROWS) <= settings.EXPORT_INLINE_ROWS:
        return exports.export_response(ledger_filter.qs, export_format)
    # Too many rows to write within a request: a worker prepares the file, this page follows it.
    query = request.GET.copy()
    for name in ("page", "after", "before", "format"):
        query.pop(name, None)
    job, _started = services.ledger_export_start(
        user=request.user,
        export_format=export_format,
        query=urlencode(sorted(query.lists()), doseq=True),
        language=translation.get_language(),
    )
    return redirect("keypoints:export_status", pk=job.pk)


def _own_export(request, pk):
    """One of the person's own exports; anyone else's is not found."""
    return get_object_or_404(LedgerExport, pk=pk, requested_by=request.user)


@require_GET
def export_status(request, pk):
    """How far a background export got, and its download link once done. The progress part polls
    itself (htmx) until the export is finished; a finished export seen here counts as read."""
    job = _own_export(request, pk)
    if job.is_finished:
        services.ledger_export_mark_read(job=job)
    context = {"job": job, "expired": job.is_expired(), "statuses": ExportStatus}
    if request.htmx:
        return render(request, "keypoints/export_status.html#progress", context)
    return render(request, "keypoints/export_status.html", context)


@require_GET
def export_download(request, pk):
    job = _own_export(request, pk)
    if job.status != ExportStatus.DONE:
        return redirect("keypoints:export_status", pk=job.pk)
    path = exports.file_path(job) if job.file else None
    if job.is_expired() or path is None or not path.is_file():
        return render(request, "keypoints/export_status.html", {"job": job, "expired": True}, status=410)
    services.ledger_export_mark_read(job=job)
    content_type = "text/csv; charset=utf-8" if job.format == ExportFormat.CSV else exports.XLSX_TYPE
    return FileResponse(path.open("rb"), as_attachment=True, filename=job.filename(), content_type=content_type)


# The review (复盘) ------------------------------------------------------------------------------


@require_GET
def project_review(request, pk):
    """The review of a signed, completed or lost project, printable; before that, a page that says
    when it opens (the project exists and the person may see it: not a 404)."""
    project = review.reviewed_project(request.user, pk)
    if not project.is_reviewable:
        return render(request, "keypoints/review.html", {"project": project, "customer": project.customer})
    return render(
        request,
        "keypoints/review.html",
        {"project": project, "customer": project.customer, "review": review.build(project)},
    )
