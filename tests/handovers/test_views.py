"""Handing customers over, one or all of a person's."""

import pytest
from django.urls import reverse

from customers.models import Customer
from tests.factories import CustomerFactory, ProjectFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_lead_reassigns_one_customer(client_for, lead, rep_customer, other_rep):
    response = client_for(lead).post(reverse("handovers:customer", args=[rep_customer.pk]), {"new_owner": other_rep.pk})
    assert response.status_code == 302
    rep_customer.refresh_from_db()
    assert rep_customer.owner == other_rep


def test_reassign_to_nobody_is_a_400_and_keeps_the_owner(client_for, admin, rep_customer, rep):
    response = client_for(admin).post(reverse("handovers:customer", args=[rep_customer.pk]), {"new_owner": "nobody"})
    assert response.status_code == 400
    rep_customer.refresh_from_db()
    assert rep_customer.owner == rep


def test_rep_cannot_reassign_even_their_own_customer(client_for, rep, rep_customer, other_rep):
    response = client_for(rep).post(reverse("handovers:customer", args=[rep_customer.pk]), {"new_owner": other_rep.pk})
    assert response.status_code == 403
    rep_customer.refresh_from_db()
    assert rep_customer.owner == rep


@pytest.mark.parametrize("role", ["admin", "lead"])
def test_bulk_reassign_moves_every_customer_and_project_of_a_leaving_rep(client_for, users, rep, other_rep, role):
    mine = CustomerFactory.create_batch(3, owner=rep)
    kept = CustomerFactory(owner=other_rep)
    deal = ProjectFactory(customer=mine[0], owner=rep)
    newcomer = UserFactory(username="newcomer")
    response = client_for(users[role]).post(
        reverse("handovers:bulk"), {"from_user": rep.pk, "to_user": newcomer.pk, "include_projects": "on"}
    )
    assert response.status_code == 302
    assert set(Customer.objects.filter(owner=newcomer)) == set(mine)
    assert Customer.objects.get(pk=kept.pk).owner == other_rep
    deal.refresh_from_db()
    assert deal.owner == newcomer


def test_bulk_reassign_can_leave_projects_with_their_owner(client_for, lead, rep, other_rep):
    customer = CustomerFactory(owner=rep)
    deal = ProjectFactory(customer=customer, owner=rep)
    client_for(lead).post(reverse("handovers:bulk"), {"from_user": rep.pk, "to_user": other_rep.pk})
    deal.refresh_from_db()
    assert Customer.objects.get(pk=customer.pk).owner == other_rep
    assert deal.owner == rep


def test_bulk_reassign_to_the_same_person_is_refused(client_for, lead, rep):
    CustomerFactory(owner=rep)
    response = client_for(lead).post(reverse("handovers:bulk"), {"from_user": rep.pk, "to_user": rep.pk})
    assert response.status_code == 400
    assert response.context["form"].has_error("to_user")


@pytest.mark.parametrize("role", ["rep", "manager"])
def test_bulk_reassign_is_refused_to_rep_and_manager(client_for, users, rep, other_rep, role):
    CustomerFactory(owner=rep)
    response = client_for(users[role]).post(reverse("handovers:bulk"), {"from_user": rep.pk, "to_user": other_rep.pk})
    assert response.status_code == 403
    assert not Customer.objects.filter(owner=other_rep).exists()
