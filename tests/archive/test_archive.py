"""Archive, not delete: leads and admins archive and restore customers, projects, contacts and key
points; archived records leave lists, dashboards and reminders and keep their history; only the admin
deletes for good, after confirming."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from customers import services as customer_services
from customers.models import Contact, Customer, Project
from customers.permissions import visible_customers, visible_projects
from keypoints import services as keypoint_services
from keypoints.models import KeyPoint
from keypoints.permissions import visible_keypoints
from keypoints.stages import StageNumber
from reminders import services as reminder_services
from tests.factories import ContactFactory, KeyPointFactory, ProjectFactory


@pytest.fixture
def deal(rep_customer):
    """A customer with a contact, a stalled project and a key point with an overdue next step."""
    contact = ContactFactory(customer=rep_customer, name="王经理")
    project = ProjectFactory(customer=rep_customer, name="产线改造项目")
    long_ago = timezone.now() - datetime.timedelta(days=200)
    Project.objects.filter(pk=project.pk).update(stage_entered_at=long_ago)
    keypoint = KeyPointFactory(
        project=project,
        occurred_at=long_ago,
        next_step="送样",
        next_step_due=timezone.localdate() - datetime.timedelta(days=30),
    )
    keypoint.customer_participants.set([contact])
    return {"customer": rep_customer, "contact": contact, "project": project, "keypoint": keypoint}


def archive_url(kind, record):
    return reverse("archive:archive", args=[kind, record.pk])


def restore_url(kind, record):
    return reverse("archive:restore", args=[kind, record.pk])


def delete_url(kind, record):
    return reverse("archive:delete", args=[kind, record.pk])


def archived_state(*records):
    return [type(r).all_objects.get(pk=r.pk).archived_at is not None for r in records]


# What archiving does ------------------------------------------------------------------------------


def test_a_lead_archives_a_customer_with_everything_that_hangs_off_it(client_for, lead, deal):
    client = client_for(lead)
    page = client.get(archive_url("customer", deal["customer"]))
    assert page.status_code == 200
    taken = page.content.decode()
    assert "1" in taken and 'data-testid="taken-along"' in taken

    response = client.post(archive_url("customer", deal["customer"]))

    assert response.status_code == 302 and response.url == reverse("customers:list")
    records = [deal["customer"], deal["contact"], deal["project"], deal["keypoint"]]
    assert archived_state(*records) == [True, True, True, True]
    batches = {type(r).all_objects.get(pk=r.pk).archive_batch for r in records}
    assert len(batches) == 1
    # Who archived is kept on every row that went, down to the key points of its projects.
    assert [type(r).all_objects.get(pk=r.pk).archived_by for r in records] == [lead] * 4


def test_each_archived_row_gets_a_history_row_with_who_and_why(client_for, lead, deal):
    client_for(lead).post(archive_url("customer", deal["customer"]))
    for record in (deal["customer"], deal["contact"], deal["project"], deal["keypoint"]):
        newest = type(record).history.filter(id=record.pk).order_by("-history_id").first()
        assert newest.history_change_reason == customer_services.ARCHIVED
        assert newest.history_user == lead
        assert newest.archived_at is not None
        assert newest.prev_record.archived_at is None


def test_an_archived_customer_leaves_every_list_and_the_dashboard(client_for, lead, manager, deal):
    client_for(lead).post(archive_url("customer", deal["customer"]), follow=True)  # its message shown
    client = client_for(manager)
    name, project_name = deal["customer"].legal_name, deal["project"].name
    for url in (
        reverse("customers:list"),
        reverse("projects:list"),
        reverse("keypoints:ledger"),
        reverse("pipeline"),
        reverse("dashboard"),
        reverse("reminders:attention"),
    ):
        content = client.get(url).content.decode()
        assert name not in content and project_name not in content, url
    assert client.get(reverse("customers:detail", args=[deal["customer"].pk])).status_code == 404
    assert client.get(reverse("projects:detail", args=[deal["project"].pk])).status_code == 404


def test_an_archived_project_is_no_longer_reminded(client_for, lead, deal):
    now = timezone.now()
    assert deal["project"].pk in {p.pk for p in reminder_services.stalled_projects(now)}
    assert any(e.keypoint.pk == deal["keypoint"].pk for e in reminder_services.overdue_events(now) if e.keypoint)

    client_for(lead).post(archive_url("project", deal["project"]))

    assert deal["project"].pk not in {p.pk for p in reminder_services.stalled_projects(now)}
    assert not any(e.keypoint and e.keypoint.pk == deal["keypoint"].pk for e in reminder_services.overdue_events(now))
    # The customer stays: only the project and its key points left.
    assert archived_state(deal["customer"], deal["contact"], deal["project"], deal["keypoint"]) == [
        False, False, True, True,
    ]  # fmt: skip


def test_an_archived_contacts_name_stays_on_the_key_points_they_attended(client_for, lead, deal):
    client = client_for(lead)
    client.post(archive_url("contact", deal["contact"]), follow=True)  # its message shown

    assert archived_state(deal["contact"]) == [True]
    customer_page = client.get(reverse("customers:detail", args=[deal["customer"].pk])).content.decode()
    project_page = client.get(reverse("projects:detail", args=[deal["project"].pk])).content.decode()
    assert "王经理" not in customer_page  # gone from the contacts
    assert "王经理" in project_page  # still among who attended


def test_restoring_brings_back_exactly_what_was_archived_with_it(client_for, lead, deal):
    earlier = KeyPointFactory(project=deal["project"], summary="录错的一条")
    client = client_for(lead)
    client.post(archive_url("keypoint", earlier))
    client.post(archive_url("customer", deal["customer"]))

    response = client.post(restore_url("customer", deal["customer"]))

    assert response.status_code == 302 and response.url == reverse("customers:detail", args=[deal["customer"].pk])
    records = [deal["customer"], deal["contact"], deal["project"], deal["keypoint"]]
    assert archived_state(*records) == [False, False, False, False]
    assert archived_state(earlier) == [True]  # archived on its own before: it stays archived
    newest = Customer.history.filter(id=deal["customer"].pk).order_by("-history_id").first()
    assert newest.history_change_reason == customer_services.RESTORED


def test_a_record_archived_with_its_parent_comes_back_only_with_it(client_for, lead, deal):
    client = client_for(lead)
    client.post(archive_url("project", deal["project"]))

    response = client.post(restore_url("keypoint", deal["keypoint"]))

    assert response.status_code == 409
    assert "产线改造项目" in response.content.decode()
    assert archived_state(deal["keypoint"]) == [True]


def test_the_archive_page_lists_what_was_archived_on_its_own(client_for, lead, deal, django_assert_max_num_queries):
    other = ProjectFactory(customer=deal["customer"], name="二期项目")
    client = client_for(lead)
    client.post(archive_url("project", other))
    client.post(archive_url("customer", deal["customer"]))

    with django_assert_max_num_queries(12):
        projects = client.get(reverse("archive:list"), {"kind": "project"})
    content = projects.content.decode()
    # The project archived before its customer is listed, with the customer to restore first;
    # the one archived with the customer comes back with it and is not listed on its own.
    assert "二期项目" in content and "产线改造项目" not in content
    customers = client.get(reverse("archive:list")).content.decode()
    assert deal["customer"].legal_name in customers
    assert client.get(reverse("archive:list"), {"kind": "nothing"}).status_code == 400


def test_an_archived_key_point_is_listed_under_its_customer_not_its_project_twice(
    client_for, lead, deal, django_assert_max_num_queries
):
    others = [KeyPointFactory(project=deal["project"]) for _ in range(3)]
    client = client_for(lead)
    for keypoint in (deal["keypoint"], *others):
        client.post(archive_url("keypoint", keypoint))

    with django_assert_max_num_queries(12):
        page = client.get(reverse("archive:list"), {"kind": "keypoint"})

    records = page.content.decode().split('data-testid="archived-record"')[1:]
    assert len(records) == 4
    for record in records:
        # The key point's name says its project; the line beside it says whose project that is.
        assert f"<strong>{deal['project'].name} · " in record
        assert f'<span class="text-muted small">{deal["customer"].legal_name}</span>' in record
        assert f'<span class="text-muted small">{deal["project"].name}</span>' not in record


def test_archiving_twice_changes_nothing_the_second_time(client_for, lead, deal):
    client = client_for(lead)
    client.post(archive_url("project", deal["project"]))
    first = Project.all_objects.get(pk=deal["project"].pk)

    again = client.post(archive_url("project", deal["project"]))

    assert again.status_code == 302
    second = Project.all_objects.get(pk=deal["project"].pk)
    assert (second.archived_at, second.archive_batch) == (first.archived_at, first.archive_batch)
    assert Project.history.filter(id=first.pk, history_change_reason=customer_services.ARCHIVED).count() == 1


def test_a_signed_projects_only_contract_key_point_is_not_archived(client_for, lead, rep_customer):
    project = ProjectFactory(customer=rep_customer)
    contract = KeyPointFactory(
        project=project,
        stage=StageNumber.CONTRACT,
        contract_number="HT-2026-001",
        signed_amount=Decimal("600000"),
        signing_date=timezone.localdate(),
    )
    Project.objects.filter(pk=project.pk).update(stage=StageNumber.CONTRACT)

    response = client_for(lead).post(archive_url("keypoint", contract), HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 409
    assert archived_state(contract) == [False]
    assert (
        "The project is at or past contract signing and this is its contract key point: it stays. "
        "Move the project back first, or archive the whole project." in response.content.decode()
    )
    with pytest.raises(ValidationError) as raised:
        keypoint_services.keypoint_archive(keypoint=contract, actor=lead)
    assert raised.value.code == "contract_required"
    assert archived_state(contract) == [False]
    project.refresh_from_db()
    assert (project.signed_amount, project.signed_on) == (Decimal("600000"), timezone.localdate())


def test_nothing_is_logged_on_a_project_archived_meanwhile(lead, rep, deal):
    keypoint_services.project_archive(project=deal["project"], actor=lead)
    stale = deal["project"]  # the form was shown before the archive
    with pytest.raises(ValidationError) as refused:
        keypoint_services.keypoint_create(
            keypoint=KeyPoint(project=stale, **_keypoint_fields(rep)),
            actor=rep,
            our_participants=[rep],
            customer_participants=[],
        )
    assert refused.value.code == "archived"
    assert not KeyPoint.all_objects.filter(project=stale, summary="晚到的记录").exists()


def _keypoint_fields(person):
    return {
        "stage": StageNumber.LEAD, "occurred_at": timezone.now(), "method": "phone", "summary": "晚到的记录",
        "customer_feedback": "-", "obstacles": "-", "our_response": "-", "next_step": "-",
        "next_step_owner": person, "next_step_due": timezone.localdate(),
    }  # fmt: skip


def test_an_archived_customers_name_stays_taken(client_for, lead, rep, deal):
    client_for(lead).post(archive_url("customer", deal["customer"]))
    response = client_for(rep).post(
        reverse("customers:create"),
        {"legal_name": deal["customer"].legal_name, "industry": "manufacturing", "tier": "normal"},
    )
    assert response.status_code == 400
    assert "archived" in response.content.decode() or "归档" in response.content.decode()
    assert Customer.all_objects.filter(name_key=deal["customer"].name_key).count() == 1


# History stays ------------------------------------------------------------------------------------


def test_an_archived_records_history_stays_for_those_who_archive_and_the_audit_log(client_for, admin, lead, deal):
    client_for(lead).post(archive_url("customer", deal["customer"]))
    page = client_for(lead).get(reverse("audit:customer", args=[deal["customer"].pk]))
    assert page.status_code == 200 and "王经理" in page.content.decode()
    log = client_for(admin).get(reverse("audit:log"), {"kind": "customer"}).content.decode()
    assert deal["customer"].legal_name in log


# Delete for good ----------------------------------------------------------------------------------


def test_the_admin_deletes_an_archived_customer_for_good_after_confirming(client_for, admin, deal):
    client = client_for(admin)
    client.post(archive_url("customer", deal["customer"]))

    unconfirmed = client.post(delete_url("customer", deal["customer"]))
    assert unconfirmed.status_code == 400
    assert Customer.all_objects.filter(pk=deal["customer"].pk).exists()

    done = client.post(delete_url("customer", deal["customer"]), {"confirm": "on"})

    assert done.status_code == 302
    assert not Customer.all_objects.filter(pk=deal["customer"].pk).exists()
    assert not KeyPoint.all_objects.filter(pk=deal["keypoint"].pk).exists()
    # Its history stays, its last row the deletion, by the admin.
    last = Customer.history.filter(id=deal["customer"].pk).order_by("-history_id").first()
    assert last.history_type == "-" and last.history_user == admin
    assert KeyPoint.history.filter(id=deal["keypoint"].pk, history_type="-").exists()


def test_a_live_record_is_not_deleted_for_good(client_for, admin, deal):
    response = client_for(admin).post(delete_url("contact", deal["contact"]), {"confirm": "on"})
    assert response.status_code == 404
    assert Contact.objects.filter(pk=deal["contact"].pk).exists()


# Who may ------------------------------------------------------------------------------------------

ARCHIVE_ANSWERS = {"admin": 302, "lead": 302, "rep": 403, "other_rep": 404, "manager": 403}
RESTORE_ANSWERS = {"admin": 302, "lead": 302, "rep": 404, "other_rep": 404, "manager": 403}
DELETE_ANSWERS = {"admin": 302, "lead": 403, "rep": 404, "other_rep": 404, "manager": 403}
LIST_ANSWERS = {"admin": 200, "lead": 200, "rep": 403, "other_rep": 403, "manager": 403}


@pytest.mark.parametrize("kind", ["customer", "project", "contact", "keypoint"])
@pytest.mark.parametrize("role", list(ARCHIVE_ANSWERS))
def test_who_archives_restores_and_deletes(client_for, users, deal, kind, role, lead):
    record = deal[kind]
    client = client_for(users[role])
    assert client.get(archive_url(kind, record)).status_code == {302: 200}.get(
        ARCHIVE_ANSWERS[role], ARCHIVE_ANSWERS[role]
    )
    assert client.post(archive_url(kind, record)).status_code == ARCHIVE_ANSWERS[role]
    assert archived_state(record) == [ARCHIVE_ANSWERS[role] == 302]

    if not archived_state(record)[0]:
        client_for(lead).post(archive_url(kind, record))
    client = client_for(users[role])
    assert client.post(restore_url(kind, record)).status_code == RESTORE_ANSWERS[role]
    assert archived_state(record) == [RESTORE_ANSWERS[role] != 302]

    if not archived_state(record)[0]:
        client_for(lead).post(archive_url(kind, record))
    client = client_for(users[role])
    assert client.post(delete_url(kind, record), {"confirm": "on"}).status_code == DELETE_ANSWERS[role]
    assert type(record).all_objects.filter(pk=record.pk).exists() == (DELETE_ANSWERS[role] != 302)


@pytest.mark.parametrize("role", list(LIST_ANSWERS))
def test_who_opens_the_archive_page(client_for, users, role):
    assert client_for(users[role]).get(reverse("archive:list")).status_code == LIST_ANSWERS[role]


@pytest.mark.parametrize("role,offered", [("admin", True), ("lead", True), ("rep", False), ("manager", False)])
def test_archive_actions_are_offered_to_those_who_archive(client_for, users, deal, role, offered):
    client = client_for(users[role])
    customer_page = client.get(reverse("customers:detail", args=[deal["customer"].pk])).content.decode()
    project_page = client.get(reverse("projects:detail", args=[deal["project"].pk])).content.decode()
    assert ('data-testid="archive-customer"' in customer_page) is offered
    assert ('data-testid="archive-project"' in project_page) is offered
    assert ('data-testid="archive-keypoint"' in project_page) is offered


def test_an_unknown_kind_is_not_found(client_for, lead, deal):
    assert client_for(lead).post(reverse("archive:archive", args=["handover", deal["customer"].pk])).status_code == 404


def test_notifications_about_an_archived_project_leave_with_it(client_for, lead, rep, deal):
    reminder_services.remind(reminder_services.stall_events(timezone.now()))
    client = client_for(rep)
    assert "产线改造项目" in client.get(reverse("notifications:list")).content.decode()

    keypoint_services.project_archive(project=deal["project"], actor=lead)

    page = client.get(reverse("notifications:list"))
    assert "产线改造项目" not in page.content.decode()
    assert page.context["unread_notifications"]() == 0


def test_a_contract_key_point_archived_and_restored_unsigns_and_signs_its_project_again(client_for, lead, rep):
    project = ProjectFactory(customer__owner=rep)
    contract = KeyPointFactory(
        project=project,
        stage=StageNumber.CONTRACT,
        contract_number="HT-2026-002",
        signed_amount=Decimal("480000"),
        signing_date=timezone.localdate(),
    )
    keypoint_services.keypoint_update(
        keypoint=contract, actor=rep, our_participants=[rep], customer_participants=[]
    )  # the service keeps the outcome: signed
    assert Project.objects.get(pk=project.pk).signed_amount == Decimal("480000")
    client = client_for(lead)

    client.post(archive_url("keypoint", contract))
    assert Project.objects.get(pk=project.pk).signed_amount is None  # no contract on record any more

    client.post(restore_url("keypoint", contract))
    assert Project.objects.get(pk=project.pk).signed_amount == Decimal("480000")


@pytest.mark.parametrize("role", ["admin", "lead", "manager", "rep", "other_rep"])
def test_the_scope_of_those_who_see_everything_is_still_every_live_customers_records(users, lead, deal, role):
    """Those who see every customer get every live project and key point without the customer join: that
    holds because archiving a customer or project archives what hangs off it."""
    other = ProjectFactory(customer=deal["customer"])
    KeyPointFactory(project=other)
    elsewhere = KeyPointFactory()
    keypoint_services.project_archive(project=other, actor=lead)
    keypoint_services.customer_archive(customer=elsewhere.project.customer, actor=lead)
    user = users[role]
    customers = visible_customers(user)
    assert set(visible_projects(user)) == set(Project.objects.filter(customer__in=customers))
    assert set(visible_keypoints(user)) == set(KeyPoint.objects.filter(project__customer__in=customers))


# Who restored, and what may not come back alone ---------------------------------------------------


def restored_history_users(record):
    return {
        row.history_user
        for row in type(record).history.filter(id=record.pk, history_change_reason=customer_services.RESTORED)
    }


def test_each_restore_records_who_restored_on_every_row_it_brings_back(lead, deal):
    # Called as a worker or a shell would (no request): the rows name the actor passed, nobody else.
    customer, project, keypoint = deal["customer"], deal["project"], deal["keypoint"]
    keypoint_services.customer_archive(customer=customer, actor=lead)
    keypoint_services.customer_restore(customer=customer, actor=lead)
    for record in (customer, deal["contact"], project, keypoint):
        assert restored_history_users(record) == {lead}, record

    keypoint_services.project_archive(project=project, actor=lead)
    keypoint_services.project_restore(project=project, actor=lead)
    assert type(project).history.filter(id=project.pk, history_change_reason=customer_services.RESTORED).count() == 2
    assert restored_history_users(project) == {lead} and restored_history_users(keypoint) == {lead}

    KeyPoint.history.filter(id=keypoint.pk, history_change_reason=customer_services.RESTORED).delete()
    keypoint_services.keypoint_archive(keypoint=keypoint, actor=lead)
    keypoint_services.keypoint_restore(keypoint=keypoint, actor=lead)
    assert restored_history_users(keypoint) == {lead}


def test_a_project_archived_alone_does_not_come_back_while_its_customer_is_archived(lead, deal):
    project = deal["project"]
    keypoint_services.project_archive(project=project, actor=lead)
    keypoint_services.customer_archive(customer=deal["customer"], actor=lead)
    with pytest.raises(ValidationError) as refused:
        keypoint_services.project_restore(project=project, actor=lead)
    assert refused.value.code == "parent_archived"
    assert archived_state(project, deal["keypoint"]) == [True, True]


def archive_marks(*records):
    rows = [type(record).all_objects.get(pk=record.pk) for record in records]
    return [(row.archived_by, row.archive_batch is not None) for row in rows], {row.archive_batch for row in rows}


def test_a_project_or_key_point_archived_alone_records_who_and_one_batch_that_restores_it(lead, deal):
    project, keypoint = deal["project"], deal["keypoint"]
    keypoint_services.project_archive(project=project, actor=lead)
    marks, batches = archive_marks(project, keypoint)
    assert marks == [(lead, True), (lead, True)] and len(batches) == 1
    keypoint_services.project_restore(project=project, actor=lead)
    assert archived_state(project, keypoint) == [False, False]

    keypoint_services.keypoint_archive(keypoint=keypoint, actor=lead)
    assert archive_marks(keypoint)[0] == [(lead, True)]
    keypoint_services.keypoint_restore(keypoint=keypoint, actor=lead)
    assert archived_state(keypoint) == [False]
