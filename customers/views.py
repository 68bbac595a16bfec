from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from salesrecord import once

from . import permissions, selectors, services, stalls
from .filters import CustomerFilter
from .forms import (
    ContactForm,
    CustomerForm,
    CustomerSearchQuery,
    DecisionStepForm,
    ProjectForm,
    ProjectMemberForm,
)
from .models import Contact, DecisionStep, Project, ProjectMember

PAGE_SIZE = 20


@require_GET
def customer_choices(request):
    """The customers a person may see whose name (or its pinyin) holds what they typed: the choices of
    a filter's customer search (customers/widgets/customer_search.html), at most a screenful."""
    query = CustomerSearchQuery(request.GET)
    if not query.is_valid():
        return render(request, "customers/customer_choices.html", {"name": "customer"}, status=400)
    text = query.cleaned_data["customer_q"]
    matches = []
    if text:
        found = selectors.customers_matching(permissions.visible_customers(request.user), text)
        matches = list(found.only("pk", "legal_name")[: selectors.CUSTOMER_CHOICES_SHOWN])
    context = {
        "name": "customer",
        "matches": matches,
        "searched": bool(text),
        "shown": selectors.CUSTOMER_CHOICES_SHOWN,
    }
    return render(request, "customers/customer_choices.html", context)


