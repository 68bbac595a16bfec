from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.models import Role, User
from customers import stalls
from salesrecord import once

from . import delivery, permissions, selectors, services
from .forms import ChatWebhookForm, PreferenceForm, ThresholdsForm
from .messages import Message, absolute
from .models import ChatWebhook, Preference, ScanRun

PAGE_SIZE = 30


def _section_page(request, rows, param):
    """One section's page, with the links to its neighbours (keeping the other sections' pages)."""
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get(param))
    for name, number in (
        ("prev_query", page.has_previous() and page.number - 1),
        ("next_query", page.has_next() and page.number + 1),
    ):
        query = request.GET.copy()
        query[param] = number
        setattr(page, name, f"?{query.urlencode()}" if number else "")
    return page


def attention(request):
    """Stalled projects, overdue next steps and paused projects due to resume, over the user's scope."""
    found = selectors.attention(request.user)
    now = timezone.now()
    stalled = _section_page(request, found["stalled"], "stalled_page")
    for project in stalled.object_list:
        project.days_quiet = (now - project.quiet_since).days
        project.threshold = found["thresholds"][project.stage]
        project.escalated = project.days_quiet > 2 * project.threshold
    overdue = _section_page(request, found["overdue"], "overdue_page")
    for step in overdue.object_list:
        step.days_overdue = (found["today"] - step.next_step_due).days
    resuming = _section_page(request, found["resuming"], "resuming_page")
    return render(request, "reminders/attention.html", {"stalled": stalled, "overdue": overdue, "resuming": resuming})


def notifications(request):
    page = Paginator(selectors.notifications(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = selectors.with_messages(request.user, page.object_list)
    exports = selectors.finished_exports(request.user) if page.number == 1 else []
    return render(request, "reminders/notifications.html", {"page": page, "exports": exports})


@require_POST
def notification_open(request, pk):
    """Mark one notification read and go to its project (or back to the list, if it is no longer theirs)."""
    reminder = get_object_or_404(selectors.notifications(request.user), pk=pk)
    if reminder.read_at is None:
        reminder.read_at = timezone.now()
        reminder.save(update_fields=["read_at"])
    if request.POST.get("open") and selectors.with_messages(request.user, [reminder])[0].can_open:
        return redirect("projects:detail", pk=reminder.project_id)
    return redirect("notifications:list")


@require_POST
def notifications_read_all(request):
    count = selectors.notifications(request.user).filter(read_at__isnull=True).update(read_at=timezone.now())
    count += selectors.finished_exports(request.user).filter(read_at__isnull=True).update(read_at=timezone.now())
    messages.success(request, _("%(count)s notifications marked read.") % {"count": count})
    return redirect("notifications:list")


@require_http_methods(["GET", "POST"])
def preferences(request):
    preference = Preference.objects.filter(user=request.user).first() or Preference(
        user=request.user, language=translation.get_language()
    )
    form = PreferenceForm(request.POST or None, instance=preference)
    if request.method == "POST" and form.is_valid():
        services.save_preferences(user=request.user, values=form.cleaned_data)
        messages.success(request, _("Preferences saved."))
        return redirect("notifications:preferences")
    return render(request, "reminders/preferences.html", {"form": form}, status=400 if form.errors else 200)


# Admin: thresholds and group robots -----------------------------------------------------------------


def _require_admin(user):
    if not permissions.can_configure(user):
        raise PermissionDenied


@require_http_methods(["GET", "POST"])
def reminder_settings(request):
    _require_admin(request.user)
    form = ThresholdsForm(request.POST or None, current=stalls.thresholds(), version=services.thresholds_version())
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            services.save_thresholds(
                thresholds=form.thresholds(), actor=request.user, seen=form.cleaned_data["version"]
            )
        except ValidationError as error:
            form.add_error(None, error)
            form.refresh_version(services.thresholds_version())
            status = 409
        else:
            messages.success(request, _("Stall thresholds saved."))
            return redirect("reminders:settings")
    context = {
        "form": form,
        "webhooks": ChatWebhook.objects.select_related("owner"),
        "runs": ScanRun.objects.all()[:6],
        "scans_stopped": selectors.scans_stopped(),
    }
    if form.errors and status != 409:
        status = 400
    return render(request, "reminders/settings.html", context, status=status)


@require_http_methods(["GET", "POST"])
def webhook_edit(request, pk=None):
    _require_admin(request.user)
    webhook = get_object_or_404(ChatWebhook, pk=pk) if pk else None
    owners = User.objects.filter(is_active=True, role__in=[Role.REP, Role.LEAD])
    form = ChatWebhookForm(request.POST or None, instance=webhook, owners=owners)
    status = 200
    if request.method == "POST" and webhook is None:
        added = once.save_once(
            request,
            form,
            lambda: services.webhook_save(webhook=form.save(commit=False), actor=request.user),
            success=_("Group robot saved."),
        )
        if added is not None:
            return redirect("reminders:settings")
    elif request.method == "POST" and form.is_valid():
        try:
            services.webhook_save(webhook=form.save(commit=False), actor=request.user, seen=form.seen_version)
        except ValidationError as error:
            form.add_error(None, error)
            form.refresh_version()
            status = 409
        else:
            messages.success(request, _("Group robot saved."))
            return redirect("reminders:settings")
    if form.errors and status != 409:
        status = 400
    title = _("Edit group robot") if webhook else _("Add a group robot")
    return render(request, "reminders/webhook_form.html", {"form": form, "title": title}, status=status)


@require_POST
def webhook_delete(request, pk):
    _require_admin(request.user)
    webhook = get_object_or_404(ChatWebhook, pk=pk)
    webhook.delete()
    messages.success(request, _("Group robot removed."))
    return redirect("reminders:settings")


@require_POST
def webhook_test(request, pk):
    """Post a test message now, so the admin sees at once whether the address and secret work."""
    _require_admin(request.user)
    webhook = get_object_or_404(ChatWebhook, pk=pk)
    with translation.override(settings.LANGUAGE_CODE):
        message = Message(title=_("SalesRecord test message"), lines=[_("This group will receive reminders.")])
    message.url = absolute("/")
    try:
        delivery.post_to_chat(webhook, message)
    except delivery.DeliveryFailed as error:
        messages.error(request, _("The robot did not accept the message: %(error)s") % {"error": error})
    else:
        messages.success(request, _("Test message sent to %(name)s.") % {"name": webhook.name})
    return redirect("reminders:settings")
