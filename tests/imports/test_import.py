"""A spreadsheet checked and imported: what it creates, what it matches, what it rejects and why."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation
from openpyxl import load_workbook

from customers.models import Contact, Customer, Project
from imports import runs, services, storage
from imports.columns import SheetKind
from imports.models import ImportJob, ImportStatus
from keypoints.models import KeyPoint, StageChange, StageHistory
from tests.factories import CustomerFactory, UserFactory

from .files import csv_bytes, workbook

pytestmark = pytest.mark.django_db(transaction=False)

CUSTOMER_HEADER = ["客户全称", "统一社会信用代码", "所属行业", "销售负责人", "联系人", "职务", "联系方式", "决策链角色",
                   "项目名称", "项目来源", "客户当前痛点", "客户预算范围"]  # fmt: skip
KEYPOINT_HEADER = ["日期", "客户", "项目", "阶段", "沟通方式", "沟通内容", "客户反馈", "障碍", "我方应对", "下一步",
                   "下一步期限", "线索评级", "记录人"]  # fmt: skip


def guide_customer(**changes):
    row = {
        "客户全称": "上海华信科技有限公司",
        "统一社会信用代码": "",
        "所属行业": "制造业",
        "销售负责人": "rep1",
        "联系人": "王总",
        "职务": "采购部经理",
        "联系方式": "13800138000",
        "决策链角色": "决策者",
        "项目名称": "企业生产管理系统升级",
        "项目来源": "展会对接",
        "客户当前痛点": "现有系统效率低,需提升30%产能",
        "客户预算范围": "50-80万",
    }
    row.update(changes)
    return [row[name] for name in CUSTOMER_HEADER]


def guide_keypoint(**changes):
    row = {
        "日期": "2024-03-15 10:00",
        "客户": "上海华信科技有限公司",
        "项目": "企业生产管理系统升级",
        "阶段": "线索获取",
        "沟通方式": "电话",
        "沟通内容": "与客户采购部经理电话沟通,客户确认预算60万左右",
        "客户反馈": "需求为替换老旧ERP系统,需兼容现有财务模块",
        "障碍": "无",
        "我方应对": "安排技术调研",
        "下一步": "现场调研",
        "下一步期限": "2024/3/20",
        "线索评级": "A",
        "记录人": "rep1",
    }
    row.update(changes)
    return [row[name] for name in KEYPOINT_HEADER]


@pytest.fixture
def people(db):
    return {
        "lead": UserFactory(username="lead1", role="lead", display_name="刘经理"),
        "rep": UserFactory(username="rep1", role="rep", display_name="张三"),
    }


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def upload(people, data, filename="台账.xlsx"):
    return services.import_upload(actor=people["lead"], data=data, filename=filename, language="zh-hans")


def check(job, people, mapping_changes=None):
    """Confirm the guessed mapping (with changes) and run the check, as a small file runs it."""
    kinds = [sheet["kind"] for sheet in job.sheets]
    mappings = [list(sheet["mapping"]) for sheet in job.sheets]
    for (sheet, column), key in (mapping_changes or {}).items():
        mappings[sheet][column] = key
    services.import_map(job=job, actor=people["lead"], kinds=kinds, mappings=mappings, default_owner=people["lead"])
    return runs.import_check(job_id=job.pk)


def run(job, people):
    services.import_confirm(job=ImportJob.objects.get(pk=job.pk), actor=people["lead"])
    return runs.import_run(job_id=job.pk)


@pytest.fixture(autouse=True)
def on_commit_now(monkeypatch):
    """Steps start on commit; in these tests they are run by hand, as a worker would."""
    monkeypatch.setattr(services, "_start", lambda job, step: None)


def guide_file(*customer_rows, keypoint_rows=()):
    sheets = {"客户基础信息": [CUSTOMER_HEADER, *customer_rows]}
    if keypoint_rows:
        sheets["关键点记录明细"] = [KEYPOINT_HEADER, *keypoint_rows]
    return workbook(sheets)


def test_the_guides_two_sheets_create_customer_contact_project_and_key_point(people):
    job = upload(people, guide_file(guide_customer(), keypoint_rows=[guide_keypoint()]))
    assert [sheet["kind"] for sheet in job.sheets] == [SheetKind.CUSTOMERS, SheetKind.KEYPOINTS]
    job = check(job, people)
    assert job.status == ImportStatus.CHECKED
    counts = job.preview["counts"]
    assert (counts["customers_new"], counts["contacts_new"], counts["projects_new"], counts["keypoints_new"]) == (
        1,
        1,
        1,
        1,
    )
    assert counts["rejected"] == 0
    assert job.preview["customers"] == ["上海华信科技有限公司"]
    assert Customer.objects.count() == 0  # the check writes nothing

    job = run(job, people)
    assert job.status == ImportStatus.DONE, job.error
    customer = Customer.objects.get()
    assert (customer.legal_name, customer.industry, customer.owner, customer.created_by) == (
        "上海华信科技有限公司", "manufacturing", people["rep"], people["lead"])  # fmt: skip
    contact = Contact.objects.get()
    assert (contact.name, contact.title, contact.phone, contact.decision_role) == (
        "王总", "采购部经理", "13800138000", "decision_maker")  # fmt: skip
    project = Project.objects.get()
    assert (project.name, project.source, project.budget_min, project.budget_max, project.owner) == (
        "企业生产管理系统升级", "trade_show", Decimal("500000"), Decimal("800000"), people["rep"])  # fmt: skip
    keypoint = KeyPoint.objects.get()
    assert keypoint.project == project
    assert keypoint.author == people["rep"]  # the author kept, not the importer
    assert keypoint.occurred_at == datetime.datetime(2024, 3, 15, 2, 0, tzinfo=datetime.UTC)
    assert keypoint.created_at == keypoint.occurred_at
    assert (keypoint.stage, keypoint.method, keypoint.lead_rating) == (1, "phone", "A")
    assert keypoint.next_step_due == datetime.date(2024, 3, 20)
    assert list(keypoint.our_participants.all()) == [people["rep"]]
    assert keypoint.next_step_owner == people["rep"]
    # Completeness as the service computes it: the lead stage's source channel, basis and so on.
    assert keypoint.elements_total == 4 and not keypoint.is_complete
    # Recorded in the language the import was asked in, whatever an earlier test left active.
    with translation.override(job.language):
        assert keypoint.history.get().history_change_reason == str(runs.REASON)


def test_imported_key_points_name_their_obstacle_as_the_dashboard_counts_it(people):
    rows = [
        guide_keypoint(障碍=" 预算审批慢 "),
        guide_keypoint(日期="2024-03-16 10:00", 障碍="无", 沟通内容="第二次沟通"),
    ]
    job = run(check(upload(people, guide_file(guide_customer(), keypoint_rows=rows)), people), people)
    assert job.status == ImportStatus.DONE, job.error
    named = dict(KeyPoint.objects.values_list("obstacles", "named_obstacle"))
    # The import trims what it reads; what it keeps names the obstacle as the dashboard counts it.
    assert named == {"预算审批慢": "预算审批慢", "无": ""}


def test_re_importing_the_same_file_creates_nothing(people):
    data = guide_file(guide_customer(), keypoint_rows=[guide_keypoint()])
    run(check(upload(people, data), people), people)
    job = check(upload(people, data), people)
    counts = job.preview["counts"]
    assert (counts["customers_new"], counts["projects_new"], counts["contacts_new"], counts["keypoints_new"]) == (
        0,
        0,
        0,
        0,
    )
    assert (counts["customers_matched"], counts["projects_matched"], counts["keypoints_present"]) == (1, 1, 1)
    run(job, people)
    assert (Customer.objects.count(), Project.objects.count(), KeyPoint.objects.count()) == (1, 1, 1)


def test_a_customer_is_matched_by_name_key_or_by_credit_code_and_left_unchanged(people):
    by_name = CustomerFactory(legal_name="上海华信科技有限公司", industry="finance")
    by_code = CustomerFactory(legal_name="北京远航电子有限公司", credit_code="91310115MA1K4A1B2C")
    data = guide_file(
        guide_customer(**{"客户全称": "上海华信科技有限公司 ", "项目名称": ""}),
        guide_customer(**{"客户全称": "远航电子(北京)", "统一社会信用代码": by_code.credit_code, "项目名称": ""}),
    )
    job = check(upload(people, data), people)
    assert job.preview["counts"]["customers_matched"] == 2
    assert job.preview["counts"]["customers_new"] == 0
    run(job, people)
    by_name.refresh_from_db()
    assert by_name.industry == "finance"
    assert Customer.objects.count() == 2
    assert set(Contact.objects.values_list("customer_id", flat=True)) == {by_name.pk, by_code.pk}


def test_duplicates_within_the_file_are_made_once(people):
    data = guide_file(
        guide_customer(),
        guide_customer(**{"客户全称": "上海华信科技有限公司", "联系人": "李工", "职务": "技术主管"}),
        guide_customer(**{"客户全称": "上海 华信科技有限公司"}),  # the same key: spaces do not count
    )
    job = check(upload(people, data), people)
    counts = job.preview["counts"]
    assert (counts["customers_new"], counts["projects_new"], counts["contacts_new"]) == (1, 1, 2)
    run(job, people)
    assert Customer.objects.count() == 1
    assert sorted(Contact.objects.values_list("name", flat=True)) == ["李工", "王总"]


def test_each_rejected_row_has_its_reasons_and_nothing_of_it_is_written(people):
    data = guide_file(
        guide_customer(),
        guide_customer(**{"客户全称": "坏电话公司", "联系方式": "12345"}),
        guide_customer(**{"客户全称": "坏代码公司", "统一社会信用代码": "91310115MA1K4A1B2X"}),
        guide_customer(**{"客户全称": "无名氏公司", "销售负责人": "nobody"}),
        guide_customer(**{"客户全称": "", "项目名称": "无主项目"}),
        guide_customer(**{"客户全称": "坏预算公司", "客户预算范围": "八十万"}),
        keypoint_rows=[guide_keypoint(**{"日期": "2024-13-45"}), guide_keypoint(**{"阶段": "第九阶段"})],
    )
    job = check(upload(people, data), people)
    rejected = {(row["sheet"], row["row"]): " ".join(row["reasons"]) for row in job.preview["rejected"]}
    assert set(rejected) == {("客户基础信息", n) for n in (3, 4, 5, 6, 7)} | {("关键点记录明细", n) for n in (2, 3)}
    assert "手机" in rejected[("客户基础信息", 3)] or "13800138000" in rejected[("客户基础信息", 3)]
    assert "nobody" in rejected[("客户基础信息", 5)]
    assert "2024" in rejected[("关键点记录明细", 2)]
    run(job, people)
    assert list(Customer.objects.values_list("legal_name", flat=True)) == ["上海华信科技有限公司"]
    assert KeyPoint.objects.count() == 0
    # The rejected rows come back as a workbook: reason, row number, then the row as it was.
    book = load_workbook(storage.path(ImportJob.objects.get(pk=job.pk).rejected_file))
    sheet = book["客户基础信息"]
    assert [cell.value for cell in sheet[1]][:3] == ["未导入的原因", "文件中的行", "客户全称"]
    assert sheet.max_row == 6


def test_gb18030_csv_of_customers(people):
    data = csv_bytes([CUSTOMER_HEADER, guide_customer()], encoding="gb18030")
    job = upload(people, data, filename="客户.csv")
    assert job.sheets[0]["kind"] == SheetKind.CUSTOMERS
    run(check(job, people), people)
    assert Customer.objects.get().legal_name == "上海华信科技有限公司"


def test_a_mapping_corrected_by_the_person_is_what_is_read(people):
    header = ["公司", "备注", "行业"]  # "公司" matches nothing; the person says it is the legal name
    data = workbook({"客户": [header, ["杭州天合软件有限公司", "x", "IT"]]})
    job = upload(people, data)
    assert job.sheets[0]["mapping"] == ["", "", "industry"]
    with pytest.raises(ValidationError, match="客户全称|legal name"):
        services.import_map(job=job, actor=people["lead"], kinds=["customers"], mappings=[["", "", "industry"]],
                            default_owner=people["lead"])  # fmt: skip
    run(check(job, people, {(0, 0): "legal_name"}), people)
    customer = Customer.objects.get()
    assert (customer.legal_name, customer.industry, customer.owner) == ("杭州天合软件有限公司", "it", people["lead"])


def test_key_points_alone_create_their_customer_and_project_with_a_consistent_stage_history(people):
    rows = [
        guide_keypoint(),
        guide_keypoint(
            **{"日期": "2024-03-20", "阶段": "需求挖掘", "沟通内容": "现场调研", "下一步期限": "2024-04-01"}
        ),
        guide_keypoint(**{"日期": "2024-04-18", "阶段": 4, "沟通内容": "商务谈判", "下一步期限": "2024-04-30"}),
    ]
    data = workbook({"关键点记录明细": [KEYPOINT_HEADER, *rows]})
    run(check(upload(people, data), people), people)
    project = Project.objects.get()
    assert (project.stage, project.customer.legal_name, project.owner) == (4, "上海华信科技有限公司", people["lead"])
    history = list(
        StageHistory.objects.filter(project=project).order_by("at").values_list("kind", "from_stage", "to_stage")
    )
    assert history == [(StageChange.CREATED, None, 1), (StageChange.ADVANCE, 1, 2), (StageChange.SKIP, 2, 4)]
    assert timezone.localtime(project.stage_entered_at).date() == datetime.date(2024, 4, 18)
    assert timezone.localtime(project.created_at).date() == datetime.date(2024, 3, 15)


def test_a_contract_key_point_without_its_number_amount_and_date_is_rejected(people):
    header = [*KEYPOINT_HEADER, "合同编号", "签约金额", "签约日期"]
    good = guide_keypoint(**{"日期": "2024-05-10", "阶段": "合同签订", "下一步期限": "2024-05-20"})
    data = workbook(
        {
            "关键点记录明细": [
                header,
                [*good, "HT-2024-001", "62万", "2024年5月10日"],
                [*good[:5], "另一份", *good[6:], "", "", ""],
            ]
        }
    )
    job = check(upload(people, data), people)
    assert [row["row"] for row in job.preview["rejected"]] == [3]
    run(job, people)
    project = Project.objects.get()
    assert (project.stage, project.signed_amount, project.signed_on) == (
        5,
        Decimal("620000"),
        datetime.date(2024, 5, 10),
    )


def test_a_stale_confirmation_is_refused_naming_who_changed_the_import(people):
    job = check(upload(people, guide_file(guide_customer())), people)
    seen = job.changed_at.isoformat()
    other = UserFactory(username="lead2", role="lead", display_name="另一位主管")
    services.import_map(job=job, actor=other, kinds=["customers"], mappings=[job.sheets[0]["mapping"]],
                        default_owner=other)  # fmt: skip
    runs.import_check(job_id=job.pk)
    with pytest.raises(ValidationError, match="另一位主管"):
        services.import_confirm(job=job, actor=people["lead"], seen=seen)
    assert ImportJob.objects.get(pk=job.pk).status == ImportStatus.CHECKED


def test_a_second_confirmation_imports_nothing_more(people):
    job = check(upload(people, guide_file(guide_customer())), people)
    run(job, people)
    with pytest.raises(ValidationError):
        services.import_confirm(job=job, actor=people["lead"])
    assert runs.import_run(job_id=job.pk).status == ImportStatus.DONE
    assert Customer.objects.count() == 1


def test_nothing_of_a_rejected_row_is_created_with_the_rows_after_it(people):
    data = guide_file(
        guide_customer(**{"客户全称": "坏电话有限公司", "联系人": "张", "联系方式": "123", "项目名称": "坏项目"}),
        guide_customer(),
        keypoint_rows=[guide_keypoint()],
    )
    job = run(check(upload(people, data), people), people)
    assert [row["row"] for row in job.preview["rejected"]] == [2]
    assert job.result["counts"]["rejected"] == 1
    assert list(Customer.objects.values_list("legal_name", flat=True)) == ["上海华信科技有限公司"]
    assert list(Contact.objects.values_list("name", flat=True)) == ["王总"]
    assert list(Project.objects.values_list("name", flat=True)) == ["企业生产管理系统升级"]


def test_files_of_old_imports_are_deleted_and_an_import_left_unconfirmed_is_closed(people, settings):
    settings.IMPORT_KEEP_DAYS = 7
    data = guide_file(guide_customer(), guide_customer(**{"客户全称": "坏电话有限公司", "联系方式": "123"}))
    done = run(check(upload(people, data), people), people)
    waiting = check(upload(people, data), people)
    fresh = upload(people, data)
    files = [storage.path(name) for name in (done.rejected_file, waiting.file, waiting.rejected_file)]
    assert all(file.is_file() for file in files)
    week_ago = timezone.now() - datetime.timedelta(days=7, minutes=1)
    ImportJob.objects.filter(pk__in=[done.pk, waiting.pk]).update(created_at=week_ago)
    assert runs.delete_stale_files() == 3
    assert not any(file.is_file() for file in files)
    assert storage.path(fresh.file).is_file()
    done, waiting = ImportJob.objects.get(pk=done.pk), ImportJob.objects.get(pk=waiting.pk)
    assert (done.status, done.rejected_file) == (ImportStatus.DONE, "")
    assert (waiting.status, waiting.file) == (ImportStatus.FAILED, "")
    assert "upload" in waiting.error or "上传" in waiting.error
    assert runs.delete_stale_files() == 0
