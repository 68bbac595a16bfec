"""Creating and editing customers; the duplicate-customer message; what each role may write."""

import pytest
from django.urls import reverse

from customers.models import Contact, Customer, DecisionStep, Project, ProjectMember
from tests.factories import (
    ContactFactory,
    CustomerFactory,
    DecisionStepFactory,
    ProjectFactory,
    ProjectMemberFactory,
    valid_credit_code,
)

pytestmark = pytest.mark.django_db


def customer_data(**overrides):
    data = {"legal_name": "上海新客户有限公司", "credit_code": "", "industry": "manufacturing", "tier": "normal"}
    data.update(overrides)
    return data


def test_rep_creates_a_customer_and_owns_it(client_for, rep):
    response = client_for(rep).post(reverse("customers:create"), customer_data())
    customer = Customer.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("customers:detail", args=[customer.pk])
    assert customer.owner == rep and customer.created_by == rep


def test_rep_cannot_choose_another_owner(client_for, rep, other_rep):
    client_for(rep).post(reverse("customers:create"), customer_data(owner=other_rep.pk))
    assert Customer.objects.get().owner == rep


def test_lead_creates_a_customer_for_a_rep(client_for, lead, rep):
    client_for(lead).post(reverse("customers:create"), customer_data(owner=rep.pk))
    assert Customer.objects.get().owner == rep


