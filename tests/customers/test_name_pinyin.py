"""The customer's pinyin sort key: computed on every save, filled in for customers that existed before it."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from customers.models import Customer
from customers.validators import customer_name_sort_key
from tests.factories import CustomerFactory


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("北京燕山有限公司", "beijingyanshanyouxiangongsi"),
        ("重庆长安汽车", "chongqingchanganqiche"),
        ("Acme Precision (Shanghai) Co., Ltd.", "acmeprecisionshanghaicoltd"),
        ("（深圳）ＡＢＣ科技", "shenzhenabckeji"),
        ("", ""),
    ],
)
def test_the_sort_key_is_the_names_pinyin_without_tones_spaces_or_punctuation(name, key):
    assert customer_name_sort_key(name) == key


def test_a_very_long_name_still_fits_its_sort_key():
    assert len(customer_name_sort_key("测" * 200)) == Customer._meta.get_field("name_pinyin").max_length


@pytest.mark.django_db
def test_saving_a_customer_keeps_its_sort_key(rep):
    customer = CustomerFactory(owner=rep, legal_name="上海浦江有限公司")
    assert customer.name_pinyin == "shanghaipujiangyouxiangongsi"
    customer.legal_name = "深圳湾有限公司"
    customer.save(update_fields=["legal_name"])
    customer.refresh_from_db()
    assert customer.name_pinyin == "shenzhenwanyouxiangongsi"


@pytest.mark.django_db
def test_renaming_through_the_edit_form_moves_the_customer_in_the_name_order(client_for, lead, rep):
    first = CustomerFactory(owner=rep, legal_name="北京甲有限公司")
    CustomerFactory(owner=rep, legal_name="上海乙有限公司")
    client = client_for(lead)
    data = {
        "legal_name": "深圳甲有限公司",
        "credit_code": first.credit_code,
        "industry": first.industry,
        "tier": first.tier,
        "owner": rep.pk,
    }
    response = client.post(reverse("customers:edit", args=[first.pk]), data)
    assert response.status_code == 302
    listed = client.get(reverse("customers:list"), {"sort": "name"}).context["page"].object_list
    assert [customer.legal_name for customer in listed] == ["上海乙有限公司", "深圳甲有限公司"]


@pytest.mark.django_db(transaction=True)
def test_the_migration_fills_the_sort_key_of_existing_customers(django_user_model):
    executor = MigrationExecutor(connection)
    before, after = [("customers", "0003_outcome_and_handover")], [("customers", "0004_customer_name_pinyin")]
    executor.migrate(before)
    old_apps = executor.loader.project_state(before).apps
    owner = old_apps.get_model("accounts", "User").objects.create(username="owner-before-pinyin")
    old_apps.get_model("customers", "Customer").objects.create(
        legal_name="深圳旧客户有限公司", name_key="深圳旧客户有限公司", industry="other", owner_id=owner.pk
    )
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(after)
    new_apps = executor.loader.project_state(after).apps
    customer = new_apps.get_model("customers", "Customer").objects.get(legal_name="深圳旧客户有限公司")
    assert customer.name_pinyin == "shenzhenjiukehuyouxiangongsi"
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
