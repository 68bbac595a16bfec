"""Demo users, customers and projects built from the source guide's own examples.

Safe to run twice: every record is looked up by its natural key first.
"""

from datetime import date, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from accounts.models import Role
from customers.models import (
    Contact,
    Customer,
    DecisionRole,
    DecisionStep,
    Industry,
    Project,
    ProjectMember,
    ProjectStatus,
    Source,
    Stance,
    TeamRole,
    Tier,
)
from customers.validators import credit_code_check_char
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
            "steps": [("技术部评估", "李工"), ("财务部审核", "王总"), ("总经理终审", "张总")],
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
            "status": ProjectStatus.LOST,
            "lost_reason": "报价高于竞品 20%,客户选择了本地供应商。",
            "close_in_days": -10,
            "steps": [],
        },
    },
]


class Command(BaseCommand):
    help = "Create the demo users, customers and projects (safe to run again)."

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
        customer, _ = Customer.objects.get_or_create(
            legal_name=spec["legal_name"], defaults={**spec, "owner": owner, "created_by": owner}
        )
        contacts = {}
        for name, title, phone, decision_role, stance in contacts_spec:
            contacts[name], _ = Contact.objects.get_or_create(
                customer=customer,
                name=name,
                defaults={"title": title, "phone": phone, "decision_role": decision_role, "stance": stance},
            )
        low, high = project_spec["budget"]
        project, _ = Project.objects.get_or_create(
            customer=customer,
            name=project_spec["name"],
            defaults={
                "source": project_spec["source"],
                "pain_points": project_spec["pain_points"],
                "budget_min": wan(low),
                "budget_max": wan(high),
                "stage": project_spec["stage"],
                "status": project_spec.get("status", ProjectStatus.OPEN),
                "lost_reason": project_spec.get("lost_reason", ""),
                "expected_close_date": date.today() + timedelta(days=project_spec["close_in_days"]),
                "owner": owner,
            },
        )
        for position, (step_name, contact_name) in enumerate(project_spec["steps"], start=1):
            DecisionStep.objects.get_or_create(
                project=project, position=position, defaults={"name": step_name, "contact": contacts[contact_name]}
            )
        for username, role, responsibility in project_spec.get("members", []):
            ProjectMember.objects.get_or_create(
                project=project, user=users[username], defaults={"role": role, "responsibility": responsibility}
            )
