"""Every validation rule of the customer, contact, project, team and decision-chain forms."""

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation

from customers.forms import ContactForm, CustomerForm, DecisionStepForm, ProjectForm, ProjectMemberForm
from customers.models import Customer, Project
from customers.validators import credit_code_check_char
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
    data = {
        "legal_name": "上海新客户有限公司",
        "credit_code": "",
        "industry": "manufacturing",
        "employee_count": "100",
        "annual_revenue": "1000000",
        "tier": "normal",
        "estimated_annual_purchase": "200000",
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize(
    "first17",
    ["91310115MA1H7G2K3", "91110000100000000", "12100000400010398", "91350100M000100Y4"],
)
def test_credit_code_with_right_check_character_is_accepted(rep, first17):
    form = CustomerForm(customer_data(credit_code=first17 + credit_code_check_char(first17)), user=rep)
    assert form.is_valid(), form.errors


@pytest.mark.parametrize("code", ["91440300708461136T", "91330100799655058B", "914403001922038216"])
def test_published_credit_codes_are_accepted(rep, code):
    # Codes printed on real business licences: their check characters were not computed by us.
    form = CustomerForm(customer_data(credit_code=code), user=rep)
    assert form.is_valid(), form.errors


def test_credit_code_with_wrong_check_character_is_refused(rep):
    first17 = "91310115MA1H7G2K3"
    wrong = next(c for c in "0123456789" if c != credit_code_check_char(first17))
    form = CustomerForm(customer_data(credit_code=first17 + wrong), user=rep)
    assert form.has_error("credit_code", "checksum")


@pytest.mark.parametrize(
    ("code", "error"),
    [
        ("9131011", "length"),
        ("91310115MA1H7G2K3XX", "length"),
        ("91310115MA1H7G2KIO", "format"),  # I and O are not in the alphabet
        ("913101AAMA1H7G2K3A", "format"),  # places 3-8 are the region code, digits only
    ],
)
def test_credit_code_of_wrong_shape_is_refused(rep, code, error):
    form = CustomerForm(customer_data(credit_code=code), user=rep)
    assert form.has_error("credit_code", error)


def test_credit_code_is_stored_in_capitals_without_spaces(client_for, rep):
    code = valid_credit_code(42)
    response = client_for(rep).post(reverse("customers:create"), customer_data(credit_code=f"  {code.lower()} "))
    assert response.status_code == 302
    assert Customer.objects.get().credit_code == code


def test_credit_code_message_is_in_chinese_by_default(client_for, rep):
    response = client_for(rep).post(reverse("customers:create"), customer_data(credit_code="91310115MA1H7G2K31"))
    assert response.status_code == 400
    assert "校验位" in response.content.decode()


def test_credit_code_message_is_in_english_for_an_english_browser(client_for, rep):
    response = client_for(rep).post(
        reverse("customers:create"),
        customer_data(credit_code="91310115MA1H7G2K31"),
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    assert "check character is wrong" in response.content.decode()


@pytest.mark.parametrize("field", ["employee_count", "annual_revenue", "estimated_annual_purchase"])
def test_customer_sizes_and_amounts_cannot_be_negative(rep, field):
    form = CustomerForm(customer_data(**{field: "-1"}), user=rep)
    assert form.has_error(field)


def test_legal_name_is_required(rep):
    form = CustomerForm(customer_data(legal_name="   "), user=rep)
    assert form.has_error("legal_name", "required")


def test_legal_name_is_saved_without_surrounding_spaces(client_for, rep):
    client_for(rep).post(reverse("customers:create"), customer_data(legal_name="  上海新客户有限公司\u3000"))
    assert Customer.objects.get().legal_name == "上海新客户有限公司"


@pytest.mark.parametrize(
    "phone", ["13800138000", "+86 138 0013 8000", "021-12345678", "0571-8765432-801", "(010)12345678"]
)
def test_contact_accepts_mobile_and_landline_numbers(phone):
    form = ContactForm({"name": "李工", "phone": phone, "decision_role": "influencer", "stance": "neutral"})
    assert form.is_valid(), form.errors


@pytest.mark.parametrize("phone", ["12345", "1380013800", "23800138000", "abc-defg", "021-123"])
def test_contact_refuses_malformed_phone_numbers(phone):
    form = ContactForm({"name": "李工", "phone": phone, "decision_role": "influencer", "stance": "neutral"})
    assert form.has_error("phone", "phone")


def test_contact_refuses_malformed_email():
    form = ContactForm({"name": "李工", "email": "li@", "decision_role": "influencer", "stance": "neutral"})
    assert form.has_error("email", "invalid")


def test_contact_phone_is_stored_without_spaces(client_for, rep_customer, rep):
    client_for(rep).post(
        reverse("customers:contact_create", args=[rep_customer.pk]),
        {"name": "李工", "phone": "138 0013 8000", "decision_role": "influencer", "stance": "neutral"},
    )
    assert rep_customer.contacts.get().phone == "13800138000"


def project_data(**overrides):
    data = {"name": "ERP 升级", "source": "inbound", "budget_min": "500000", "budget_max": "800000", "stage": "1"}
    data.update(overrides)
    return data


def test_project_budget_lower_end_above_upper_end_is_refused(rep_customer, rep):
    form = ProjectForm(
        project_data(budget_min="900000", budget_max="800000"), instance=Project(customer=rep_customer), user=rep
    )
    assert form.has_error("budget_max")
    with translation.override("zh-hans"):
        assert "预算" in str(form.errors["budget_max"])


def test_project_budget_equal_ends_is_accepted(rep_customer, rep):
    form = ProjectForm(
        project_data(budget_min="600000", budget_max="600000"), instance=Project(customer=rep_customer), user=rep
    )
    assert form.is_valid(), form.errors


@pytest.mark.parametrize("field", ["budget_min", "budget_max"])
def test_project_budget_cannot_be_negative(rep_customer, rep, field):
    form = ProjectForm(project_data(**{field: "-5"}), instance=Project(customer=rep_customer), user=rep)
    assert form.has_error(field)


def test_project_stage_must_be_one_of_the_seven(rep_customer, rep):
    form = ProjectForm(project_data(stage="8"), instance=Project(customer=rep_customer), user=rep)
    assert form.has_error("stage", "invalid_choice")


def test_bad_project_post_returns_400_and_saves_nothing(client_for, rep_customer, rep):
    response = client_for(rep).post(reverse("projects:create", args=[rep_customer.pk]), project_data(budget_min="abc"))
    assert response.status_code == 400
    assert not Project.objects.exists()


def test_bad_edit_keeps_what_was_saved(client_for, rep_customer, rep):
    project = ProjectFactory(customer=rep_customer, name="原名称", budget_min=Decimal(1), budget_max=Decimal(2))
    response = client_for(rep).post(
        reverse("projects:edit", args=[project.pk]), project_data(name="新名称", budget_min="9", budget_max="1")
    )
    assert response.status_code == 400
    project.refresh_from_db()
    assert project.name == "原名称"


def test_team_member_cannot_be_added_twice(rep_customer, other_rep):
    project = ProjectFactory(customer=rep_customer)
    ProjectMemberFactory(project=project, user=other_rep)
    form = ProjectMemberForm(
        {"user": other_rep.pk, "role": "technical_consultant"},
        instance=project.members.model(project=project),
        project=project,
    )
    assert form.has_error("user", "duplicate")


def test_project_owner_is_not_added_as_member(rep_customer, rep):
    project = ProjectFactory(customer=rep_customer, owner=rep)
    form = ProjectMemberForm(
        {"user": rep.pk, "role": "technical_consultant"},
        instance=project.members.model(project=project),
        project=project,
    )
    assert form.has_error("user", "owner")


def test_manager_cannot_be_a_team_member(rep_customer, manager):
    project = ProjectFactory(customer=rep_customer)
    form = ProjectMemberForm(
        {"user": manager.pk, "role": "other"}, instance=project.members.model(project=project), project=project
    )
    assert form.has_error("user", "invalid_choice")


def test_decision_step_contact_must_belong_to_the_projects_customer(rep_customer, other_customer):
    project = ProjectFactory(customer=rep_customer)
    outsider = ContactFactory(customer=other_customer)
    form = DecisionStepForm(
        {"position": "1", "name": "财务审核", "contact": outsider.pk},
        instance=project.decision_steps.model(project=project),
        project=project,
    )
    assert form.has_error("contact", "invalid_choice")


def test_decision_step_place_cannot_be_taken_twice(rep_customer):
    project = ProjectFactory(customer=rep_customer)
    DecisionStepFactory(project=project, position=1)
    form = DecisionStepForm(
        {"position": "1", "name": "财务审核"}, instance=project.decision_steps.model(project=project), project=project
    )
    assert form.has_error("position", "duplicate")


def test_new_decision_step_is_offered_the_next_place(rep_customer):
    project = ProjectFactory(customer=rep_customer)
    DecisionStepFactory(project=project, position=1)
    DecisionStepFactory(project=project, position=2)
    form = DecisionStepForm(instance=project.decision_steps.model(project=project), project=project)
    assert form.fields["position"].initial == 3


def test_decision_step_place_starts_at_one(rep_customer):
    project = ProjectFactory(customer=rep_customer)
    form = DecisionStepForm(
        {"position": "0", "name": "评估"}, instance=project.decision_steps.model(project=project), project=project
    )
    assert form.has_error("position")


def test_customer_owner_choice_is_offered_only_to_admin_and_lead(rep, lead, admin, manager):
    assert "owner" not in CustomerForm(user=rep).fields
    assert "owner" in CustomerForm(user=lead).fields
    assert "owner" in CustomerForm(user=admin).fields


def test_owner_choices_exclude_managers_and_inactive_users(lead, manager, rep):
    rep_gone = CustomerFactory().owner
    rep_gone.is_active = False
    rep_gone.save()
    choices = set(CustomerForm(user=lead).fields["owner"].queryset)
    assert rep in choices and lead in choices
    assert manager not in choices and rep_gone not in choices
