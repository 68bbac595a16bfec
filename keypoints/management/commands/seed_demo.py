"""Demo users, customers and projects built from the source guide's own examples.

Safe to run twice: every record is looked up by its natural key first.
"""

from datetime import timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from accounts.models import Role
from customers import services
from customers.models import (
    Contact,
    Customer,
    DecisionRole,
    DecisionStep,
    Industry,
    LostReason,
    Project,
    ProjectMember,
    ProjectStatus,
    Source,
    Stance,
    TeamRole,
    Tier,
)
from customers.validators import credit_code_check_char, customer_name_key
from keypoints import services as keypoint_services
from keypoints.models import KeyPoint, NextStepStatus, StageChange, StageHistory
from keypoints.stages import StageNumber

DEMO_PASSWORD = "salesrecord-demo"

USERS = [
    ("admin", "系统管理员", Role.ADMIN),
    ("lead", "赵强", Role.LEAD),
    ("rep1", "李明", Role.REP),
    ("rep2", "陈静", Role.REP),
    ("manager", "孙总监", Role.MANAGER),
]


def credit_code(first17):
    return first17 + credit_code_check_char(first17)


def wan(amount):
    return Decimal(amount) * 10000


CUSTOMERS = [
    {
        "owner": "rep1",
        "legal_name": "华东精密制造股份有限公司",
        "credit_code": credit_code("91310115MA1H7G2K3"),
        "industry": Industry.MANUFACTURING,
        "employee_count": 850,
        "annual_revenue": wan(32000),
        "tier": Tier.KEY,
        "estimated_annual_purchase": wan(80),
        "contacts": [
            ("刘敏", "采购部经理", "13816620315", DecisionRole.INFLUENCER, Stance.SUPPORTER),
            ("李工", "技术主管", "13916620488", DecisionRole.INFLUENCER, Stance.SUPPORTER),
            ("王总", "财务总监", "021-58860012", DecisionRole.DECISION_MAKER, Stance.NEUTRAL),
            ("张总", "总经理", "13601860001", DecisionRole.DECISION_MAKER, Stance.NEUTRAL),
            ("周倩", "生产计划员", "13761550230", DecisionRole.USER, Stance.SUPPORTER),
        ],
        "project": {
            "name": "企业生产管理系统升级",
            "source": Source.TRADE_SHOW,
            "pain_points": "替换老旧 ERP 系统,需兼容现有财务模块;旧系统接口开放性差,供应链数据延迟 2 天。",
            "budget": (50, 80),
            "stage": StageNumber.NEGOTIATION,
            "close_in_days": 45,
            "started_days_ago": 38,
            "steps": [("技术部评估", "李工"), ("财务部审核", "王总"), ("总经理终审", "张总")],
            # The guide's own examples, 2024-03-15 to 2024-04-18, moved to end two days ago.
            "keypoints": [
                {
                    "days_ago": 36,
                    "stage": StageNumber.LEAD,
                    "method": "phone",
                    "contacts": ["刘敏"],
                    "summary": "销售代表与客户采购部经理电话沟通,客户确认预算 60 万左右。",
                    "customer_feedback": "需求为替换老旧 ERP 系统,需兼容现有财务模块。",
                    "obstacles": "客户同时在对比 3 家供应商。",
                    "our_response": "约定下周上门调研。",
                    "next_step": "上门调研,梳理需求与决策链",
                    "next_step_days": 5,
                    "source_channel": "trade_show",
                    "first_conversation": "客户提到计划 Q3 上线新系统,目前对比 3 家供应商。",
                    "need_keywords": "替换老旧ERP、兼容财务模块",
                    "lead_rating": "A",
                    "lead_rating_basis": "预算明确,需求清晰",
                },
                {
                    "days_ago": 31,
                    "stage": StageNumber.NEEDS,
                    "method": "on_site",
                    "contacts": ["李工"],
                    "summary": "销售代表与客户技术主管李工现场调研。",
                    "customer_feedback": "旧系统接口开放性差,导致供应链数据延迟 2 天。",
                    "obstacles": "客户担心员工培训成本高。",
                    "our_response": "承诺提供分批培训计划。",
                    "next_step": "准备方案演示",
                    "next_step_days": 14,
                    "question_list": "当前系统最影响效率的环节是?选型时最看重的 3 个因素是什么?",
                    "explicit_pains": "旧系统接口开放性差,供应链数据延迟 2 天。",
                    "implicit_needs": "希望供应商提供 3 个月免费运维支持。",
                    "decision_process": "技术部评估(李工)→财务部审核(王总)→总经理终审(张总)",
                },
                {
                    "days_ago": 16,
                    "stage": StageNumber.SOLUTION,
                    "method": "on_site",
                    "contacts": ["李工", "王总"],
                    "summary": "技术顾问向客户技术团队演示方案。",
                    "customer_feedback": "客户认可技术匹配度,但对报价中的定制开发费有疑问。",
                    "obstacles": "定制开发费占比过高(占预算 35%)。",
                    "our_response": "次日发送 2 个同行业案例,并提出分阶段支付方案。",
                    "next_step": "发送同行业案例与分阶段支付方案",
                    "next_step_days": 1,
                    "solution_highlights": "定制化接口开发,解决供应链数据延迟问题。",
                    "objections": "定制开发费占比过高(占预算 35%)。",
                    "objection_response": "提供同行业案例证明定制开发费为市场均价,提出分阶段支付。",
                    "promised_material": "2 个同行业案例企业的实施效果报告。",
                },
                {
                    "days_ago": 2,
                    "stage": StageNumber.NEGOTIATION,
                    "method": "meeting",
                    "contacts": ["王总"],
                    "summary": "销售经理与客户王总谈判,价格达成一致(62 万)。",
                    "customer_feedback": "客户坚持账期 60 天(我方标准 30 天)。",
                    "obstacles": "客户资金紧张。",
                    "our_response": "协调财务部评估“预付款 20% + 剩余货款 40 天内付清”的折中方案。",
                    "next_step": "财务部评估折中付款方案",
                    "next_step_days": 3,
                    "price_before": wan(65),
                    "price_after": wan(62),
                    "payment_terms": "客户要求 60 天账期;折中方案:预付 20%,余款 40 天内付清",
                    "other_terms": "增加 3 年质保;交付延期违约金条款待定",
                    "floor_price": wan(60),
                    "needs_approval": False,
                },
            ],
        },
    },
    {
        "owner": "rep1",
        "legal_name": "苏州恒通物流有限公司",
        "credit_code": credit_code("91320505MA1MXR8T4"),
        "industry": Industry.LOGISTICS,
        "employee_count": 320,
        "annual_revenue": wan(9000),
        "tier": Tier.NORMAL,
        "estimated_annual_purchase": wan(35),
        "contacts": [
            ("吴涛", "运营总监", "13962110876", DecisionRole.DECISION_MAKER, Stance.NEUTRAL),
            ("郑磊", "IT 主管", "0512-68251100", DecisionRole.INFLUENCER, Stance.SUPPORTER),
        ],
        "project": {
            "name": "仓储管理系统(WMS)建设",
            "source": Source.REFERRAL,
            "pain_points": "多仓库存不透明,盘点靠人工,差错率高。",
            "budget": (30, 45),
            "stage": StageNumber.NEEDS,
            "close_in_days": 90,
            "started_days_ago": 50,
            "keypoints": [
                {
                    "days_ago": 48,
                    "stage": StageNumber.LEAD,
                    "method": "phone",
                    "contacts": ["吴涛"],
                    "summary": "经老客户转介绍,与运营总监吴涛首次电话沟通。",
                    "customer_feedback": "多仓库存不透明,希望年内上线仓储系统。",
                    "obstacles": "预算尚未审批。",
                    "our_response": "发送产品资料与同类客户案例。",
                    "next_step": "约 IT 主管现场交流",
                    "next_step_days": 10,
                    "source_channel": "referral",
                    "first_conversation": "客户希望年内上线仓储系统,目前盘点靠人工。",
                    "need_keywords": "多仓协同、扫码盘点",
                    "lead_rating": "B",
                },
                {
                    "days_ago": 40,
                    "stage": StageNumber.NEEDS,
                    "method": "online_meeting",
                    "contacts": ["郑磊"],
                    "summary": "与 IT 主管郑磊线上会议,了解现有系统与接口。",
                    "customer_feedback": "希望与现有 ERP 对接。",
                    "obstacles": "IT 部人手紧张。",
                    "our_response": "提出由我方负责接口开发。",
                    "next_step": "整理需求清单发客户确认",
                    "next_step_days": 7,
                    "explicit_pains": "盘点靠人工,差错率高。",
                },
            ],
            "steps": [("运营部需求确认", "吴涛"), ("IT 部技术评估", "郑磊")],
        },
    },
    {
        "owner": "rep1",
        "legal_name": "宁波海纳电子科技有限公司",
        "credit_code": credit_code("91330206MA2GQ5L07"),
        "industry": Industry.IT,
        "employee_count": 460,
        "annual_revenue": wan(15000),
        "tier": Tier.STRATEGIC,
        "estimated_annual_purchase": wan(120),
        "contacts": [
            ("何建国", "副总经理", "13857420018", DecisionRole.DECISION_MAKER, Stance.SUPPORTER),
            ("孙悦", "信息化经理", "13906620931", DecisionRole.INFLUENCER, Stance.OPPONENT),
        ],
        "project": {
            "name": "MES 车间执行系统",
            "source": Source.INBOUND,
            "pain_points": "车间报工依赖纸质单据,交付周期无法精确到天。",
            "budget": (100, 150),
            "stage": StageNumber.SOLUTION,
            "close_in_days": 120,
            "started_days_ago": 30,
            "steps": [("信息化部选型", "孙悦"), ("副总经理审批", "何建国")],
            "members": [("rep2", TeamRole.COMMERCIAL_SPECIALIST, "报价与合同条款")],
        },
    },
    {
        "owner": "rep2",
        "legal_name": "杭州云栖金融服务有限公司",
        "credit_code": credit_code("91330106MA27XK9P1"),
        "industry": Industry.FINANCE,
        "employee_count": 210,
        "annual_revenue": wan(6000),
        "tier": Tier.NORMAL,
        "estimated_annual_purchase": wan(20),
        "contacts": [("冯晓", "市场部经理", "13735860142", DecisionRole.INFLUENCER, Stance.NEUTRAL)],
        "project": {
            "name": "客户关系平台采购",
            "source": Source.WEBSITE,
            "pain_points": "客户信息散落在个人表格里,交接时容易丢失。",
            "budget": (15, 25),
            "stage": StageNumber.LEAD,
            "close_in_days": 150,
            "started_days_ago": 6,
            "keypoints": [
                {
                    "days_ago": 5,
                    "stage": StageNumber.LEAD,
                    "method": "phone",
                    "contacts": ["冯晓"],
                    "summary": "客户通过官网留言咨询,电话回访市场部经理冯晓。",
                    "customer_feedback": "客户信息散落在个人表格里,想先了解价格区间。",
                    "obstacles": "决策人尚不明确。",
                    "our_response": "约定下周演示产品。",
                    "next_step": "产品演示并确认决策人",
                    "next_step_days": 7,
                    "source_channel": "website",
                    "lead_rating": "C",
                },
            ],
            "steps": [],
        },
    },
    {
        "owner": "rep2",
        "legal_name": "合肥新材能源集团有限公司",
        "credit_code": credit_code("91340100MA2NB3W58"),
        "industry": Industry.ENERGY,
        "employee_count": 2300,
        "annual_revenue": wan(180000),
        "tier": Tier.STRATEGIC,
        "estimated_annual_purchase": wan(300),
        "contacts": [
            ("钱志刚", "设备部部长", "13805510066", DecisionRole.DECISION_MAKER, Stance.SUPPORTER),
            ("许宁", "采购专员", "0551-63356600", DecisionRole.USER, Stance.NEUTRAL),
        ],
        "project": {
            "name": "能耗监测平台",
            "source": Source.TRADE_SHOW,
            "pain_points": "各厂区能耗数据按月手工汇总,无法及时发现异常。",
            "budget": (180, 220),
            "stage": StageNumber.CONTRACT,
            "close_in_days": 20,
            "started_days_ago": 120,
            "keypoints": [
                {
                    "days_ago": 10,
                    "stage": StageNumber.CONTRACT,
                    "method": "on_site",
                    "contacts": ["钱志刚", "许宁"],
                    "summary": "集团招标结果公示,我方中标,双方签署合同。",
                    "customer_feedback": "希望 3 个月内完成一期上线。",
                    "obstacles": "一期交付时间紧。",
                    "our_response": "增派 2 名实施工程师。",
                    "next_step": "召开项目启动会",
                    "next_step_days": 14,
                    "contract_number": "XC-2026-0318",
                    "signed_amount": wan(205),
                    "payment_schedule": "签约付 30%,上线付 50%,验收后付 20%",
                    "risks": "一期上线时间紧,逾期违约金为合同额 0.5%/周。",
                },
            ],
            "steps": [("设备部评估", "钱志刚"), ("集团采购招标", "许宁")],
        },
    },
    {
        "owner": "rep2",
        "legal_name": "成都锦程医疗器械有限公司",
        "credit_code": "",
        "industry": Industry.HEALTHCARE,
        "employee_count": 150,
        "annual_revenue": wan(4000),
        "tier": Tier.NORMAL,
        "estimated_annual_purchase": wan(15),
        "contacts": [("邓丽", "渠道总监", "028-85561234", DecisionRole.DECISION_MAKER, Stance.OPPONENT)],
        "project": {
            "name": "经销商管理系统",
            "source": Source.OUTBOUND,
            "pain_points": "经销商库存与回款无法实时掌握。",
            "budget": (20, 30),
            "stage": StageNumber.SOLUTION,
            "lost": ("价格高于竞品", "报价高于竞品 20%,客户选择了本地供应商。"),
            "close_in_days": -10,
            "started_days_ago": 90,
            "steps": [],
        },
    },
]


