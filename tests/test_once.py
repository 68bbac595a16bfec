"""A create form sent twice (a double click, a resend) creates one record, and the second answer is the
first's; two submits of one form at the same moment on real PostgreSQL end with one record too."""

import contextlib
import datetime
import os
import re
import threading
import uuid

import pytest
from django.contrib.messages import INFO, get_messages
from django.db import connection, connections
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from customers.models import Contact, Customer, DecisionStep, Project, ProjectMember
from keypoints.models import KeyPoint
from reminders.models import ChatWebhook
from salesrecord import once
from salesrecord.models import FormToken
from tests.factories import UserFactory
from tests.test_post_matrix import customer_data, keypoint_data, project_data, world  # noqa: F401 - a fixture

pytestmark = pytest.mark.django_db

PASSWORD = "a-Long-first-password-9"


def account_data(w):
    return {
        "username": "newcomer",
        "display_name": "新同事",
        "email": "newcomer@example.com",
        "role": "rep",
        "password1": PASSWORD,
        "password2": PASSWORD,
    }


def webhook_data(w):
    return {"name": "华东销售群", "platform": "wecom", "url": "https://qyapi.example.com/send", "is_active": "on"}


def consultant(w):
    return {"user": UserFactory(username="consultant").pk, "role": "pre_sales", "responsibility": "技术交流"}


# url name → (the object its URL takes, the model it creates, a valid submission, the token's field)
CREATES = {
    "customers:create": (None, Customer, customer_data, once.FIELD),
    "customers:contact_create": (
        "customer",
        Contact,
        lambda w: {"name": "王总", "decision_role": "decision_maker", "stance": "neutral"},
        once.FIELD,
    ),
    "projects:create": ("customer", Project, project_data, once.FIELD),
    "projects:member_create": ("project", ProjectMember, consultant, once.FIELD),
    "projects:step_create": ("project", DecisionStep, lambda w: {"position": "2", "name": "财务审核"}, once.FIELD),
    "projects:keypoint_create": ("project", KeyPoint, keypoint_data, "client_token"),
    "accounts:user_create": (None, User, account_data, once.FIELD),
    "reminders:webhook_create": (None, ChatWebhook, webhook_data, once.FIELD),
}


def create_url(w, url_name):
    key = CREATES[url_name][0]
    return reverse(url_name, args=[w[key].pk] if key else [])


def rendered_token(client, url, field, page=None):
    """The token the form page renders (the key point's form sits on the project page, opened)."""
    html = client.get(page or url).content.decode()
    found = re.search(rf'name="{field}" value="([0-9a-f-]{{36}})"', html)
    assert found, f"no {field} on {page or url}"
    return found.group(1)


def token_page(w, url_name):
    if url_name == "projects:keypoint_create":
        return reverse("projects:detail", args=[w["project"].pk]) + "?log=1"
    return None


@pytest.mark.parametrize("url_name", list(CREATES))
def test_a_create_form_sent_twice_creates_one_record_and_answers_the_same(client_for, admin, world, url_name):  # noqa: F811
    _key, model, data, field = CREATES[url_name]
    url = create_url(world, url_name)
    client = client_for(admin)
    payload = {**data(world), field: rendered_token(client, url, field, token_page(world, url_name))}
    before = model.objects.count()

    first = client.post(url, payload)
    second = client.post(url, payload)

    assert first.status_code == 302, first.content.decode()[-2000:]
    assert second.status_code == 302 and second["Location"] == first["Location"]
    assert model.objects.count() == before + 1


@pytest.mark.parametrize("url_name", [name for name, spec in CREATES.items() if spec[3] == once.FIELD])
def test_the_second_answer_says_the_form_was_already_saved(client_for, admin, world, url_name):  # noqa: F811
    _key, _model, data, field = CREATES[url_name]
    url = create_url(world, url_name)
    client = client_for(admin)
    payload = {**data(world), field: rendered_token(client, url, field)}
    client.post(url, payload)
    list(get_messages(client.get(url).wsgi_request))  # the first answer's message, shown and gone

    second = client.post(url, payload)

    assert [message.level for message in get_messages(second.wsgi_request)] == [INFO]


@pytest.mark.parametrize("url_name", [name for name, spec in CREATES.items() if spec[3] == once.FIELD])
def test_a_form_without_a_token_still_creates(client_for, admin, world, url_name):  # noqa: F811
    _key, model, data, _field = CREATES[url_name]
    before = model.objects.count()
    response = client_for(admin).post(create_url(world, url_name), data(world))
    assert response.status_code == 302
    assert model.objects.count() == before + 1
    assert not FormToken.objects.exists()


def test_each_rendering_of_a_create_form_gets_its_own_token(client_for, rep, world):  # noqa: F811
    client = client_for(rep)
    url = create_url(world, "customers:contact_create")
    assert rendered_token(client, url, once.FIELD) != rendered_token(client, url, once.FIELD)


def test_an_edit_form_carries_no_token(client_for, rep, world):  # noqa: F811
    html = client_for(rep).get(reverse("customers:contact_edit", args=[world["contact"].pk])).content.decode()
    assert once.FIELD not in html


