"""Archive, restore and delete for good (归档): a lead or an admin archives a customer, project, contact or
key point from its page, finds it on the archive page, and restores it; only an admin deletes one for
good, from there, after confirming."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from customers import permissions, services

from .forms import DeleteForGoodForm
from .registry import KINDS, archived_on_their_own

PAGE_SIZE = 50


def _kind(key):
    try:
        return KINDS[key]
    except KeyError:
        raise Http404 from None


def _record(request, kind, pk):
    """The record, archived or not, 404 outside the person's scope; 403 unless they archive."""
    record = kind.get(request.user, pk, include_archived=True)
    permissions.require_archive(request.user)
    return record


@require_GET
def archive_list(request):
    permissions.require_archive(request.user)
    kind = KINDS.get(request.GET.get("kind") or "customer")
    if kind is None:
        return render(request, "archive/list.html", {"kinds": KINDS.values(), "kind": None, "page": None}, status=400)
    return _render_list(request, kind)


def _render_list(request, kind, status=200):
    page = Paginator(archived_on_their_own(kind, request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    for record in page.object_list:
        parent = kind.parent(record)
        record.parent_archived = parent is not None and parent.archived_at is not None
        record.parent_name = parent
        record.found_under = kind.found_under(record)
        record.shown_name = kind.name(record)
        record.history_url = kind.history_url(record)
    context = {
        "kinds": KINDS.values(),
        "kind": kind,
        "page": page,
        "can_delete": permissions.can_delete_for_good(request.user),
    }
    return render(request, "archive/list.html", context, status=status)


@require_http_methods(["GET", "POST"])
def archive_confirm(request, kind, pk):
    kind = _kind(kind)
    record = _record(request, kind, pk)
    if record.archived_at is not None:
        messages.info(request, _("%(record)s is archived.") % {"record": kind.name(record)})
        return redirect(_list_url(kind))
    if request.method == "POST":
        try:
            kind.archive(**{kind.model._meta.model_name: record, "actor": request.user})
        except ValidationError as error:
            return _refused(request, kind, record, error)
        messages.success(
            request,
            _("%(record)s archived. Leads and admins can restore it from the archive.") % {"record": kind.name(record)},
        )
        return redirect(kind.after_archive_url(record))
    return render(request, "archive/confirm.html", _confirm_context(kind, record))


@require_POST
def archive_restore(request, kind, pk):
    kind = _kind(kind)
    record = _record(request, kind, pk)
    if record.archived_at is None:
        messages.info(request, _("%(record)s is not archived.") % {"record": kind.name(record)})
        return redirect(kind.live_url(record))
    try:
        kind.restore(**{kind.model._meta.model_name: record, "actor": request.user})
    except ValidationError as error:
        # Its parent was archived meanwhile, say: the list says why, nothing changed.
        messages.error(request, " ".join(error.messages))
        return _render_list(request, kind, status=409)
    messages.success(request, _("%(record)s restored.") % {"record": kind.name(record)})
    return redirect(kind.live_url(record))


@require_http_methods(["GET", "POST"])
def delete_for_good(request, kind, pk):
    kind = _kind(kind)
    record = _record(request, kind, pk)
    if not permissions.can_delete_for_good(request.user):
        raise PermissionDenied
    if record.archived_at is None:
        # Only what is archived is deleted: archive it first, which leads and admins can undo.
        raise Http404
    form = DeleteForGoodForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            name = kind.name(record)
            try:
                services.delete_for_good(record=record, actor=request.user)
            except ValidationError as error:
                form.add_error(None, error)
                status = 409
            else:
                messages.success(request, _("%(record)s deleted for good.") % {"record": name})
                return redirect(_list_url(kind))
        else:
            status = 400
    context = {**_confirm_context(kind, record), "form": form}
    return render(request, "archive/delete.html", context, status=status)


def _confirm_context(kind, record):
    return {"kind": kind, "record": record, "name": kind.name(record), "taken_along": kind.taken_along(record),
            "cancel_url": kind.live_url(record) if record.archived_at is None else _list_url(kind)}  # fmt: skip


def _list_url(kind):
    return f"{reverse('archive:list')}?kind={kind.key}"


def _refused(request, kind, record, error):
    context = {**_confirm_context(kind, record), "errors": error.messages}
    return render(request, "archive/confirm.html", context, status=409)
