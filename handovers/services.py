"""Handing customers, and what hangs off them, from one person to another (交接)."""

from django.db import transaction

from customers.models import Customer, Project


@transaction.atomic
def customer_reassign(*, customer, new_owner, actor):
    customer.owner = new_owner
    customer.save(update_fields=["owner", "updated_at"])
    return customer


@transaction.atomic
def customers_reassign_all(*, from_user, to_user, actor, include_projects=True):
    """Hand every customer of one person to another (a rep leaves); returns how many moved.

    With include_projects, the projects from_user owned on those customers move too, so that the
    new owner also owns the deals in flight.
    """
    customer_ids = list(Customer.objects.filter(owner=from_user).values_list("pk", flat=True))
    moved = Customer.objects.filter(pk__in=customer_ids).update(owner=to_user)
    if include_projects:
        Project.objects.filter(customer_id__in=customer_ids, owner=from_user).update(owner=to_user)
    return moved
