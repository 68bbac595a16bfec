"""Each stage's key-point form: valid records, every invalid element with its message, completeness."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from keypoints import services
from keypoints.forms import KeyPointForm
from keypoints.models import KeyPoint
from keypoints.stages import STAGES, StageNumber, get_stage

pytestmark = pytest.mark.django_db

# Every stage element filled, per stage.
FULL_ELEMENTS = {
    1: {
        "source_channel": "trade_show",
        "first_conversation": "客户计划 Q3 上线新系统",
        "need_keywords": "高兼容性、快速部署",
        "lead_rating": "A",
        "lead_rating_basis": "预算明确,需求清晰",
    },
    2: {
        "question_list": "当前系统最影响效率的环节是?",
        "explicit_pains": "接口开放性差",
        "implicit_needs": "担心培训成本",
        "decision_process": "技术部评估→财务部审核→总经理终审",
    },
    3: {
        "solution_highlights": "定制化接口开发",
        "objections": "定制开发费占比过高",
        "objection_response": "提供同行业案例,分阶段支付",
        "promised_material": "同类案例实施效果报告",
    },
    4: {
        "price_before": "650000",
        "price_after": "620000",
        "payment_terms": "预付 20%,余款 40 天",
        "other_terms": "3 年质保",
        "floor_price": "600000",
        "needs_approval": "false",
    },
    5: {
        "contract_number": "HT-2026-001",
        "signed_amount": "620000",
        "signing_date": "2026-04-30",
        "payment_schedule": "签约 30%,上线 50%,验收 20%",
        "risks": "上线时间紧",
    },
    6: {
        "delivery_milestones": "一期上线 5 月 30 日,已完成",
        "payments_received": "186000",
        "delivery_risks": "数据迁移量大",
        "acceptance": "一期已验收",
    },
    7: {"issues_resolution": "报表导出慢,已优化", "satisfaction": "4", "renewal_opportunity": "二期 MES 模块"},
}


def common_data(project, user, contact, **overrides):
    data = {
        "occurred_at": (timezone.localtime() - timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
        "stage": str(project.stage),
        "method": "on_site",
        "our_participants": [user.pk],
        "customer_participants": [contact.pk],
        "summary": "现场调研",
        "customer_feedback": "认可方案方向",
        "obstacles": "无",
        "our_response": "下周提交方案",
        "next_step": "提交方案",
        "next_step_owner": user.pk,
        "next_step_due": (timezone.localdate() + timedelta(days=7)).isoformat(),
    }
    data.update(overrides)
    return data


def make_form(project, rep, data):
    return KeyPointForm(data, project=project, user=rep, instance=KeyPoint(project=project))


def post(client, project, data):
    return client.post(reverse("projects:keypoint_create", args=[project.pk]), data)


def test_the_registry_has_seven_stages_in_order():
    assert [stage.number for stage in STAGES] == [1, 2, 3, 4, 5, 6, 7]
    assert [stage.key for stage in STAGES] == [
        "lead",
        "needs",
        "solution",
        "negotiation",
        "contract",
        "fulfilment",
        "after_sales",
    ]
    with translation.override("zh-hans"):
        assert [str(stage.label) for stage in STAGES] == [
            "线索获取",
            "需求挖掘",
            "方案呈现",
            "商务谈判",
            "合同签订",
            "履约跟进",
            "售后维护",
        ]
    assert all(stage.default_stall_days > 0 and stage.guidance and stage.elements for stage in STAGES)


@pytest.mark.parametrize("stage", [1, 2, 3, 4, 5, 6, 7])
def test_a_full_record_of_each_stage_is_complete(client_for, rep, project, stage):
    contact = project.customer.contacts.get()
    response = post(client_for(rep), project, common_data(project, rep, contact, stage=stage, **FULL_ELEMENTS[stage]))
    assert response.status_code == 302
    keypoint = KeyPoint.objects.get()
    total = len(get_stage(stage).elements)
    assert (keypoint.stage, keypoint.elements_filled, keypoint.elements_total) == (stage, total, total)
    assert keypoint.is_complete and keypoint.missing_elements == []


@pytest.mark.parametrize("stage", [1, 2, 3, 4, 5, 6, 7])
def test_a_record_with_no_stage_elements_is_saved_but_incomplete(client_for, rep, project, stage):
    contact = project.customer.contacts.get()
    if stage == StageNumber.CONTRACT:
        # The first contract record of a project must hold its number, amount and date; later ones need not.
        project.signed_on = timezone.localdate()
        project.save()
    response = post(client_for(rep), project, common_data(project, rep, contact, stage=stage))
    assert response.status_code == 302
    keypoint = KeyPoint.objects.get()
    stage_def = get_stage(stage)
    own = [
        e.key
        for e in stage_def.elements
        if not set(e.fields) <= {"method", "customer_participants", "customer_feedback", "obstacles"}
    ]
    assert keypoint.missing_elements == own
    assert keypoint.elements_filled == len(stage_def.elements) - len(own)
    assert not keypoint.is_complete


def test_completeness_names_what_is_missing(client_for, rep, project):
    contact = project.customer.contacts.get()
    data = common_data(project, rep, contact, stage=1, source_channel="website", lead_rating="A")
    post(client_for(rep), project, data)
    keypoint = KeyPoint.objects.get()
    # The rating without its basis does not count.
    assert (keypoint.elements_filled, keypoint.elements_total) == (1, 4)
    assert keypoint.missing_elements == ["first_conversation", "need_keywords", "lead_rating"]
    with translation.override("zh-hans"):
        assert [str(label) for label in keypoint.missing_element_labels()][0] == "初步沟通内容"


def test_completeness_is_shown_on_the_project_page(client_for, rep, project):
    contact = project.customer.contacts.get()
    client = client_for(rep)
    post(client, project, common_data(project, rep, contact, stage=1, source_channel="website"))
    html = client.get(reverse("projects:detail", args=[project.pk]), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Elements 1/4" in html
    assert "1 of the 4 elements this stage asks for is recorded." in html
    assert "Missing: First conversation" in html


@pytest.mark.parametrize(
    "field",
    [
        "occurred_at",
        "method",
        "our_participants",
        "customer_participants",
        "summary",
        "customer_feedback",
        "obstacles",
        "our_response",
        "next_step",
        "next_step_owner",
        "next_step_due",
    ],
)
def test_every_common_element_is_required(rep, project, field):
    contact = project.customer.contacts.get()
    data = common_data(project, rep, contact)
    data.pop(field)
    form = make_form(project, rep, data)
    assert form.has_error(field, "required")


def test_the_time_cannot_be_in_the_future(rep, project):
    contact = project.customer.contacts.get()
    later = (timezone.localtime() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    form = make_form(project, rep, common_data(project, rep, contact, occurred_at=later))
    assert form.has_error("occurred_at")


def test_next_step_cannot_be_due_before_the_event(rep, project):
    contact = project.customer.contacts.get()
    data = common_data(project, rep, contact, next_step_due=(timezone.localdate() - timedelta(days=5)).isoformat())
    form = make_form(project, rep, data)
    assert form.has_error("next_step_due")
    with translation.override("en"):
        assert "cannot be due before" in str(form.errors["next_step_due"])


def test_customer_participants_must_be_the_customers_own_contacts(rep, project, other_project):
    outsider = other_project.customer.contacts.get()
    form = make_form(project, rep, common_data(project, rep, outsider))
    assert form.has_error("customer_participants", "invalid_choice")


def test_our_participants_come_from_the_project_team(rep, project, other_rep):
    contact = project.customer.contacts.get()
    form = make_form(project, rep, common_data(project, rep, contact, our_participants=[other_rep.pk]))
    assert form.has_error("our_participants", "invalid_choice")


def test_stage_must_be_one_of_the_seven(rep, project):
    contact = project.customer.contacts.get()
    form = make_form(project, rep, common_data(project, rep, contact, stage="9"))
    assert form.has_error("stage", "invalid_choice")


@pytest.mark.parametrize(
    ("stage", "field", "value"),
    [
        (1, "lead_rating", "D"),
        (1, "source_channel", "tv"),
        (4, "price_before", "-1"),
        (4, "price_after", "abc"),
        (4, "floor_price", "-100"),
        (5, "signed_amount", "-5"),
        (5, "signing_date", "2026-02-30"),
        (6, "payments_received", "-1"),
        (7, "satisfaction", "6"),
    ],
)
def test_each_typed_stage_element_is_validated(rep, project, stage, field, value):
    contact = project.customer.contacts.get()
    with translation.override("zh-hans"):
        form = make_form(project, rep, common_data(project, rep, contact, stage=stage, **{field: value}))
        assert form.has_error(field)
        message = " ".join(form.errors[field])
    # The message is there, and in the user's language.
    assert any("\u4e00" <= char <= "\u9fff" for char in message), message


def test_price_below_the_floor_needs_approval(rep, project):
    contact = project.customer.contacts.get()
    data = common_data(
        project, rep, contact, stage=4, price_before="650000", price_after="580000", floor_price="600000"
    )
    form = make_form(project, rep, {**data, "needs_approval": "false"})
    assert form.has_error("needs_approval")
    assert make_form(project, rep, {**data, "needs_approval": "true"}).is_valid()


def test_a_bad_record_gets_400_and_saves_nothing(client_for, rep, project):
    contact = project.customer.contacts.get()
    response = post(client_for(rep), project, common_data(project, rep, contact, stage=4, price_before="-1"))
    assert response.status_code == 400
    assert not KeyPoint.objects.exists()
    assert "price_before" in response.context["form"].errors


def test_the_form_shows_only_the_chosen_stages_elements(rep, project):
    form = KeyPointForm(project=project, user=rep, instance=KeyPoint(project=project), stage=4)
    names = {field.name for field in form.stage_fields()}
    assert names == {"price_before", "price_after", "payment_terms", "other_terms", "floor_price", "needs_approval"}
    assert "lead_rating" not in form.fields


def test_values_of_another_stage_are_not_kept(client_for, rep, project):
    contact = project.customer.contacts.get()
    post(client_for(rep), project, common_data(project, rep, contact, stage=2, lead_rating="A", **FULL_ELEMENTS[2]))
    assert KeyPoint.objects.get().lead_rating == ""


def test_a_needs_record_without_customer_participants_misses_that_element(project, rep):
    keypoint = KeyPoint(project=project, stage=2, method="phone", **FULL_ELEMENTS[2])
    filled, total, missing = services.completeness(keypoint, [])
    assert (filled, total, missing) == (5, 6, ["customer_participants"])
    contact = project.customer.contacts.get()
    assert services.completeness(keypoint, [contact]) == (6, 6, [])
