"""The browser tests' demo, seeded once and written back per test (tests/snapshot.py): what is written
back is what was seeded, row for row, and it behaves as seeded data does."""

import io

import pytest
from django.core.management import call_command
from django.db.models import F

from accounts.models import User
from customers.models import Customer, Project
from keypoints.models import KeyPoint
from tests import snapshot
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db(transaction=True)


def seed():
    call_command("seed_demo", stdout=io.StringIO())


def test_the_rows_taken_are_not_kept_and_come_back_row_for_row():
    rows = snapshot.taken(seed)
    assert not Customer.objects.exists()  # rolled back: the worker's other tests see an empty database
    assert {"customers_customer", "keypoints_keypoint", "accounts_user"} <= rows.keys()

    CustomerFactory(legal_name="测试删除的客户有限公司")  # left over from an earlier test: gone after restoring
    snapshot.restore(rows)
    assert snapshot.read() == rows
    # Rows updated to the same values (as a trigger does while rows are written back) read the same,
    # wherever their table now stores them.
    for project in Project.objects.order_by("-pk"):
        Project.objects.filter(pk=project.pk).update(name=F("name"))
    assert snapshot.read() == rows
    assert not Customer.objects.filter(legal_name="测试删除的客户有限公司").exists()
    assert User.objects.filter(username="rep1").exists()
    assert KeyPoint.objects.exists() and Project.objects.exists()


def test_rows_written_back_take_new_ids_after_their_own():
    rows = snapshot.taken(seed)
    snapshot.restore(rows)
    newest = Customer.objects.order_by("-pk").first().pk
    assert CustomerFactory().pk > newest
    snapshot.restore(rows)  # twice in a row, as one test after another
    assert CustomerFactory().pk > newest
    assert snapshot.read().keys() >= rows.keys()