class Command(BaseCommand):
    help = "Create the demo users, customers, projects and key points (safe to run again)."

    @transaction.atomic
    def handle(self, *args, **options):
        users = {username: self._user(username, name, role) for username, name, role in USERS}
        for spec in CUSTOMERS:
            self._customer(spec, users)
        self.stdout.write(
            self.style.SUCCESS("Demo data ready. Log in with any of these (password %s):" % DEMO_PASSWORD)
        )
        for username, name, role in USERS:
            self.stdout.write(f"  {username:<8} {name} ({role.label})")

    def _user(self, username, name, role):
        user, created = get_user_model().objects.get_or_create(
            username=username,
            defaults={
                "display_name": name,
                "role": role,
                "email": f"{username}@example.com",
                "is_staff": role == Role.ADMIN,
                "is_superuser": role == Role.ADMIN,
            },
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        return user

    def _customer(self, spec, users):
        spec = dict(spec)
        contacts_spec, project_spec = spec.pop("contacts"), spec.pop("project")
        owner = users[spec.pop("owner")]
        customer = Customer.objects.filter(name_key=customer_name_key(spec["legal_name"])).first()
        if customer is None:
            customer = services.customer_create(customer=Customer(**spec, owner=owner), actor=owner)
        contacts = {}
        for name, title, phone, decision_role, stance in contacts_spec:
            contacts[name], _ = Contact.objects.get_or_create(
                customer=customer,
                name=name,
                defaults={"title": title, "phone": phone, "decision_role": decision_role, "stance": stance},
            )
        if not customer.projects.filter(name=project_spec["name"]).exists():
            self._project(customer, owner, project_spec, contacts, users)

    def _project(self, customer, owner, spec, contacts, users):
        low, high = spec["budget"]
        now = timezone.now()
        project = Project.objects.create(
            customer=customer,
            name=spec["name"],
            source=spec["source"],
            pain_points=spec["pain_points"],
            budget_min=wan(low),
            budget_max=wan(high),
            expected_close_date=timezone.localdate() + timedelta(days=spec["close_in_days"]),
            owner=owner,
        )
        for position, (step_name, contact_name) in enumerate(spec["steps"], start=1):
            DecisionStep.objects.create(
                project=project, position=position, name=step_name, contact=contacts[contact_name]
            )
        for username, role, responsibility in spec.get("members", []):
            ProjectMember.objects.create(
                project=project, user=users[username], role=role, responsibility=responsibility
            )

        # The stage history as it would have been recorded: created at lead, then one advance per stage,
        # on the day of that stage's first key point (or spread evenly where the demo has none).
        started = now - timedelta(days=spec["started_days_ago"])
        first_seen = {}
        for keypoint in spec.get("keypoints", []):
            first_seen.setdefault(keypoint["stage"], now - timedelta(days=keypoint["days_ago"]))
        history = [
            StageHistory(
                project=project,
                kind=StageChange.CREATED,
                from_stage=None,
                to_stage=1,
                from_status="",
                to_status=ProjectStatus.OPEN,
                actor=owner,
                at=started,
            )
        ]
        previous_at = started
        for stage in range(2, spec["stage"] + 1):
            step = (now - previous_at) / (spec["stage"] - stage + 2)
            at = first_seen.get(stage, previous_at + step)
            history.append(
                StageHistory(
                    project=project,
                    kind=StageChange.ADVANCE,
                    from_stage=stage - 1,
                    to_stage=stage,
                    from_status=ProjectStatus.OPEN,
                    to_status=ProjectStatus.OPEN,
                    actor=owner,
                    at=at,
                )
            )
            previous_at = at
        StageHistory.objects.bulk_create(history)
        Project.objects.filter(pk=project.pk).update(stage=spec["stage"], stage_entered_at=previous_at)
        project.refresh_from_db()

        for keypoint_spec in spec.get("keypoints", []):
            self._keypoint(project, owner, dict(keypoint_spec), contacts, now)
        if "lost" in spec:
            reason_name, note = spec["lost"]
            reason = LostReason.objects.filter(name=reason_name).first() or LostReason.objects.first()
            keypoint_services.project_mark_lost(project=project, actor=owner, lost_reason=reason, note=note)

    def _keypoint(self, project, owner, spec, contacts, now):
        occurred_at = now - timedelta(days=spec.pop("days_ago"))
        due = timezone.localtime(occurred_at).date() + timedelta(days=spec.pop("next_step_days"))
        customer_participants = [contacts[name] for name in spec.pop("contacts")]
        if spec.get("contract_number"):
            spec.setdefault("signing_date", timezone.localtime(occurred_at).date())
        keypoint = KeyPoint(project=project, occurred_at=occurred_at, next_step_owner=owner, next_step_due=due, **spec)
        if due < timezone.localdate() - timedelta(days=3):
            keypoint.next_step_status = NextStepStatus.DONE
        keypoint_services.keypoint_create(
            keypoint=keypoint, actor=owner, our_participants=[owner], customer_participants=customer_participants
        )
