import os
import uuid

import pytest
from django.utils import translation
from hypothesis import HealthCheck, settings

from accounts.models import Role

from .factories import CustomerFactory, UserFactory

# Property tests run the same few examples every time: a failure is reproducible, and the bad-input
# sweep stays within a minute on two cores. HYPOTHESIS_PROFILE=deep explores more, locally.
settings.register_profile(
    "ci",
    derandomize=True,
    database=None,
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "deep",
    parent=settings.get_profile("ci"),
    derandomize=False,
    max_examples=200,
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


FAST_PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = FAST_PASSWORD_HASHERS


@pytest.fixture(autouse=True)
def cache_of_its_own(settings):
    """Each test starts with an empty cache, under a key prefix of its own: Redis would otherwise keep
    counts (the duplicate check's limit) from test to test, run to run and worker to worker."""
    prefix = f"test-{uuid.uuid4().hex}"
    settings.CACHES = {name: {**config, "KEY_PREFIX": prefix} for name, config in settings.CACHES.items()}


@pytest.fixture
def english():
    """What a person reading English sees (the default language is Chinese): a refusal's exact wording."""
    with translation.override("en"):
        yield


@pytest.fixture
def admin(db):
    return UserFactory(username="admin1", role=Role.ADMIN, is_staff=True, is_superuser=True)


@pytest.fixture
def lead(db):
    return UserFactory(username="lead1", role=Role.LEAD)


@pytest.fixture
def rep(db):
    return UserFactory(username="rep1", role=Role.REP)


@pytest.fixture
def other_rep(db):
    return UserFactory(username="rep2", role=Role.REP)


@pytest.fixture
def manager(db):
    return UserFactory(username="manager1", role=Role.MANAGER)


@pytest.fixture
def users(admin, lead, rep, other_rep, manager):
    return {"admin": admin, "lead": lead, "rep": rep, "other_rep": other_rep, "manager": manager}


@pytest.fixture
def rep_customer(rep):
    return CustomerFactory(owner=rep, legal_name="甲方客户有限公司")


@pytest.fixture
def other_customer(other_rep):
    return CustomerFactory(owner=other_rep, legal_name="乙方客户有限公司")


@pytest.fixture
def client_for(client):
    """A test client logged in as the given user."""

    def login(user):
        client.force_login(user)
        return client

    return login
