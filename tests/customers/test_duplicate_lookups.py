"""The duplicate-customer check names the owner of any customer, so a rep's lookups are limited per
window, and each answer about a customer outside their scope is kept for the audit log."""

import datetime
from concurrent.futures import ThreadPoolExecutor

import pytest
import time_machine
from django.forms.forms import NON_FIELD_ERRORS
from django.urls import reverse

from customers import duplicates
from customers import forms as customer_forms
from customers.models import Customer, DuplicateLookup
from tests.factories import CustomerFactory, ProjectFactory, ProjectMemberFactory, valid_credit_code

pytestmark = pytest.mark.django_db

# Ten minutes into an hour-long window (windows are aligned on the epoch).
TEN_PAST = datetime.datetime(2026, 3, 2, 9, 10, tzinfo=datetime.UTC)


def customer_data(**overrides):
    data = {"legal_name": "上海新客户有限公司", "credit_code": "", "industry": "manufacturing", "tier": "normal"}
    data.update(overrides)
    return data


def create(client, **overrides):
    return client.post(reverse("customers:create"), customer_data(**overrides), HTTP_ACCEPT_LANGUAGE="en")


@pytest.fixture
def limit(settings):
    """A small limit, per hour."""
    settings.DUPLICATE_CHECK_LIMIT = 3
    settings.DUPLICATE_CHECK_WINDOW_MINUTES = 60
    return settings.DUPLICATE_CHECK_LIMIT


def use_up(client, limit):
    for index in range(limit):
        response = create(client, legal_name=f"新客户{index}有限公司")
        assert response.status_code == 302, response.status_code


# The audit entry


def test_a_rep_told_of_another_reps_customer_leaves_an_entry_naming_it(client_for, rep, other_rep, other_customer):
    response = create(client_for(rep), legal_name=f"  {other_customer.legal_name} ")

    assert response.status_code == 400
    page = response.content.decode()
    assert other_customer.legal_name in page and str(other_rep) in page
    entry = DuplicateLookup.objects.get()
    assert entry.user == rep
    assert (entry.legal_name, entry.credit_code) == (other_customer.legal_name, "")
    assert entry.customer == other_customer and entry.customer_name == other_customer.legal_name
    assert entry.owner == other_rep
    assert entry.asked_at is not None


def test_a_credit_code_lookup_keeps_the_code_asked(client_for, rep, other_customer):
    response = create(client_for(rep), credit_code=other_customer.credit_code.lower())

    assert response.status_code == 400
    entry = DuplicateLookup.objects.get()
    assert (entry.user, entry.customer, entry.legal_name) == (rep, other_customer, "")
    assert entry.credit_code == other_customer.credit_code


def test_renaming_onto_another_reps_customer_leaves_an_entry(client_for, rep, rep_customer, other_customer):
    response = client_for(rep).post(
        reverse("customers:edit", args=[rep_customer.pk]), customer_data(legal_name=other_customer.legal_name)
    )

    assert response.status_code == 400
    assert response.context["form"].has_error("legal_name", "duplicate")
    assert DuplicateLookup.objects.get().customer == other_customer


def test_a_rep_told_of_their_own_customer_leaves_no_entry(client_for, rep, rep_customer):
    response = create(client_for(rep), legal_name=rep_customer.legal_name, credit_code=rep_customer.credit_code)

    assert response.status_code == 400
    assert response.context["form"].has_error("legal_name", "duplicate")
    assert not DuplicateLookup.objects.exists()


def test_a_customer_seen_through_a_deal_team_leaves_no_entry(client_for, rep, other_rep, other_customer):
    ProjectMemberFactory(project=ProjectFactory(customer=other_customer, owner=other_rep), user=rep)

    response = create(client_for(rep), legal_name=other_customer.legal_name)

    assert response.status_code == 400
    assert not DuplicateLookup.objects.exists()


@pytest.mark.parametrize("role", ["admin", "lead"])
def test_those_who_see_every_customer_leave_no_entry(client_for, users, role, other_customer):
    response = create(client_for(users[role]), legal_name=other_customer.legal_name, owner=users["rep"].pk)

    assert response.status_code == 400
    assert not DuplicateLookup.objects.exists()


def test_a_duplicate_met_only_at_saving_is_kept_too(client_for, rep, other_customer, monkeypatch):
    # Someone else saved the name between the form's check and the save.
    monkeypatch.setattr(customer_forms, "find_duplicate_customer", lambda **lookup: None)

    response = create(client_for(rep), legal_name=other_customer.legal_name)

    assert response.status_code == 400
    assert str(other_customer.owner) in response.content.decode()
    entry = DuplicateLookup.objects.get()
    assert (entry.user, entry.customer, entry.legal_name) == (rep, other_customer, other_customer.legal_name)


def test_the_entry_outlives_the_customer_it_named(client_for, rep, other_customer):
    create(client_for(rep), legal_name=other_customer.legal_name)
    name = other_customer.legal_name

    other_customer.delete()

    entry = DuplicateLookup.objects.get()
    assert entry.customer is None and entry.customer_name == name


# The limit


