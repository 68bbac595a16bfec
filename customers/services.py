"""Every write to customers, contacts, projects, teams and decision chains."""

from django.db import IntegrityError, transaction

from accounts.models import Role

from . import versions
from .models import Customer
from .validators import customer_name_key, normalize_credit_code


class DuplicateCustomer(Exception):
    """Another customer already has this legal name or credit code."""

    def __init__(self, existing):
        super().__init__(existing.legal_name)
        self.existing = existing


def find_duplicate_customer(*, legal_name, credit_code="", exclude_pk=None):
    """The existing customer with the same legal name (any case, spaces trimmed) or credit code."""
    others = Customer.objects.select_related("owner")
    if exclude_pk is not None:
        others = others.exclude(pk=exclude_pk)
    match = others.filter(name_key=customer_name_key(legal_name)).first() if legal_name.strip() else None
    code = normalize_credit_code(credit_code)
    if match is None and code:
        match = others.filter(credit_code=code).first()
    return match


def _save_customer(customer):
    customer.legal_name = customer.legal_name.strip()
    customer.credit_code = normalize_credit_code(customer.credit_code)
    try:
        # A savepoint, so that a duplicate (the form checks first; a concurrent save may still
        # race it) leaves the outer transaction usable.
        with transaction.atomic():
            customer.save()
    except IntegrityError:
        duplicate = find_duplicate_customer(
            legal_name=customer.legal_name, credit_code=customer.credit_code, exclude_pk=customer.pk
        )
        if duplicate is None:
            raise
        raise DuplicateCustomer(duplicate) from None
    return customer


@transaction.atomic
def customer_create(*, customer, actor):
    """Save a new customer. A rep's new customer is theirs; admin and lead choose an owner."""
    if actor.role == Role.REP or customer.owner_id is None:
        customer.owner = actor
    customer.created_by = actor
    return _save_customer(customer)


@transaction.atomic
def customer_update(*, customer, actor, seen=None):
    """Save a customer's profile, unless someone saved it since the version the form showed (seen)."""
    versions.lock_unchanged(customer, seen)
    return _save_customer(customer)


@transaction.atomic
def contact_save(*, contact, actor, seen=None):
    versions.lock_unchanged(contact, seen)
    contact.save()
    return contact


@transaction.atomic
def project_update(*, project, actor, seen=None):
    """Save a project's profile. Creating one records its first stage, in keypoints.services.project_create."""
    versions.lock_unchanged(project, seen)
    project.save()
    return project


@transaction.atomic
def member_save(*, member, actor, seen=None):
    versions.lock_unchanged(member, seen)
    member.save()
    return member


@transaction.atomic
def member_remove(*, member, actor):
    member.delete()


@transaction.atomic
def decision_step_save(*, step, actor, seen=None):
    versions.lock_unchanged(step, seen)
    step.save()
    return step


@transaction.atomic
def decision_step_remove(*, step, actor):
    step.delete()