def customer_list(request):
    customers = selectors.customer_rows(permissions.visible_customers(request.user))
    customer_filter = CustomerFilter(request.GET, queryset=customers, user=request.user)
    context = {
        "filter": customer_filter,
        "page": None,
        "sort": customer_filter.sort,
        "filtered": bool(customer_filter.active_filter_count()),
        "can_write": permissions.can_write(request.user),
        "today": timezone.localdate(),
    }
    if not customer_filter.is_valid():
        # A filter that cannot apply lists nothing, rather than every customer as if filtered.
        return render(request, "customers/customer_list.html", context, status=400)
    page = Paginator(customer_filter.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = selectors.attach_open_deals(list(page.object_list), context["today"])
    found = stalls.stalls_among(Project.objects.filter(customer__in=[customer.pk for customer in page.object_list]))
    for customer in page.object_list:
        customer.stalled_deals = sum(1 for deal in customer.open_deals.deals if deal.pk in found)
    context["page"] = page
    return render(request, "customers/customer_list.html", context)


@require_http_methods(["GET", "POST"])
def customer_create(request):
    permissions.require_write(request.user)
    form = CustomerForm(request.POST or None, user=request.user)
    if request.method == "POST":
        try:
            customer = once.save_once(
                request,
                form,
                lambda: services.customer_create(customer=form.save(commit=False), actor=request.user),
                success=lambda created: _("Customer “%(name)s” created.") % {"name": created.legal_name},
            )
        except services.DuplicateCustomer as exc:
            form.refuse_duplicate(exc.existing)
        else:
            if customer is not None:
                return redirect("customers:detail", pk=customer.pk)
    return render(request, "customers/customer_form.html", {"form": form}, status=form_status(form))


def customer_detail(request, pk):
    customer = permissions.get_customer_for_user(request.user, pk)
    projects = customer.projects.select_related("owner").order_by("-created_at", "-pk")
    return render(
        request,
        "customers/customer_detail.html",
        {
            "customer": customer,
            "contacts": customer.contacts.all(),
            "projects": projects,
            "handovers": customer.handovers.select_related("from_user", "to_user", "actor"),
            "can_write": permissions.can_write(request.user),
            "can_reassign": permissions.can_reassign(request.user),
            "assignable_owners": permissions.assignable_owners() if permissions.can_reassign(request.user) else None,
        },
    )


@require_http_methods(["GET", "POST"])
def customer_edit(request, pk):
    customer = permissions.get_customer_for_user(request.user, pk, write=True)
    form = CustomerForm(request.POST or None, instance=customer, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            done = saved(
                form,
                lambda seen: services.customer_update(customer=form.save(commit=False), actor=request.user, seen=seen),
            )
        except services.DuplicateCustomer as exc:
            form.refuse_duplicate(exc.existing)
        else:
            if done:
                messages.success(request, _("Customer saved."))
                return redirect("customers:detail", pk=customer.pk)
    return render(
        request,
        "customers/customer_form.html",
        {"form": form, "customer": customer},
        status=form_status(form),
    )


@require_http_methods(["GET", "POST"])
def contact_create(request, customer_pk):
    customer = permissions.get_customer_for_user(request.user, customer_pk, write=True)
    form = ContactForm(request.POST or None, instance=Contact(customer=customer))
    if request.method == "POST":
        contact = once.save_once(
            request,
            form,
            lambda: services.contact_save(contact=form.save(commit=False), actor=request.user),
            success=_("Contact added."),
        )
        if contact is not None:
            return redirect("customers:detail", pk=customer.pk)
    return form_page(request, form, customer=customer, title=_("New contact"))


@require_http_methods(["GET", "POST"])
def contact_edit(request, pk):
    contact = permissions.get_contact_for_user(request.user, pk, write=True)
    form = ContactForm(request.POST or None, instance=contact)
    if (
        request.method == "POST"
        and form.is_valid()
        and saved(
            form, lambda seen: services.contact_save(contact=form.save(commit=False), actor=request.user, seen=seen)
        )
    ):
        messages.success(request, _("Contact saved."))
        return redirect("customers:detail", pk=contact.customer_id)
    return form_page(request, form, customer=contact.customer, title=_("Edit contact"))


@require_http_methods(["GET", "POST"])
def project_edit(request, pk):
    project = permissions.get_project_for_user(request.user, pk, write=True)
    form = ProjectForm(request.POST or None, instance=project, user=request.user)
    if (
        request.method == "POST"
        and form.is_valid()
        and saved(
            form, lambda seen: services.project_update(project=form.save(commit=False), actor=request.user, seen=seen)
        )
    ):
        messages.success(request, _("Project saved."))
        return redirect("projects:detail", pk=project.pk)
    return form_page(request, form, customer=project.customer, project=project, title=_("Edit project"))


@require_http_methods(["GET", "POST"])
def member_create(request, project_pk):
    project = permissions.get_project_for_user(request.user, project_pk, write=True)
    form = ProjectMemberForm(request.POST or None, instance=ProjectMember(project=project), project=project)
    if request.method == "POST":
        member = once.save_once(
            request,
            form,
            lambda: services.member_save(member=form.save(commit=False), actor=request.user),
            success=_("Team member added."),
        )
        if member is not None:
            return redirect("projects:detail", pk=project.pk)
    return form_page(request, form, customer=project.customer, project=project, title=_("Add a team member"))


@require_http_methods(["GET", "POST"])
def member_edit(request, pk):
    member = permissions.get_member_for_user(request.user, pk, write=True)
    project = member.project
    form = ProjectMemberForm(request.POST or None, instance=member, project=project)
    if (
        request.method == "POST"
        and form.is_valid()
        and saved(
            form, lambda seen: services.member_save(member=form.save(commit=False), actor=request.user, seen=seen)
        )
    ):
        messages.success(request, _("Team member saved."))
        return redirect("projects:detail", pk=project.pk)
    return form_page(request, form, customer=project.customer, project=project, title=_("Edit team member"))


@require_POST
def member_remove(request, pk):
    member = permissions.get_member_for_user(request.user, pk, write=True)
    services.member_remove(member=member, actor=request.user)
    messages.success(request, _("%(user)s left the project team.") % {"user": member.user})
    return redirect("projects:detail", pk=member.project_id)


@require_http_methods(["GET", "POST"])
def decision_step_create(request, project_pk):
    project = permissions.get_project_for_user(request.user, project_pk, write=True)
    form = DecisionStepForm(request.POST or None, instance=DecisionStep(project=project), project=project)
    if request.method == "POST":
        step = once.save_once(
            request,
            form,
            lambda: services.decision_step_save(step=form.save(commit=False), actor=request.user),
            success=_("Decision step added."),
        )
        if step is not None:
            return redirect("projects:detail", pk=project.pk)
    return form_page(request, form, customer=project.customer, project=project, title=_("Add a decision step"))


@require_http_methods(["GET", "POST"])
def decision_step_edit(request, pk):
    step = permissions.get_decision_step_for_user(request.user, pk, write=True)
    project = step.project
    form = DecisionStepForm(request.POST or None, instance=step, project=project)
    if (
        request.method == "POST"
        and form.is_valid()
        and saved(
            form, lambda seen: services.decision_step_save(step=form.save(commit=False), actor=request.user, seen=seen)
        )
    ):
        messages.success(request, _("Decision step saved."))
        return redirect("projects:detail", pk=project.pk)
    return form_page(request, form, customer=project.customer, project=project, title=_("Edit decision step"))


@require_POST
def decision_step_remove(request, pk):
    step = permissions.get_decision_step_for_user(request.user, pk, write=True)
    services.decision_step_remove(step=step, actor=request.user)
    messages.success(request, _("Decision step removed."))
    return redirect("projects:detail", pk=step.project_id)


def saved(form, save):
    """Save through save(seen=the version the form showed). False when someone saved the record
    meanwhile: the form then says who changed what, keeps the input and carries the new version."""
    try:
        save(form.seen_version)
    except ValidationError as error:
        if error.code != "stale":
            raise
        form.add_error(None, error)
        form.refresh_version()
        form.stale = True
        return False
    return True


def form_status(form):
    """409 when the record changed under the form, 429 when its duplicate check was refused (too many
    lookups), 400 for other errors."""
    if getattr(form, "stale", False):
        return 409
    if getattr(form, "throttled", False):
        return 429
    return 400 if form.errors else 200


def form_page(request, form, *, customer, title, project=None):
    status = form_status(form)
    return render(
        request,
        "customers/object_form.html",
        {"form": form, "customer": customer, "project": project, "title": title},
        status=status,
    )
