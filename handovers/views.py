"""Hand-over pages: choose who receives, preview everything that would move, confirm.

Choosing is a GET (it moves nothing); the preview carries the ids of what it showed, and the
confirmation (POST) moves what was ticked of it, or is refused, moving nothing, when what the person
holds changed in between.
"""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from customers import permissions

from . import services
from .forms import BulkChoiceForm, HandOverForm, PersonForm, RecipientForm
from .selectors import Reach, handover_plan

INVALID, STALE = 400, 409


@require_http_methods(["GET", "POST"])
def customer_handover(request, pk):
    customer = permissions.get_customer_for_user(request.user, pk, write=True)
    permissions.require_reassign(request.user)
    form, refused, status = None, None, 200
    if request.method == "POST":
        form = HandOverForm(request.POST)
        refused, status = _confirm(request, form, reach=Reach.CUSTOMER, customer_id=customer.pk)
        if refused is None:
            return redirect("customers:detail", pk=customer.pk)
    choice = RecipientForm(request.POST if form is not None else request.GET or None)
    to_user = choice.cleaned_data["to_user"] if choice.is_valid() else None
    plan = None
    if to_user is not None and to_user != customer.owner:
        plan = handover_plan(from_user=customer.owner, to_user=to_user, reach=Reach.CUSTOMER, customer_id=pk)
    return render(
        request,
        "handovers/customer.html",
        {
            "customer": customer,
            "choice": choice,
            "already_owner": to_user is not None and to_user == customer.owner,
            **_preview(plan, form, refused),
        },
        status=INVALID if status == 200 and choice.errors else status,
    )


@require_http_methods(["GET", "POST"])
def bulk_handover(request):
    permissions.require_reassign(request.user)
    form, refused, status = None, None, 200
    if request.method == "POST":
        form = HandOverForm(request.POST)
        refused, status = _confirm(request, form, reach=Reach.OWNED)
        if refused is None:
            return redirect("handovers:bulk")
    choice = BulkChoiceForm(request.POST if form is not None else request.GET or None, user=request.user)
    plan = None
    if choice.is_valid():
        plan = handover_plan(
            from_user=choice.cleaned_data["from_user"], to_user=choice.cleaned_data["to_user"], reach=Reach.OWNED
        )
    return render(
        request,
        "handovers/bulk.html",
        {
            "choice": choice,
            "person_form": PersonForm() if permissions.can_hand_over_everything(request.user) else None,
            **_preview(plan, form, refused),
        },
        status=INVALID if status == 200 and choice.errors else status,
    )


@require_http_methods(["GET", "POST"])
def person_handover(request, pk):
    """Everything one person owns or sits on, handed to someone else in one step (they leave)."""
    permissions.require_hand_over_everything(request.user)
    person = get_object_or_404(get_user_model(), pk=pk)
    form, refused, status = None, None, 200
    if request.method == "POST":
        form = HandOverForm(request.POST, from_user=person)
        refused, status = _confirm(request, form, reach=Reach.EVERYTHING)
        if refused is None:
            return redirect("handovers:person", pk=person.pk)
    choice = RecipientForm(request.POST if form is not None else request.GET or None)
    to_user = choice.cleaned_data["to_user"] if choice.is_valid() else None
    plan = handover_plan(from_user=person, to_user=to_user if to_user != person else None, reach=Reach.EVERYTHING)
    return render(
        request,
        "handovers/person.html",
        {"person": person, "choice": choice, "to_self": to_user == person, **_preview(plan, form, refused)},
        status=INVALID if status == 200 and choice.errors else status,
    )


@require_GET
def person_pick(request):
    """The bulk page's "someone leaving?" form lands here, on its way to that person's page."""
    permissions.require_hand_over_everything(request.user)
    form = PersonForm(request.GET)
    if form.is_valid():
        return redirect("handovers:person", pk=form.cleaned_data["person"].pk)
    messages.error(request, _("Choose the person who leaves."))
    return redirect("handovers:bulk")


def _preview(plan, posted, refused):
    """The preview's part of a page's context: the plan, its confirmation form (keeping a note
    already typed), and why a confirmation was refused."""
    note = posted.data.get("note", "") if posted is not None else ""
    return {"plan": plan, "form": HandOverForm(initial={"note": note}), "refused": refused}


def _confirm(request, form, *, reach, customer_id=None):
    """Run a confirmed hand-over. Returns (None, 302) when done, with a message to show; else (why it
    was refused, status)."""
    if not form.is_valid():
        return " ".join(error for errors in form.errors.values() for error in errors), INVALID
    from_user, to_user = form.cleaned_data["from_user"], form.cleaned_data["to_user"]
    try:
        records = services.hand_over(
            from_user=from_user,
            to_user=to_user,
            actor=request.user,
            reach=reach,
            customer_id=customer_id,
            shown=form.shown(),
            chosen=form.chosen(),
            note=form.cleaned_data["note"],
        )
    except services.StaleHandOver:
        return _(
            "Nothing was handed over: what %(person)s holds here changed after the preview was shown "
            "(someone handed something over, or added or closed something). Below is the preview as it is "
            "now: check it and confirm again."
        ) % {"person": from_user}, STALE
    except services.RecipientUnavailable:
        return _("Nothing was handed over: %(person)s can no longer own customers. Choose someone else.") % {
            "person": to_user
        }, STALE
    if records:
        messages.success(request, _summary(records, from_user, to_user))
    elif from_user == to_user:
        messages.info(request, _("Nothing changed: %(person)s already holds all of it.") % {"person": to_user})
    else:
        messages.info(request, _("Nothing changed: there was nothing to hand over, or nothing was ticked."))
    return None, 302


def _summary(records, from_user, to_user):
    counts = {
        "customers": sum(record.customer_moved for record in records),
        "projects": sum(len(record.moved["projects"]) for record in records),
        "next_steps": sum(len(record.moved["next_steps"]) for record in records),
        "team_places": sum(len(record.moved["team_places"]) for record in records),
    }
    return _(
        "Handed over from %(from)s to %(to)s. Customers: %(customers)d, projects: %(projects)d, "
        "open next steps: %(next_steps)d, team places: %(team_places)d."
    ) % {"from": from_user, "to": to_user, **counts}