def test_past_the_limit_the_check_is_refused_with_429_and_nothing_saved(client_for, rep, other_customer, limit):
    client = client_for(rep)
    with time_machine.travel(TEN_PAST, tick=False):
        use_up(client, limit)
        response = create(client, legal_name=other_customer.legal_name)

    assert response.status_code == 429
    form = response.context["form"]
    assert form.has_error(NON_FIELD_ERRORS, "throttled")
    page = response.content.decode()
    assert "Too many customer lookups for now: try again in 50 minutes." in page
    # Nothing looked up, so nothing said about the customer, nothing kept, nothing saved; the input stays.
    assert str(other_customer.owner) not in page
    assert not DuplicateLookup.objects.exists()
    assert Customer.objects.count() == 1 + limit
    assert form["legal_name"].value() == other_customer.legal_name


def test_the_refusal_is_in_the_users_language(client_for, rep, limit):
    client = client_for(rep)
    use_up(client, limit)

    response = client.post(reverse("customers:create"), customer_data(legal_name="又一家有限公司"))

    assert response.status_code == 429
    assert "客户查重次数过多" in response.content.decode()


def test_an_edit_past_the_limit_is_refused_and_changes_nothing(client_for, rep, rep_customer, limit):
    client = client_for(rep)
    use_up(client, limit)

    response = client.post(
        reverse("customers:edit", args=[rep_customer.pk]), customer_data(legal_name="改了名的客户有限公司")
    )

    assert response.status_code == 429
    rep_customer.refresh_from_db()
    assert rep_customer.legal_name == "甲方客户有限公司"


def test_a_submission_with_a_name_and_a_code_counts_once(client_for, rep, settings):
    settings.DUPLICATE_CHECK_LIMIT = 1
    client = client_for(rep)

    first = create(client, legal_name="新客户有限公司", credit_code=valid_credit_code(999))
    second = create(client, legal_name="另一家有限公司")

    assert first.status_code == 302
    assert second.status_code == 429


def test_an_edit_that_keeps_the_name_and_code_looks_nothing_up(client_for, rep, rep_customer, settings):
    settings.DUPLICATE_CHECK_LIMIT = 1
    client = client_for(rep)
    url = reverse("customers:edit", args=[rep_customer.pk])
    same = {"legal_name": rep_customer.legal_name, "credit_code": rep_customer.credit_code}

    responses = [client.post(url, customer_data(**same, tier=tier)) for tier in ("key", "strategic", "normal")]

    assert [response.status_code for response in responses] == [302, 302, 302]
    assert create(client).status_code == 302


def test_the_limit_is_per_person(client_for, rep, other_rep, limit):
    use_up(client_for(rep), limit)
    assert create(client_for(rep), legal_name="还想查一家有限公司").status_code == 429

    response = create(client_for(other_rep), legal_name="另一位代表的客户有限公司")

    assert response.status_code == 302


def test_the_limit_starts_again_with_the_next_window(client_for, rep, limit):
    client = client_for(rep)
    with time_machine.travel(TEN_PAST, tick=False):
        use_up(client, limit)
        assert create(client, legal_name="第四家有限公司").status_code == 429
    with time_machine.travel(TEN_PAST + datetime.timedelta(minutes=49), tick=False):
        assert create(client, legal_name="第四家有限公司").status_code == 429
    with time_machine.travel(TEN_PAST + datetime.timedelta(minutes=50), tick=False):
        response = create(client, legal_name="第四家有限公司")

    assert response.status_code == 302


def test_the_wait_is_counted_in_whole_minutes_to_the_windows_end(client_for, rep, limit):
    client = client_for(rep)
    with time_machine.travel(TEN_PAST, tick=False):
        use_up(client, limit)
    with time_machine.travel(TEN_PAST + datetime.timedelta(minutes=49, seconds=30), tick=False):
        response = create(client, legal_name="第四家有限公司")

    assert "try again in 1 minute." in response.content.decode()


@pytest.mark.parametrize("role", ["admin", "lead"])
def test_those_who_see_every_customer_are_not_limited(client_for, users, role, limit):
    client = client_for(users[role])
    for index in range(limit + 2):
        response = create(client, legal_name=f"新客户{index}有限公司", owner=users["rep"].pk)
        assert response.status_code == 302


def test_a_manager_cannot_create_customers_and_so_is_never_counted(client_for, manager, other_customer, settings):
    settings.DUPLICATE_CHECK_LIMIT = 1
    client = client_for(manager)

    responses = [create(client, legal_name=other_customer.legal_name) for _ in range(3)]

    assert [response.status_code for response in responses] == [403, 403, 403]
    assert not DuplicateLookup.objects.exists()


def test_a_limit_of_zero_turns_the_limit_off(client_for, rep, settings):
    settings.DUPLICATE_CHECK_LIMIT = 0
    client = client_for(rep)
    for index in range(5):
        assert create(client, legal_name=f"新客户{index}有限公司").status_code == 302


def test_answers_about_others_customers_count_against_the_limit(client_for, rep, limit):
    client = client_for(rep)
    others = CustomerFactory.create_batch(limit + 1)

    responses = [create(client, legal_name=customer.legal_name) for customer in others]

    assert [response.status_code for response in responses] == [400] * limit + [429]
    assert DuplicateLookup.objects.count() == limit


def test_lookups_at_the_same_moment_each_take_their_own_count(rep, limit):
    # add() and incr() are atomic in the cache (Redis in CI), so no two threads read the same count.
    def ask(_):
        try:
            duplicates.count_lookup(rep)
        except duplicates.TooManyLookups:
            return False
        return True

    with ThreadPoolExecutor(max_workers=8) as pool:
        answered = list(pool.map(ask, range(4 * limit)))

    assert answered.count(True) == limit
