"""The customer services' rules, at the service, whoever calls them: who owns a new customer, which
existing customer a duplicate names, what archiving and restoring a contact records and refuses, and the
refusals' wording as an English-speaking user reads it."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from customers import services
from customers.models import Contact, Customer
from keypoints import services as keypoint_services
from tests.factories import ContactFactory, CustomerFactory, valid_credit_code

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def message(raised):
    return raised.value.messages[0]


# Who owns a new customer ---------------------------------------------------------------------------


def test_a_reps_new_customer_is_theirs_even_when_the_form_named_someone_else(rep, other_rep):
    customer = services.customer_create(customer=Customer(legal_name="甲公司", owner=other_rep), actor=rep)
    assert (customer.owner, customer.created_by) == (rep, rep)


@pytest.mark.parametrize("role", ["admin", "lead"])
def test_an_admin_or_lead_gives_a_new_customer_the_owner_they_chose_or_takes_it(request, role, rep):
    actor = request.getfixturevalue(role)
    chosen = services.customer_create(customer=Customer(legal_name="乙公司", owner=rep), actor=actor)
    assert (chosen.owner, chosen.created_by) == (rep, actor)
    unnamed = services.customer_create(customer=Customer(legal_name="丙公司"), actor=actor)
    assert unnamed.owner == actor


# Duplicates ------------------------------------------------------------------------------------------


def test_a_duplicate_is_found_by_name_or_code_but_a_customer_is_not_its_own_duplicate(rep):
    existing = CustomerFactory(owner=rep, legal_name="上海华信科技有限公司")
    assert services.find_duplicate_customer(legal_name=" 上海华信科技有限公司 ") == existing
    assert services.find_duplicate_customer(legal_name="别的名字", credit_code=existing.credit_code) == existing
    assert services.find_duplicate_customer(legal_name=existing.legal_name, exclude_pk=existing.pk) is None


def test_a_save_that_collides_on_the_credit_code_names_the_other_customer(rep):
    first = CustomerFactory(owner=rep, credit_code=valid_credit_code(901))
    second = CustomerFactory(owner=rep, credit_code=valid_credit_code(902))
    second.credit_code = first.credit_code
    with pytest.raises(services.DuplicateCustomer) as raised:
        services.customer_update(customer=second, actor=rep)
    # Found by the code, and not the customer being saved, whose own name matches itself.
    assert raised.value.existing == first
    assert str(raised.value) == first.legal_name
    assert Customer.objects.get(pk=second.pk).credit_code == valid_credit_code(902)


# Archiving and restoring a contact ----------------------------------------------------------------


def test_archiving_a_contact_records_who_did_it_in_a_batch_and_restoring_records_who_brought_it_back(
    rep, lead, rep_customer
):
    contact = ContactFactory(customer=rep_customer)
    archived = services.contact_archive(contact=contact, actor=rep)
    assert archived.archived_by == rep and archived.archive_batch is not None
    change = archived.history.latest()
    assert (change.history_user, change.history_change_reason) == (rep, services.ARCHIVED)

    restored = services.contact_restore(contact=contact, actor=lead)
    assert (restored.archived_at, restored.archived_by, restored.archive_batch) == (None, None, None)
    change = restored.history.latest()
    assert (change.history_user, change.history_change_reason) == (lead, services.RESTORED)


def test_a_contact_archived_with_its_customer_comes_back_only_with_it(rep, rep_customer):
    contact = ContactFactory(customer=rep_customer)
    keypoint_services.customer_archive(customer=rep_customer, actor=rep)
    with pytest.raises(ValidationError) as raised:
        services.contact_restore(contact=contact, actor=rep)
    assert raised.value.code == "parent_archived"
    assert message(raised) == (
        f"{rep_customer} is archived: restore it first, and what was archived with it comes back too."
    )
    assert Contact.all_objects.get(pk=contact.pk).archived_at is not None


def test_a_change_to_an_archived_record_is_refused_saying_who_archived_it_and_when(rep, rep_customer):
    contact = ContactFactory(customer=rep_customer)
    services.contact_archive(contact=contact, actor=rep)
    at = timezone.make_aware(datetime.datetime(2026, 6, 30, 16, 45))
    Contact.all_objects.filter(pk=contact.pk).update(archived_at=at)
    with pytest.raises(ValidationError) as raised:
        services.refuse_if_archived(Contact.all_objects.get(pk=contact.pk))
    assert raised.value.code == "archived"
    # The moment with its time of day, in the reader's language.
    assert message(raised) == f"{contact} was archived by {rep} at 30 Jun 2026 16:45. Nothing was saved."


def test_deleting_for_good_a_record_restored_meanwhile_is_refused_and_deletes_nothing(admin, rep, rep_customer):
    contact = ContactFactory(customer=rep_customer)
    with pytest.raises(ValidationError) as raised:
        services.delete_for_good(record=contact, actor=admin)
    assert raised.value.code == "not_archived"
    assert message(raised) == f"{contact} was restored meanwhile; only an archived record is deleted."
    assert Contact.objects.filter(pk=contact.pk).exists()


def test_deleting_for_good_records_the_deletion_against_who_did_it(admin, rep, rep_customer):
    contact = ContactFactory(customer=rep_customer)
    services.contact_archive(contact=contact, actor=rep)
    services.delete_for_good(record=Contact.all_objects.get(pk=contact.pk), actor=admin)
    assert not Contact.all_objects.filter(pk=contact.pk).exists()
    deletion = Contact.history.filter(id=contact.pk).latest()
    assert (deletion.history_type, deletion.history_user) == ("-", admin)
