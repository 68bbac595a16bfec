from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from customers import permissions

from . import services
from .forms import BulkReassignForm, ReassignCustomerForm


@require_POST
def customer_handover(request, pk):
    customer = permissions.get_customer_for_user(request.user, pk, write=True)
    permissions.require_reassign(request.user)
    form = ReassignCustomerForm(request.POST)
    if form.is_valid():
        services.customer_reassign(customer=customer, new_owner=form.cleaned_data["new_owner"], actor=request.user)
        messages.success(
            request, _("%(customer)s now belongs to %(owner)s.") % {"customer": customer, "owner": customer.owner}
        )
        return redirect("customers:detail", pk=customer.pk)
    return render(
        request,
        "customers/object_form.html",
        {"form": form, "customer": customer, "project": None, "title": _("Reassign customer")},
        status=400,
    )


@require_http_methods(["GET", "POST"])
def bulk_handover(request):
    permissions.require_reassign(request.user)
    form = BulkReassignForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        moved = services.customers_reassign_all(
            from_user=form.cleaned_data["from_user"],
            to_user=form.cleaned_data["to_user"],
            include_projects=form.cleaned_data["include_projects"],
            actor=request.user,
        )
        messages.success(
            request,
            _("%(count)d customers moved from %(from)s to %(to)s.")
            % {"count": moved, "from": form.cleaned_data["from_user"], "to": form.cleaned_data["to_user"]},
        )
        return redirect("customers:list")
    return render(request, "handovers/bulk.html", {"form": form}, status=400 if form.errors else 200)