def test_a_form_with_errors_keeps_its_token_and_saves_once_when_corrected(client_for, rep, world):  # noqa: F811
    client = client_for(rep)
    url = create_url(world, "customers:contact_create")
    token = rendered_token(client, url, once.FIELD)
    bad = client.post(url, {"name": "", "decision_role": "decision_maker", "stance": "neutral", once.FIELD: token})
    assert bad.status_code == 400
    assert bad.context["form"][once.FIELD].value() == token
    good = {"name": "王总", "decision_role": "decision_maker", "stance": "neutral", once.FIELD: token}
    assert client.post(url, good).status_code == client.post(url, good).status_code == 302
    assert list(world["customer"].contacts.values_list("name", flat=True).order_by("name")) == ["李工", "王总"]


@pytest.mark.parametrize("elsewhere", ["another customer", "another person"])
def test_a_token_used_elsewhere_is_refused_keeping_the_input(client_for, rep, lead, world, elsewhere):  # noqa: F811
    data = {"name": "王总", "decision_role": "decision_maker", "stance": "neutral"}
    client = client_for(lead)
    token = rendered_token(client, create_url(world, "customers:contact_create"), once.FIELD)
    if elsewhere == "another customer":
        other = Customer.objects.create(legal_name="丙方客户有限公司", owner=rep, industry="manufacturing")
        assert (
            client.post(reverse("customers:contact_create", args=[other.pk]), {**data, once.FIELD: token}).status_code
            == 302
        )
    else:
        assert (
            client.post(create_url(world, "customers:contact_create"), {**data, once.FIELD: token}).status_code == 302
        )
        client = client_for(rep)
    before = Contact.objects.count()

    refused = client.post(create_url(world, "customers:contact_create"), {**data, "title": "总经理", once.FIELD: token})

    assert refused.status_code == 400
    form = refused.context["form"]
    assert form.non_field_errors() and form["title"].value() == "总经理"
    assert Contact.objects.count() == before
    fresh = form[once.FIELD].value()
    assert fresh and fresh != token
    # Sent again as it came back, it saves once.
    again = {**data, "title": "总经理", once.FIELD: fresh}
    assert client.post(create_url(world, "customers:contact_create"), again).status_code == 302
    assert Contact.objects.count() == before + 1


def test_a_garbled_token_is_a_form_error_not_a_500(client_for, rep, world):  # noqa: F811
    data = {"name": "王总", "decision_role": "decision_maker", "stance": "neutral", once.FIELD: "not-a-token"}
    response = client_for(rep).post(create_url(world, "customers:contact_create"), data)
    assert response.status_code == 400
    assert not world["customer"].contacts.filter(name="王总").exists()


def test_tokens_older_than_a_week_are_forgotten(client_for, rep, world):  # noqa: F811
    client = client_for(rep)
    url = create_url(world, "customers:contact_create")
    for name in ("王总", "赵工"):
        data = {
            "name": name,
            "decision_role": "user",
            "stance": "neutral",
            once.FIELD: rendered_token(client, url, once.FIELD),
        }
        client.post(url, data)
    FormToken.objects.filter(pk=FormToken.objects.order_by("created_at").first().pk).update(
        created_at=timezone.now() - once.KEEP - datetime.timedelta(minutes=1)
    )
    assert once.prune() == 1
    assert FormToken.objects.count() == 1


# Two submits of one form at the same moment -----------------------------------------------------------

needs_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql" and not os.environ.get("CI"),
    reason="a race needs a real database server: run with DATABASE_URL=postgres://...",
)


def post_at_once(user, url, payload, monkeypatch, *, record=None):
    """The same submission twice, each from its own client, thread and connection. Each waits, once it
    has created its record and before it records the token, until the other has too (or for a second
    and a half, when the other is held by a unique key): so both have passed the check for an earlier
    submit before either records its token."""
    after_create = threading.Barrier(2, timeout=1.5)
    record = record or once._record

    def create_then_wait(request, token, created):
        with contextlib.suppress(threading.BrokenBarrierError):
            after_create.wait()
        record(request, token, created)

    monkeypatch.setattr(once, "_record", create_then_wait)
    start = threading.Barrier(2)
    answers = []

    def send():
        try:
            client = Client()
            client.force_login(user)
            start.wait(timeout=10)
            response = client.post(url, payload)
            answers.append((response.status_code, response.get("Location")))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return answers


@needs_postgresql
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("url_name", ["customers:contact_create", "projects:member_create", "customers:create"])
def test_one_form_sent_twice_at_once_creates_one_record(admin, world, monkeypatch, url_name):  # noqa: F811
    _key, model, data, field = CREATES[url_name]
    before = model.objects.count()
    payload = {**data(world), field: str(uuid.uuid4())}

    answers = post_at_once(admin, create_url(world, url_name), payload, monkeypatch)

    assert len(answers) == 2 and answers[0] == answers[1] and answers[0][0] == 302, answers
    assert model.objects.count() == before + 1
    assert FormToken.objects.count() == 1


@needs_postgresql
@pytest.mark.django_db(transaction=True)
def test_without_the_tokens_key_the_same_race_would_create_two(admin, world, monkeypatch):  # noqa: F811
    """The control of the test above: with the token left unrecorded (no key to meet), both submits of
    the form pass the check and both create. So the race above does overlap, and the key is what holds."""
    before = Contact.objects.count()
    payload = {"name": "王总", "decision_role": "decision_maker", "stance": "neutral", once.FIELD: str(uuid.uuid4())}

    answers = post_at_once(
        admin, create_url(world, "customers:contact_create"), payload, monkeypatch, record=lambda *args: None
    )

    assert [status for status, _location in answers] == [302, 302]
    assert Contact.objects.count() == before + 2
