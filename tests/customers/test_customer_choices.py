"""The customer search behind the ledger's customer filter: what one may see, by name or pinyin, a
screenful at most; and the filter it feeds, with and without JavaScript."""

import pytest
from django.urls import reverse

from customers.selectors import CUSTOMER_CHOICES_SHOWN
from tests.factories import CustomerFactory, KeyPointFactory, ProjectFactory, ProjectMemberFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def book(rep, other_rep):
    """Customers owned by the rep, by another rep, and one where the rep only sits on a project team."""
    owned = CustomerFactory(owner=rep, legal_name="北京华光科技有限公司")
    others = CustomerFactory(owner=other_rep, legal_name="北京远方制造有限公司")
    on_team = CustomerFactory(owner=other_rep, legal_name="上海北京路贸易有限公司")
    ProjectMemberFactory(project=ProjectFactory(customer=on_team, owner=other_rep), user=rep)
    return {"owned": owned, "others": others, "on_team": on_team}


def names(client, text):
    response = client.get(reverse("customers:choices"), {"customer_q": text})
    assert response.status_code == 200
    return {customer.legal_name for customer in response.context["matches"]}


@pytest.mark.parametrize("role", ["admin", "lead", "manager"])
def test_those_who_see_every_customer_find_every_match(client_for, users, book, role):
    assert names(client_for(users[role]), "北京") == {
        "北京华光科技有限公司",
        "北京远方制造有限公司",
        "上海北京路贸易有限公司",
    }


def test_a_rep_finds_only_the_customers_they_may_see(client_for, rep, book):
    assert names(client_for(rep), "北京") == {"北京华光科技有限公司", "上海北京路贸易有限公司"}


def test_someone_with_no_customers_finds_nothing(client_for, book):
    outsider = UserFactory(username="outsider")
    assert names(client_for(outsider), "北京") == set()


def test_pinyin_finds_a_chinese_name(client_for, lead, book):
    assert names(client_for(lead), "huaguang") == {"北京华光科技有限公司"}
    assert names(client_for(lead), "BeiJing Yuan") == {"北京远方制造有限公司"}


def test_nothing_typed_offers_nothing(client_for, lead, book):
    response = client_for(lead).get(reverse("customers:choices"), {"customer_q": "  "})
    assert response.context["matches"] == [] and "radio" not in response.content.decode()


def test_at_most_a_screenful_and_it_says_so(client_for, lead):
    for _ in range(CUSTOMER_CHOICES_SHOWN + 3):
        CustomerFactory()
    response = client_for(lead).get(reverse("customers:choices"), {"customer_q": "测试客户"})
    assert len(response.context["matches"]) == CUSTOMER_CHOICES_SHOWN
    assert "只显示前 20 个" in response.content.decode()


def test_the_matches_are_radio_buttons_of_the_customer_filter(client_for, lead, book):
    html = client_for(lead).get(reverse("customers:choices"), {"customer_q": "华光"}).content.decode()
    owned = book["owned"]
    assert f'type="radio" name="customer" value="{owned.pk}" id="customer-choice-{owned.pk}"' in html
    assert f'<label class="form-check-label" for="customer-choice-{owned.pk}">北京华光科技有限公司</label>' in html


@pytest.mark.parametrize("text", ["a\x00b", "x" * 201])
def test_text_that_cannot_be_a_name_is_refused(client_for, lead, text):
    assert client_for(lead).get(reverse("customers:choices"), {"customer_q": text}).status_code == 400


def test_the_search_takes_the_same_queries_however_many_customers(client_for, lead, django_assert_max_num_queries):
    client = client_for(lead)
    CustomerFactory()
    with django_assert_max_num_queries(8) as few:
        client.get(reverse("customers:choices"), {"customer_q": "测试"})
    for _ in range(30):
        CustomerFactory()
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("customers:choices"), {"customer_q": "测试"})


# The ledger's customer filter ---------------------------------------------------------------------


def ledger(client, **params):
    return client.get(reverse("keypoints:ledger"), params)


def test_the_ledger_offers_no_list_of_every_customer(client_for, lead, book):
    html = ledger(client_for(lead)).content.decode()
    assert 'data-testid="customer-search"' in html
    assert "北京远方制造有限公司" not in html
    assert f'hx-get="{reverse("customers:choices")}"' in html
    assert '<label for="id_customer"' in html and 'id="id_customer"' in html


def test_a_chosen_customer_filters_and_is_shown_by_name(client_for, lead, book):
    KeyPointFactory(project=ProjectFactory(customer=book["owned"]), summary="华光的记录")
    KeyPointFactory(project=ProjectFactory(customer=book["others"]), summary="远方的记录")
    response = ledger(client_for(lead), customer=book["owned"].pk)
    assert [keypoint.summary for keypoint in response.context["page"].object_list] == ["华光的记录"]
    html = response.content.decode()
    assert f'value="{book["owned"].pk}" id="customer-choice-{book["owned"].pk}" checked' in html
    assert "北京华光科技有限公司</label>" in html
    assert 'id="customer-choice-any"' in html


def test_without_javascript_the_typed_name_filters_and_its_matches_are_offered(client_for, lead, book):
    KeyPointFactory(project=ProjectFactory(customer=book["owned"]), summary="华光的记录")
    KeyPointFactory(project=ProjectFactory(customer=book["others"]), summary="远方的记录")
    response = ledger(client_for(lead), customer_q="huaguang")
    assert [keypoint.summary for keypoint in response.context["page"].object_list] == ["华光的记录"]
    html = response.content.decode()
    assert f'value="{book["owned"].pk}" id="customer-choice-{book["owned"].pk}">' in html
    assert response.context["filter"].active_filter_count() == 1


def test_a_rep_cannot_choose_a_customer_they_may_not_see(client_for, rep, book):
    KeyPointFactory(project=ProjectFactory(customer=book["others"]), summary="远方的记录")
    response = ledger(client_for(rep), customer=book["others"].pk)
    assert response.status_code == 400
    assert "远方的记录" not in response.content.decode()
    assert "北京远方制造有限公司" not in response.content.decode()
    response = ledger(client_for(rep), customer_q="远方")
    assert response.context["page"].object_list == []


def test_the_ledger_takes_the_same_queries_with_a_chosen_customer(client_for, rep, book, django_assert_max_num_queries):
    client = client_for(rep)
    KeyPointFactory(project=ProjectFactory(customer=book["owned"]))
    with django_assert_max_num_queries(13) as few:
        ledger(client, customer=book["owned"].pk)
    for _ in range(10):
        CustomerFactory(owner=rep)
        KeyPointFactory(project=ProjectFactory(customer=book["owned"]))
    with django_assert_max_num_queries(len(few.captured_queries)):
        ledger(client, customer=book["owned"].pk)
