"""No lost updates: a form saved over a version someone else saved meanwhile is refused, names who
changed what, and keeps the person's input; saved again, it goes through."""

import contextlib
import os
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections
from django.urls import reverse

from customers import services, versions
from customers.models import Customer
from tests.test_post_matrix import POSTS, world  # noqa: F401 - world is a fixture

pytestmark = pytest.mark.django_db

# edit url → (the object it edits, the field a colleague changes meanwhile, their value, its label)
EDITS = {
    "customers:edit": ("customer", "tier", "strategic", "客户等级"),
    "customers:contact_edit": ("contact", "title", "总工程师", "职务"),
    "projects:edit": ("project", "pain_points", "交期太长", "痛点"),
    "projects:member_edit": ("member", "responsibility", "报价", "职责"),
    "projects:step_edit": ("step", "name", "总经理审批", "步骤"),
    "keypoints:edit": ("keypoint", "customer_feedback", "价格还需再谈", "客户反馈"),
}
PAYLOADS = {name: data for name, obj, setup, data in POSTS if name in EDITS}


def colleague_saves(obj, person, field, value):
    setattr(obj, field, value)
    obj._history_user = person
    obj.save()


@pytest.mark.parametrize("url_name", list(EDITS))
def test_saving_over_a_colleagues_change_is_refused_and_keeps_the_input(client_for, rep, lead, world, url_name):  # noqa: F811
    key, field, their_value, label = EDITS[url_name]
    obj = world[key]
    url = reverse(url_name, args=[obj.pk])
    client = client_for(rep)
    shown = client.get(url).context["form"]
    payload = {**PAYLOADS[url_name](world), "version": shown["version"].value()}

    colleague_saves(type(obj).objects.get(pk=obj.pk), lead, field, their_value)
    refused = client.post(url, payload)

    assert refused.status_code == 409
    message = " ".join(str(error) for error in refused.context["form"].non_field_errors())
    assert str(lead) in message and label in message
    obj.refresh_from_db()
    assert getattr(obj, field) == their_value  # nothing of the stale form was saved
    kept = refused.context["form"]
    for name, value in payload.items():
        if name != "version" and isinstance(value, str) and value:
            assert str(kept[name].value()) == value, name  # the person's input is still on the form
    # Saved again from the refused form (it now carries the current version), it goes through.
    assert kept["version"].value() == versions.version_of(obj)
    again = client.post(url, {**payload, "version": kept["version"].value()})
    assert again.status_code in (302, 200) and again.status_code != 409
    assert versions.version_of(obj) > kept["version"].value()


@pytest.mark.parametrize("url_name", list(EDITS))
def test_a_form_without_a_newer_change_saves(client_for, rep, world, url_name):  # noqa: F811
    key = EDITS[url_name][0]
    url = reverse(url_name, args=[world[key].pk])
    client = client_for(rep)
    shown = client.get(url).context["form"]

    response = client.post(url, {**PAYLOADS[url_name](world), "version": shown["version"].value()})

    assert response.status_code in (200, 302) and response.status_code != 409
    assert not (response.status_code == 200 and response.context["form"].errors)


@pytest.mark.skipif(
    connection.vendor != "postgresql" and not os.environ.get("CI"),
    reason="a race needs a real database server: run with DATABASE_URL=postgres://...",
)
@pytest.mark.django_db(transaction=True)
def test_two_people_saving_one_version_at_once_one_is_refused(rep, lead, rep_customer, monkeypatch):
    seen = versions.version_of(rep_customer)
    barrier = threading.Barrier(2)
    outcomes = []
    # Each waits, once it has checked the version, until the other has checked too (or for a second,
    # when the other cannot check because it waits for the row lock): without the lock both would
    # pass the check before either saved.
    after_check = threading.Barrier(2, timeout=1.5)
    check = versions.lock_unchanged

    def check_then_wait(instance, seen):
        check(instance, seen)
        with contextlib.suppress(threading.BrokenBarrierError):
            after_check.wait()

    monkeypatch.setattr(versions, "lock_unchanged", check_then_wait)

    def save(person, tier):
        try:
            customer = Customer.objects.get(pk=rep_customer.pk)
            customer.tier = tier
            barrier.wait()
            services.customer_update(customer=customer, actor=person, seen=seen)
            outcomes.append("saved")
        except ValidationError as error:
            outcomes.append(error.code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=save, args=args) for args in ((rep, "key"), (lead, "strategic"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["saved", "stale"]
    assert Customer.history.filter(id=rep_customer.pk).count() == 2  # created, then the one change
