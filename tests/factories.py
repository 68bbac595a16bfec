"""The one factory chain: users, customers and everything that hangs off them."""

import uuid
from datetime import timedelta
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from accounts.models import Role
from customers.models import (
    Contact,
    Customer,
    DecisionRole,
    DecisionStep,
    DuplicateLookup,
    HandOver,
    Industry,
    Project,
    ProjectMember,
    Source,
    TeamRole,
    Tier,
)
from customers.validators import credit_code_check_char
from keypoints.models import KeyPoint, Method
from keypoints.stages import StageNumber

PASSWORD = "correct-horse-battery"


def valid_credit_code(n):
    first17 = f"91310000{n:09d}"
    return first17 + credit_code_check_char(first17)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    display_name = factory.Sequence(lambda n: f"用户{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    role = Role.REP
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save(update_fields=["password"])


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    legal_name = factory.Sequence(lambda n: f"测试客户{n:04d}有限公司")
    credit_code = factory.Sequence(valid_credit_code)
    industry = Industry.MANUFACTURING
    employee_count = 200
    annual_revenue = Decimal("50000000")
    tier = Tier.NORMAL
    estimated_annual_purchase = Decimal("300000")
    owner = factory.SubFactory(UserFactory)


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    customer = factory.SubFactory(CustomerFactory)
    name = factory.Sequence(lambda n: f"联系人{n}")
    title = "采购经理"
    phone = factory.Sequence(lambda n: f"138{n:08d}")
    email = factory.Sequence(lambda n: f"contact{n}@example.cn")
    decision_role = DecisionRole.INFLUENCER


class ProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Project

    customer = factory.SubFactory(CustomerFactory)
    name = factory.Sequence(lambda n: f"项目{n}")
    source = Source.INBOUND
    budget_min = Decimal("500000")
    budget_max = Decimal("800000")
    owner = factory.LazyAttribute(lambda p: p.customer.owner)


class ProjectMemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProjectMember

    project = factory.SubFactory(ProjectFactory)
    user = factory.SubFactory(UserFactory)
    role = TeamRole.TECHNICAL_CONSULTANT
    responsibility = "技术方案"


class DecisionStepFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DecisionStep

    project = factory.SubFactory(ProjectFactory)
    position = factory.Sequence(lambda n: n + 1)
    name = "技术部评估"
    contact = factory.LazyAttribute(lambda s: ContactFactory(customer=s.project.customer))


class HandOverFactory(factory.django.DjangoModelFactory):
    """A hand-over record as the hand-over service writes it (the service itself is in handovers)."""

    class Meta:
        model = HandOver

    customer = factory.SubFactory(CustomerFactory)
    from_user = factory.SubFactory(UserFactory)
    to_user = factory.LazyAttribute(lambda h: h.customer.owner)
    actor = factory.SubFactory(UserFactory)
    at = factory.LazyFunction(timezone.now)
    batch = factory.LazyFunction(uuid.uuid4)
    customer_moved = True
    moved = factory.LazyFunction(lambda: {"projects": [], "next_steps": [], "team_places": []})


class KeyPointFactory(factory.django.DjangoModelFactory):
    """A complete lead-stage record unless told otherwise; completeness is kept by the service."""

    class Meta:
        model = KeyPoint
        skip_postgeneration_save = True

    project = factory.SubFactory(ProjectFactory)
    stage = StageNumber.LEAD
    occurred_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=1))
    method = Method.PHONE
    summary = "与采购部经理电话沟通"
    customer_feedback = "预算 60 万左右"
    obstacles = "无"
    our_response = "约定上门调研"
    next_step = "上门调研"
    next_step_owner = factory.LazyAttribute(lambda k: k.project.owner)
    next_step_due = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=7))
    author = factory.LazyAttribute(lambda k: k.project.owner)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        from keypoints import services

        keypoint = model_class(*args, **kwargs)
        contacts = list(keypoint.project.customer.contacts.all()[:1])
        return services.keypoint_create(
            keypoint=keypoint, actor=keypoint.author, our_participants=[keypoint.author], customer_participants=contacts
        )


class DuplicateLookupFactory(factory.django.DjangoModelFactory):
    """The duplicate check's answer naming a customer outside the asker's scope, as the form keeps it."""

    class Meta:
        model = DuplicateLookup

    customer = factory.SubFactory(CustomerFactory)
    user = factory.SubFactory(UserFactory)
    legal_name = factory.LazyAttribute(lambda k: k.customer.legal_name)
    customer_name = factory.LazyAttribute(lambda k: k.customer.legal_name)
    owner = factory.LazyAttribute(lambda k: k.customer.owner)