def test_duplicate_legal_name_is_refused_naming_the_owner(client_for, rep, other_customer):
    response = client_for(rep).post(
        reverse("customers:create"), customer_data(legal_name=f"  {other_customer.legal_name}  ")
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert other_customer.legal_name in page and str(other_customer.owner) in page
    assert Customer.objects.count() == 1


def test_duplicate_legal_name_ignores_letter_case(client_for, rep, other_rep):
    CustomerFactory(owner=other_rep, legal_name="Acme Trading Co., Ltd.")
    response = client_for(rep).post(reverse("customers:create"), customer_data(legal_name="ACME trading co., ltd."))
    assert response.status_code == 400
    assert response.context["form"].has_error("legal_name", "duplicate")
    assert Customer.objects.count() == 1


def test_duplicate_credit_code_is_refused_naming_the_owner(client_for, rep, other_customer):
    response = client_for(rep).post(
        reverse("customers:create"), customer_data(credit_code=other_customer.credit_code.lower())
    )
    assert response.status_code == 400
    assert response.context["form"].has_error("credit_code", "duplicate")
    assert str(other_customer.owner) in response.content.decode()


def test_double_submit_creates_one_customer(client_for, rep):
    client = client_for(rep)
    first = client.post(reverse("customers:create"), customer_data())
    second = client.post(reverse("customers:create"), customer_data())
    assert first.status_code == 302 and second.status_code == 400
    assert Customer.objects.count() == 1


def test_the_database_refuses_a_duplicate_that_slips_past_the_form(rep, other_customer):
    from customers import services

    clash = Customer(legal_name=other_customer.legal_name.upper(), industry="other", owner=rep)
    with pytest.raises(services.DuplicateCustomer) as raised:
        services.customer_create(customer=clash, actor=rep)
    assert raised.value.existing == other_customer


def test_editing_a_customer_keeps_its_own_name(client_for, rep, rep_customer):
    response = client_for(rep).post(
        reverse("customers:edit", args=[rep_customer.pk]),
        customer_data(legal_name=rep_customer.legal_name, credit_code=rep_customer.credit_code, tier="key"),
    )
    assert response.status_code == 302
    rep_customer.refresh_from_db()
    assert rep_customer.tier == "key"


def test_rep_edit_does_not_change_the_owner(client_for, rep, rep_customer, other_rep):
    client_for(rep).post(
        reverse("customers:edit", args=[rep_customer.pk]),
        customer_data(legal_name=rep_customer.legal_name, owner=other_rep.pk),
    )
    rep_customer.refresh_from_db()
    assert rep_customer.owner == rep


@pytest.mark.parametrize("role", ["admin", "lead"])
def test_lead_and_admin_edit_any_customer(client_for, users, other_customer, role):
    response = client_for(users[role]).post(
        reverse("customers:edit", args=[other_customer.pk]),
        customer_data(legal_name="改名后的客户有限公司", owner=other_customer.owner_id),
    )
    assert response.status_code == 302
    other_customer.refresh_from_db()
    assert other_customer.legal_name == "改名后的客户有限公司"


def test_rep_cannot_edit_another_reps_customer(client_for, rep, other_customer):
    response = client_for(rep).post(
        reverse("customers:edit", args=[other_customer.pk]), customer_data(legal_name="被改名")
    )
    assert response.status_code == 404
    other_customer.refresh_from_db()
    assert other_customer.legal_name != "被改名"


def test_rep_on_a_project_team_can_work_on_that_customer(client_for, other_rep, rep_customer):
    ProjectMemberFactory(project=ProjectFactory(customer=rep_customer), user=other_rep)
    client = client_for(other_rep)
    assert client.get(reverse("customers:detail", args=[rep_customer.pk])).status_code == 200
    response = client.post(
        reverse("customers:contact_create", args=[rep_customer.pk]),
        {"name": "李工", "decision_role": "influencer", "stance": "neutral"},
    )
    assert response.status_code == 302
    assert rep_customer.contacts.filter(name="李工").exists()


def test_rep_who_owns_a_project_sees_its_customer(client_for, other_rep, rep_customer):
    ProjectFactory(customer=rep_customer, owner=other_rep)
    assert client_for(other_rep).get(reverse("customers:detail", args=[rep_customer.pk])).status_code == 200


def manager_write_requests(world_customer):
    contact = ContactFactory(customer=world_customer)
    project = ProjectFactory(customer=world_customer)
    member = ProjectMemberFactory(project=project)
    step = DecisionStepFactory(project=project, position=1, contact=contact)
    return [
        (reverse("customers:create"), customer_data(legal_name="经理新建")),
        (reverse("customers:edit", args=[world_customer.pk]), customer_data(legal_name="经理改名")),
        (reverse("customers:contact_create", args=[world_customer.pk]), {"name": "x", "decision_role": "user"}),
        (reverse("customers:contact_edit", args=[contact.pk]), {"name": "经理改", "decision_role": "user"}),
        (reverse("projects:create", args=[world_customer.pk]), {"name": "x", "source": "other"}),
        (reverse("projects:edit", args=[project.pk]), {"name": "经理改", "source": "other"}),
        (reverse("projects:member_create", args=[project.pk]), {"user": member.user_id, "role": "other"}),
        (reverse("projects:member_edit", args=[member.pk]), {"user": member.user_id, "role": "other"}),
        (reverse("projects:member_remove", args=[member.pk]), {}),
        (reverse("projects:step_create", args=[project.pk]), {"position": 2, "name": "x"}),
        (reverse("projects:step_edit", args=[step.pk]), {"position": 1, "name": "经理改"}),
        (reverse("projects:step_remove", args=[step.pk]), {}),
    ]


def snapshot():
    return [
        list(model.objects.order_by("pk").values())
        for model in (Customer, Contact, Project, ProjectMember, DecisionStep)
    ]


def test_manager_every_write_is_refused_and_changes_nothing(client_for, manager, other_customer):
    requests = manager_write_requests(other_customer)
    before = snapshot()
    client = client_for(manager)
    for url, data in requests:
        assert client.post(url, data).status_code == 403, url
    assert snapshot() == before


def test_manager_sees_no_edit_controls(client_for, manager, other_customer):
    project = ProjectFactory(customer=other_customer)
    client = client_for(manager)
    pages = [
        client.get(reverse("customers:list")),
        client.get(reverse("customers:detail", args=[other_customer.pk])),
        client.get(reverse("projects:detail", args=[project.pk])),
    ]
    for page in pages:
        html = page.content.decode()
        assert "/edit/" not in html and "/new/" not in html and "/handovers/" not in html
        assert (
            'method="post"' not in html.replace('action="/accounts/logout/"', "").split("<main")[1].split("</main>")[0]
        )


def test_project_created_by_rep_is_owned_by_rep(client_for, rep, rep_customer):
    response = client_for(rep).post(
        reverse("projects:create", args=[rep_customer.pk]),
        {"name": "ERP 升级", "source": "trade_show", "stage": "1", "budget_min": "500000", "budget_max": "800000"},
    )
    project = Project.objects.get()
    assert response["Location"] == reverse("projects:detail", args=[project.pk])
    assert project.owner == rep and project.customer == rep_customer


def test_team_member_is_added_edited_and_removed(client_for, rep, rep_customer, other_rep):
    project = ProjectFactory(customer=rep_customer)
    client = client_for(rep)
    client.post(
        reverse("projects:member_create", args=[project.pk]),
        {"user": other_rep.pk, "role": "technical_consultant", "responsibility": "方案演示"},
    )
    member = project.members.get()
    client.post(
        reverse("projects:member_edit", args=[member.pk]),
        {"user": other_rep.pk, "role": "commercial_specialist", "responsibility": "报价"},
    )
    member.refresh_from_db()
    assert member.role == "commercial_specialist"
    client.post(reverse("projects:member_remove", args=[member.pk]))
    assert not project.members.exists()


def test_decision_chain_is_shown_in_order(client_for, rep, rep_customer):
    project = ProjectFactory(customer=rep_customer)
    for position, name in [(3, "总经理终审"), (1, "技术部评估"), (2, "财务部审核")]:
        DecisionStepFactory(project=project, position=position, name=name)
    html = client_for(rep).get(reverse("projects:detail", args=[project.pk])).content.decode()
    assert html.index("技术部评估") < html.index("财务部审核") < html.index("总经理终审")


def test_removing_a_member_needs_post(client_for, rep, rep_customer):
    member = ProjectMemberFactory(project=ProjectFactory(customer=rep_customer))
    assert client_for(rep).get(reverse("projects:member_remove", args=[member.pk])).status_code == 405
    assert ProjectMember.objects.filter(pk=member.pk).exists()


def test_credit_code_search_finds_customer(client_for, lead):
    customer = CustomerFactory(credit_code=valid_credit_code(777))
    response = client_for(lead).get(reverse("customers:list"), {"q": customer.credit_code[-6:].lower()})
    assert list(response.context["page"].object_list) == [customer]


def test_the_contacts_table_labels_every_cell_so_it_reads_as_cards_on_a_phone(client_for, rep, rep_customer):
    ContactFactory.create_batch(2, customer=rep_customer)
    html = client_for(rep).get(reverse("customers:detail", args=[rep_customer.pk])).content.decode()
    table = html[html.index('data-testid="contact-table"') : html.index("</table>", html.index("contact-table"))]
    body = table[table.index("<tbody>") :]
    assert "stack-on-phone" in html[html.rindex("<table", 0, html.index("contact-table")) :][:120]
    # Six labelled cells per contact; the edit link needs no label.
    assert body.count("data-label=") == 12
    assert body.count('class="cell-action"') == 2
