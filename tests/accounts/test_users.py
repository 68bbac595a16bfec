"""An admin runs the team's accounts in the app: creates people, sets roles, resets passwords,
deactivates and reactivates; nobody else may."""

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import Role, User
from tests.factories import PASSWORD, CustomerFactory, UserFactory

pytestmark = pytest.mark.django_db

STRONG = "Qiantang-river-2026"


def new_account(**overrides):
    data = {
        "username": "wangfang",
        "display_name": "王芳",
        "email": "wangfang@example.com",
        "role": Role.REP,
        "password1": STRONG,
        "password2": STRONG,
    }
    return {**data, **overrides}


def pages(person):
    return [
        reverse("accounts:users"),
        reverse("accounts:user_create"),
        reverse("accounts:user_edit", args=[person.pk]),
        reverse("accounts:user_password", args=[person.pk]),
        reverse("accounts:user_deactivate", args=[person.pk]),
    ]


def test_admin_opens_every_account_page(client_for, admin, rep):
    client = client_for(admin)
    for url in pages(rep):
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize("role", ["lead", "rep", "manager"])
def test_only_an_admin_runs_accounts(client_for, users, role):
    client = client_for(users[role])
    target = users["other_rep"]
    for url in pages(target):
        assert client.get(url).status_code == 403, url
    posts = {
        reverse("accounts:user_create"): new_account(),
        reverse("accounts:user_edit", args=[target.pk]): {"display_name": "x", "email": "", "role": Role.ADMIN},
        reverse("accounts:user_password", args=[target.pk]): {"new_password1": STRONG, "new_password2": STRONG},
        reverse("accounts:user_deactivate", args=[target.pk]): {},
        reverse("accounts:user_reactivate", args=[target.pk]): {},
        reverse("accounts:user_unlock", args=[target.pk]): {},
    }
    for url, data in posts.items():
        assert client.post(url, data).status_code == 403, url
    target.refresh_from_db()
    assert (target.role, target.is_active, target.check_password(PASSWORD)) == (Role.REP, True, True)
    assert not User.objects.filter(username="wangfang").exists()


def test_the_menu_offers_accounts_to_an_admin_only(client_for, admin, lead):
    url = reverse("accounts:users")
    assert url in client_for(admin).get(reverse("customers:list")).content.decode()
    assert url not in client_for(lead).get(reverse("customers:list")).content.decode()


def test_admin_creates_a_colleague_who_then_logs_in(client_for, admin, client):
    response = client_for(admin).post(reverse("accounts:user_create"), new_account(role=Role.LEAD))

    person = User.objects.get(username="wangfang")
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:user_edit", args=[person.pk])
    assert (person.display_name, person.role, person.is_active) == ("王芳", Role.LEAD, True)
    client.logout()
    login = client.post(reverse("accounts:login"), {"username": "wangfang", "password": STRONG})
    assert login.status_code == 302


@pytest.mark.parametrize(
    ("password", "message"),
    [("12345678", "This password is too common."), ("wangfang1", "similar"), ("short", "too short")],
)
def test_a_weak_first_password_is_refused_and_nothing_is_created(client_for, admin, password, message, settings):
    settings.LANGUAGE_CODE = "en"
    client = client_for(admin)
    response = client.post(
        reverse("accounts:user_create"), new_account(password1=password, password2=password), HTTP_ACCEPT_LANGUAGE="en"
    )

    assert response.status_code == 400
    assert message in response.content.decode()
    assert 'value="王芳"' in response.content.decode()  # what they typed stays
    assert not User.objects.filter(username="wangfang").exists()


def test_sending_the_new_account_twice_creates_one(client_for, admin):
    client = client_for(admin)
    client.post(reverse("accounts:user_create"), new_account())
    second = client.post(reverse("accounts:user_create"), new_account())

    assert second.status_code == 400
    assert User.objects.filter(username="wangfang").count() == 1


def test_admin_changes_a_role(client_for, admin, rep):
    data = {"display_name": "张伟", "email": "zw@example.com", "role": Role.LEAD}
    response = client_for(admin).post(reverse("accounts:user_edit", args=[rep.pk]), data)

    assert response.status_code == 302
    rep.refresh_from_db()
    assert (rep.display_name, rep.email, rep.role) == ("张伟", "zw@example.com", Role.LEAD)


