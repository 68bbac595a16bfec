import pytest

from tests.factories import ContactFactory, ProjectFactory


@pytest.fixture
def project(rep_customer, rep):
    ContactFactory(customer=rep_customer, name="李工")
    return ProjectFactory(customer=rep_customer, owner=rep)


@pytest.fixture
def other_project(other_customer, other_rep):
    ContactFactory(customer=other_customer, name="王总")
    return ProjectFactory(customer=other_customer, owner=other_rep)
