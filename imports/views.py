"""The import pages (/imports/): upload, confirm the columns, look at the check, import, see the result.
Leads and admins only; everyone else gets 403."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from . import permissions, reading, services, storage, template
from .columns import SheetKind
from .forms import ConfirmForm, MappingForm, UploadForm
from .models import ImportJob, ImportStatus

PAGE_SIZE = 20
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _job(request, pk):
    permissions.require_import(request.user)
    return get_object_or_404(ImportJob.objects.select_related("uploaded_by", "default_owner", "changed_by"), pk=pk)


def _list(request, form, status=200):
    jobs = Paginator(ImportJob.objects.select_related("uploaded_by"), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"form": form, "page": jobs, "max_mb": settings.IMPORT_MAX_BYTES // (1024 * 1024)}
    return render(request, "imports/list.html", context, status=status)


@require_http_methods(["GET", "POST"])
def import_list(request):
    permissions.require_import(request.user)
    if request.method == "GET":
        return _list(request, UploadForm())
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _list(request, form, status=400)
    upload = form.cleaned_data["file"]
    if upload.size > settings.IMPORT_MAX_BYTES:
        # Refused before it is read into memory.
        form.add_error("file", reading.too_large_message(upload.size))
        return _list(request, form, status=400)
    try:
        job = services.import_upload(
            actor=request.user, data=upload.read(), filename=upload.name, language=translation.get_language()
        )
    except reading.ImportFileError as error:
        form.add_error("file", error.message)
        return _list(request, form, status=400)
    return redirect("imports:detail", pk=job.pk)


def _render_job(request, job, *, mapping=None, status=200, problems=()):
    if request.htmx:
        if job.is_running:
            return render(request, "imports/detail.html#progress", {"job": job, "statuses": ImportStatus})
        # Finished while the page polled: the whole page shows the result.
        return HttpResponse(headers={"HX-Refresh": "true"})
    show_mapping = job.status in (ImportStatus.MAPPING, ImportStatus.FAILED) or mapping is not None
    if show_mapping and job.status != ImportStatus.DONE:
        mapping = mapping or MappingForm(job=job)
    context = {
        "job": job,
        "mapping": mapping if job.status not in (ImportStatus.DONE, ImportStatus.IMPORTING) else None,
        "remap": MappingForm(job=job) if job.status == ImportStatus.CHECKED and mapping is None else None,
        "confirm": ConfirmForm(initial={"seen": job.changed_at.isoformat()}),
        "problems": problems,
        "statuses": ImportStatus,
        "kinds": SheetKind,
    }
    return render(request, "imports/detail.html", context, status=status)


@require_GET
def import_detail(request, pk):
    return _render_job(request, _job(request, pk))


@require_POST
def import_mapping(request, pk):
    job = _job(request, pk)
    if "rekind" in request.POST:
        # The sheet's kind changed: the columns are guessed again for it, nothing is kept yet.
        return _render_job(request, job, mapping=MappingForm(job=job, kinds=_posted_kinds(request, job)))
    form = MappingForm(request.POST, job=job, kinds=_posted_kinds(request, job))
    if not form.is_valid():
        return _render_job(request, job, mapping=form, status=400)
    kinds, mappings = form.chosen()
    try:
        services.import_map(
            job=job,
            actor=request.user,
            kinds=kinds,
            mappings=mappings,
            default_owner=form.cleaned_data["default_owner"],
            seen=form.cleaned_data["seen"] or None,
        )
    except ValidationError as error:
        job.refresh_from_db()
        stale = getattr(error, "code", None) == "stale"
        return _render_job(request, job, mapping=form, status=409 if stale else 400, problems=error.messages)
    return redirect("imports:detail", pk=job.pk)


def _posted_kinds(request, job):
    kinds = {index: request.POST.get(f"kind-{index}") for index in range(len(job.sheets))}
    return {index: kind for index, kind in kinds.items() if kind in SheetKind.values}


@require_POST
def import_confirm(request, pk):
    job = _job(request, pk)
    form = ConfirmForm(request.POST)
    if not form.is_valid():
        return _render_job(request, job, status=400, problems=[_("Confirm from the import's page.")])
    try:
        services.import_confirm(job=job, actor=request.user, seen=form.cleaned_data["seen"])
    except ValidationError as error:
        job.refresh_from_db()
        if job.status in (ImportStatus.IMPORTING, ImportStatus.DONE):
            # Sent twice: the first confirmation is the one that counts.
            messages.info(request, _("This import was already confirmed."))
            return redirect("imports:detail", pk=job.pk)
        return _render_job(request, job, status=409, problems=error.messages)
    return redirect("imports:detail", pk=job.pk)


@require_GET
def import_rejected(request, pk):
    job = _job(request, pk)
    found = storage.path(job.rejected_file)
    if found is None or not found.is_file():
        return HttpResponse(_("This import rejected no rows."), status=404, content_type="text/plain; charset=utf-8")
    name = _("rejected rows") + f" - {job.filename.rsplit('.', 1)[0]}.xlsx"
    return FileResponse(found.open("rb"), as_attachment=True, filename=name, content_type=XLSX_TYPE)


@require_GET
def import_template(request):
    permissions.require_import(request.user)
    response = HttpResponse(template.workbook(request.user.username), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{template.filename_quoted()}"
    return response
