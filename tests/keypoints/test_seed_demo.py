"""`manage.py seed_demo` builds a demo where each role sees a different picture, and can run twice."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from customers.models import Contact, Customer, DecisionStep, Project
from customers.permissions import visible_customers

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo():
    call_command("seed_demo", verbosity=0)
    return {user.username: user for user in get_user_model().objects.all()}


def test_seed_demo_creates_the_five_logins(demo):
    assert set(demo) == {"admin", "lead", "rep1", "rep2", "manager"}
    assert all(user.check_password("salesrecord-demo") for user in demo.values())


def test_seed_demo_prints_the_logins(capsys):
    call_command("seed_demo")
    out = capsys.readouterr().out
    assert "salesrecord-demo" in out and "rep1" in out and "manager" in out


def test_seed_demo_is_safe_to_run_twice(demo):
    counts = [model.objects.count() for model in (Customer, Contact, Project, DecisionStep)]
    call_command("seed_demo", verbosity=0)
    assert [model.objects.count() for model in (Customer, Contact, Project, DecisionStep)] == counts


def test_each_role_sees_a_different_picture(demo):
    seen = {name: set(visible_customers(user)) for name, user in demo.items()}
    assert len(seen["rep1"]) >= 3 and len(seen["rep2"]) >= 3
    assert seen["rep1"] != seen["rep2"]
    assert seen["admin"] == seen["lead"] == seen["manager"] == set(Customer.objects.all())
    assert not any(c.owner == demo["rep2"] for c in seen["rep1"])


def test_demo_customers_pass_their_own_validation(demo):
    for customer in Customer.objects.all():
        customer.full_clean()
    for contact in Contact.objects.all():
        contact.full_clean()