def test_the_last_admin_keeps_the_admin_role(client_for, admin):
    data = {"display_name": "管理员", "email": "", "role": Role.REP}
    response = client_for(admin).post(reverse("accounts:user_edit", args=[admin.pk]), data)

    assert response.status_code == 400
    admin.refresh_from_db()
    assert admin.role == Role.ADMIN
    assert response.context["form"].non_field_errors()


def test_an_admin_steps_down_once_another_admin_exists(client_for, admin):
    UserFactory(username="admin2", role=Role.ADMIN)
    data = {"display_name": "管理员", "email": "", "role": Role.LEAD}
    assert client_for(admin).post(reverse("accounts:user_edit", args=[admin.pk]), data).status_code == 302
    admin.refresh_from_db()
    assert admin.role == Role.LEAD


def test_a_new_password_ends_the_persons_open_sessions(client_for, admin, rep, client):
    rep_client = Client()
    rep_client.force_login(rep)
    assert rep_client.get(reverse("customers:list")).status_code == 200

    data = {"new_password1": STRONG, "new_password2": STRONG}
    response = client_for(admin).post(reverse("accounts:user_password", args=[rep.pk]), data)

    assert response.status_code == 302
    after = rep_client.get(reverse("customers:list"))
    assert after.status_code == 302 and after["Location"].startswith(reverse("accounts:login"))
    rep.refresh_from_db()
    assert rep.check_password(STRONG)


def test_a_mismatched_new_password_is_refused(client_for, admin, rep):
    data = {"new_password1": STRONG, "new_password2": STRONG + "x"}
    response = client_for(admin).post(reverse("accounts:user_password", args=[rep.pk]), data)

    assert response.status_code == 400
    rep.refresh_from_db()
    assert rep.check_password(PASSWORD)


def test_deactivating_ends_access_at_once_and_leads_to_what_they_held(client_for, admin, rep):
    CustomerFactory(owner=rep, legal_name="宁波港联物流有限公司")
    rep_client = Client()
    rep_client.force_login(rep)
    assert rep_client.get(reverse("customers:list")).status_code == 200

    admin_client = client_for(admin)
    asked = admin_client.get(reverse("accounts:user_deactivate", args=[rep.pk]))
    assert asked.status_code == 200
    rep.refresh_from_db()
    assert rep.is_active  # asking changes nothing

    response = admin_client.post(reverse("accounts:user_deactivate", args=[rep.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("handovers:person", args=[rep.pk])
    rep.refresh_from_db()
    assert not rep.is_active
    # Their open session ends on its next request.
    after = rep_client.get(reverse("customers:list"))
    assert after.status_code == 302 and after["Location"].startswith(reverse("accounts:login"))
    # The hand-over page lists what they held.
    assert "宁波港联物流有限公司" in admin_client.get(response["Location"]).content.decode()


def test_an_admin_cannot_deactivate_themselves(client_for, admin):
    UserFactory(username="admin2", role=Role.ADMIN)
    response = client_for(admin).post(reverse("accounts:user_deactivate", args=[admin.pk]))

    assert response.status_code == 409
    admin.refresh_from_db()
    assert admin.is_active


def test_a_deactivated_person_is_reactivated(client_for, admin, rep, client):
    User.objects.filter(pk=rep.pk).update(is_active=False)
    response = client_for(admin).post(reverse("accounts:user_reactivate", args=[rep.pk]))

    assert response.status_code == 302
    rep.refresh_from_db()
    assert rep.is_active


def test_the_list_filters_by_role_status_and_name(client_for, admin, rep, lead):
    User.objects.filter(pk=rep.pk).update(is_active=False)
    client = client_for(admin)

    def names(**query):
        response = client.get(reverse("accounts:users"), query)
        return {person.username for person in response.context["page"].object_list}

    assert names(role=Role.LEAD) == {"lead1"}
    assert names(active="no") == {"rep1"}
    assert names(q="lead") == {"lead1"}
    assert names() == {"admin1", "lead1", "rep1"}


def test_an_invalid_filter_answers_400(client_for, admin):
    response = client_for(admin).get(reverse("accounts:users"), {"role": "boss"})

    assert response.status_code == 400
    assert response.context["page"].object_list == []


def test_the_list_runs_the_same_queries_for_many_people(client_for, admin, django_assert_max_num_queries):
    client = client_for(admin)
    UserFactory.create_batch(3)
    with django_assert_max_num_queries(8) as few:
        client.get(reverse("accounts:users"))
    UserFactory.create_batch(30)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("accounts:users"))
