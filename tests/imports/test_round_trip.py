"""Our own ledger export, imported into a database without its customers, gives back the same key points."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from customers.models import Contact, Customer, Project
from imports import runs, services
from keypoints.models import KeyPoint, NextStepStatus
from tests.factories import ContactFactory, CustomerFactory, KeyPointFactory, ProjectFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture(autouse=True)
def steps_by_hand(monkeypatch):
    monkeypatch.setattr(services, "_start", lambda job, step: None)


def ledger(people):
    """Every key point as the fields a person reads, by customer, project and time."""
    rows = []
    for keypoint in KeyPoint.objects.select_related("project__customer", "author", "next_step_owner").order_by(
        "occurred_at", "pk"
    ):
        fields = {
            name: getattr(keypoint, name)
            for name in (
                "occurred_at", "stage", "method", "summary", "customer_feedback", "obstacles", "our_response",
                "next_step", "next_step_due", "next_step_status", "lead_rating", "need_keywords", "price_before",
                "price_after", "needs_approval", "contract_number", "signed_amount", "signing_date", "satisfaction",
                "elements_filled", "is_complete",
            )
        }  # fmt: skip
        fields["customer"] = keypoint.project.customer.legal_name
        fields["project"] = keypoint.project.name
        fields["author"] = keypoint.author.username
        fields["next_step_owner"] = keypoint.next_step_owner.username
        fields["ours"] = sorted(user.username for user in keypoint.our_participants.all())
        fields["theirs"] = sorted((c.name, c.title) for c in keypoint.customer_participants.all())
        rows.append(fields)
    return rows


@pytest.fixture
def recorded(db):
    lead = UserFactory(username="lead1", role="lead", display_name="刘主管")
    rep = UserFactory(username="rep1", role="rep", display_name="张三")
    colleague = UserFactory(username="rep2", role="rep", display_name="李四")
    customer = CustomerFactory(legal_name="上海华信科技有限公司", owner=rep)
    ContactFactory(customer=customer, name="王总", title="采购部经理")
    ContactFactory(customer=customer, name="李工", title="")
    project = ProjectFactory(customer=customer, owner=rep, name="企业生产管理系统升级")
    base = timezone.make_aware(datetime.datetime(2024, 3, 15, 10, 0))
    KeyPointFactory(project=project, occurred_at=base, lead_rating="A", need_keywords="高兼容性,快速部署",
                    summary="=客户确认预算60万左右")  # fmt: skip
    negotiation = KeyPointFactory(
        project=project,
        stage=4,
        occurred_at=base + datetime.timedelta(days=34),
        price_before=Decimal("650000"),
        price_after=Decimal("620000"),
        needs_approval=True,
        next_step_due=datetime.date(2024, 4, 30),
        next_step_status=NextStepStatus.DONE,
    )
    negotiation.our_participants.add(colleague)
    other = ProjectFactory(
        customer=CustomerFactory(legal_name="北京远航电子有限公司", owner=colleague), owner=colleague
    )
    KeyPointFactory(project=other, author=colleague, occurred_at=base + datetime.timedelta(days=2), summary="初次沟通")
    return {"lead": lead, "rep": rep}


@pytest.mark.parametrize("export_format", ["csv", "xlsx"])
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_our_export_comes_back_as_the_same_key_points(client, recorded, export_format, language):
    before = ledger(recorded)
    assert len(before) == 3
    assert before[0]["theirs"] and before[2]["ours"] == ["rep1", "rep2"] and before[0]["summary"].startswith("=")
    client.force_login(recorded["lead"])
    response = client.get(f"/keypoints/export/?format={export_format}", headers={"accept-language": language})
    assert response.status_code == 200
    data = b"".join(response.streaming_content) if response.streaming else response.content

    KeyPoint.all_objects.all().delete()
    Project.all_objects.all().delete()
    Contact.all_objects.all().delete()
    Customer.all_objects.all().delete()

    job = services.import_upload(
        actor=recorded["lead"], data=data, filename=f"ledger.{export_format}", language=language
    )
    services.import_map(
        job=job,
        actor=recorded["lead"],
        kinds=[sheet["kind"] for sheet in job.sheets],
        mappings=[sheet["mapping"] for sheet in job.sheets],
        default_owner=recorded["rep"],
    )
    job = runs.import_check(job_id=job.pk)
    assert job.preview["rejected"] == []
    services.import_confirm(job=job, actor=recorded["lead"])
    runs.import_run(job_id=job.pk)
    assert ledger(recorded) == before
