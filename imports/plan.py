"""The dry run: what a file would create, what it matches, and which rows it rejects and why.

Nothing here writes. The check (the preview a person confirms) and the import itself run the same plan,
the import inside its transaction, so that what is written is what the database holds at that moment.

Rules, row by row:

- A **customer** is the same customer as one already recorded when its legal name is (width, case and
  spaces aside: ``customers.validators.customer_name_key``) or its unified social credit code is. A
  matched customer is not changed. A customer named twice in the file is made once.
- A **contact** is matched by name within its customer; a **project** by name within its customer.
- A **key point** is already recorded when its project holds one at the same minute, stage and summary:
  importing the same file twice creates nothing the second time.
- People (owners, authors, participants) are found by login or by the name the app shows; a name that
  is nobody's, or two people's, rejects the row: nobody is invented.
- Every value is checked by the model's own rules (the forms': credit code, phone, lengths, choices), and
  by the forms' rules across fields: a budget's ends in order, a next step not due before its event,
  no event in the future, a contract key point (on a project not yet signed) with its number, amount and
  date. A row with any problem is rejected whole, with every reason.
- A key-point row whose customer or project is in neither the database nor the file's customer sheet
  creates it (industry and source "other", owned by the import's default owner), so that our own ledger
  export comes back into an empty database whole.
- A new project's stage follows its key points: it starts at stage 1 at its first key point and moves to
  each later stage at the first key point of that stage (a skip when it jumps), never to contract
  signing or beyond without a contract key point with number, amount and date in the file.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from customers.models import (
    Contact,
    Customer,
    DecisionRole,
    Industry,
    Project,
    ProjectStatus,
    Source,
    Stance,
    Tier,
)
from customers.validators import customer_name_key, customer_name_sort_key, normalize_credit_code, normalize_phone
from keypoints.models import KeyPoint, Method, NextStepStatus
from keypoints.services import completeness
from keypoints.stages import STAGES, StageNumber, get_stage
from salesrecord.text import colon, join_list

from . import values
from .columns import SheetKind

# The clock may run a little ahead on a phone: as the key-point form allows.
CLOCK_SLACK = datetime.timedelta(minutes=5)
CONTRACT_FIELDS = ("contract_number", "signed_amount", "signing_date")
# Stage elements shown to the person for each kind of record, and the preview's examples per list.
EXAMPLES = 20

INDUSTRY_SYNONYMS = {
    Industry.MANUFACTURING: ["制造", "工业"],
    Industry.FINANCE: ["金融", "银行", "保险", "证券"],
    Industry.RETAIL: ["零售", "消费品", "快消"],
    Industry.IT: ["IT", "软件", "互联网", "信息技术"],
    Industry.HEALTHCARE: ["医疗", "医药", "医疗器械"],
    Industry.ENERGY: ["能源", "电力"],
    Industry.CONSTRUCTION: ["建筑", "房地产", "地产"],
    Industry.LOGISTICS: ["物流", "运输"],
    Industry.EDUCATION: ["教育", "培训"],
    Industry.GOVERNMENT: ["政府", "事业单位", "公共事业"],
    Industry.OTHER: ["其他", "其它"],
}
SOURCE_SYNONYMS = {
    Source.INBOUND: ["主动咨询", "客户咨询", "来电咨询"],
    Source.TRADE_SHOW: ["展会对接", "行业展会", "展会"],
    Source.REFERRAL: ["转介绍", "介绍", "老客户介绍"],
    Source.WEBSITE: ["官网咨询", "官网", "网站"],
    Source.OUTBOUND: ["陌拜", "电话营销", "主动开发", "外呼"],
    Source.OTHER: ["其他", "其它"],
}
METHOD_SYNONYMS = {
    Method.PHONE: ["电话", "电话沟通"],
    Method.ON_SITE: ["拜访", "现场", "现场调研", "面谈", "上门"],
    Method.ONLINE_MEETING: ["线上", "视频会议", "腾讯会议"],
    Method.MEETING: ["来访", "会议"],
    Method.EMAIL: ["邮件"],
    Method.WECHAT: ["微信"],
}
ROLE_SYNONYMS = {
    DecisionRole.DECISION_MAKER: ["决策人", "拍板人"],
    DecisionRole.INFLUENCER: ["影响人"],
    DecisionRole.USER: ["使用人", "用户"],
}
_CHINESE_NUMERALS = "一二三四五六七"
STAGE_SYNONYMS = {
    stage.number: [
        stage.key,
        f"阶段{stage.number}",
        f"第{stage.number}阶段",
        f"第{_CHINESE_NUMERALS[stage.number - 1]}阶段",
        f"{stage.number}阶段",
    ]
    for stage in STAGES
}


@dataclass
class Rejected:
    sheet: str
    row: int
    cells: list
    reasons: list


@dataclass
class PlannedKeyPoint:
    keypoint: KeyPoint
    project_key: tuple
    our_participants: list
    contact_keys: list
    created_at: datetime.datetime


@dataclass
class Plan:
    new_customers: dict = field(default_factory=dict)  # customer key -> unsaved Customer
    matched_customers: dict = field(default_factory=dict)  # customer key -> existing id
    new_contacts: dict = field(default_factory=dict)  # contact key -> unsaved Contact (customer key on it)
    matched_contacts: dict = field(default_factory=dict)  # contact key -> existing id
    new_projects: dict = field(default_factory=dict)  # project key -> unsaved Project
    matched_projects: dict = field(default_factory=dict)  # project key -> existing id
    keypoints: list = field(default_factory=list)  # [PlannedKeyPoint]
    present_keypoints: int = 0
    rejected: list = field(default_factory=list)
    rows_read: int = 0

    def counts(self):
        return {
            "customers_new": len(self.new_customers),
            "customers_matched": len(self.matched_customers),
            "contacts_new": len(self.new_contacts),
            "contacts_matched": len(self.matched_contacts),
            "projects_new": len(self.new_projects),
            "projects_matched": len(self.matched_projects),
            "keypoints_new": len(self.keypoints),
            "keypoints_present": self.present_keypoints,
            "rejected": len(self.rejected),
            "rows": self.rows_read,
        }


class _RowError(Exception):
    def __init__(self, reasons):
        super().__init__(reasons)
        self.reasons = reasons


def _lower(name):
    return " ".join(str(name).split()).casefold()


class People:
    """Everyone, found by login or by the name the app shows them under."""

    def __init__(self):
        self.by_id = {}
        self.by_login = {}
        self.by_name = defaultdict(set)
        for user in get_user_model().objects.only("username", "display_name", "first_name", "last_name", "is_active"):
            self.by_id[user.pk] = user
            self.by_login[user.username.casefold()] = user
            for name in {str(user), user.get_full_name(), user.display_name}:
                if name:
                    self.by_name[_lower(name)].add(user.pk)

    def find(self, raw, *, active=False):
        user = self.by_login.get(raw.casefold())
        if user is None:
            found = self.by_name.get(_lower(raw), set())
            if len(found) > 1:
                raise ValueError(
                    _("“%(name)s” is the name of more than one person: write their login instead.") % {"name": raw}
                )
            user = self.by_id[next(iter(found))] if found else None
        if user is None:
            raise ValueError(_("Nobody here is called “%(name)s” (by login or name).") % {"name": raw})
        if active and not user.is_active:
            raise ValueError(_("%(name)s's account is deactivated: choose someone active.") % {"name": user})
        return user


class Planner:
    def __init__(self, *, actor, default_owner, sheets, settings_by_sheet, progress=None):
        """sheets: imports.reading.Sheet objects; settings_by_sheet: {"kind", "mapping"} per sheet, in
        the same order; progress: called with the number of rows read so far, now and then."""
        self.actor = actor
        self.default_owner = default_owner
        self.sheets = sheets
        self.settings = settings_by_sheet
        self.progress = progress or (lambda done: None)
        self.plan = Plan()
        self.people = People()
        self.now = timezone.now()
        self.industry = values.Choices(Industry.choices, synonyms=INDUSTRY_SYNONYMS)
        self.tier = values.Choices(Tier.choices, synonyms={Tier.KEY: ["重点", "重要"], Tier.STRATEGIC: ["战略"]})
        self.source = values.Choices(Source.choices, synonyms=SOURCE_SYNONYMS)
        self.role = values.Choices(DecisionRole.choices, synonyms=ROLE_SYNONYMS)
        self.method = values.Choices(Method.choices, synonyms=METHOD_SYNONYMS)
        self.stage = values.Choices(StageNumber.choices, synonyms=STAGE_SYNONYMS)
        self.next_status = values.Choices(
            NextStepStatus.choices, synonyms={NextStepStatus.DONE: ["已完成", "完成"], NextStepStatus.OPEN: ["未完成"]}
        )
        self._readers = {}
        self._reset_pending()

    # The database as it is --------------------------------------------------------------------------

    def _load(self):
        self.customers_by_key = {}
        self.customers_by_code = {}
        self.archived_customers = set()
        for pk, key, code, archived_at in Customer.all_objects.values_list(
            "pk", "name_key", "credit_code", "archived_at"
        ):
            self.customers_by_key[key] = pk
            if code:
                self.customers_by_code[code] = key
            if archived_at is not None:
                self.archived_customers.add(key)
        self.customer_keys_by_pk = {pk: key for key, pk in self.customers_by_key.items()}
        self.projects = {}
        self.archived_projects = set()
        self.signed_projects = set()
        for pk, customer_id, name, archived_at, signed in Project.all_objects.values_list(
            "pk", "customer_id", "name", "archived_at", "signed_on"
        ):
            key = (self.customer_keys_by_pk[customer_id], _lower(name))
            self.projects.setdefault(key, pk)
            if archived_at is not None:
                self.archived_projects.add(key)
            if signed is not None:
                self.signed_projects.add(key)
        self.contacts = {}
        for pk, customer_id, name in Contact.all_objects.values_list("pk", "customer_id", "name"):
            self.contacts.setdefault((self.customer_keys_by_pk[customer_id], _lower(name)), pk)
        self.present = set()

    def _load_present(self, project_ids):
        """The key points already recorded on the projects the file names: what a re-import matches."""
        for project_id, occurred_at, stage, summary in KeyPoint.all_objects.filter(
            project_id__in=project_ids
        ).values_list("project_id", "occurred_at", "stage", "summary"):
            self.present.add((project_id, _minute(occurred_at), stage, summary.strip()))

    # The plan ------------------------------------------------------------------------------------------

    def run(self):
        self._load()
        ordered = sorted(
            zip(self.sheets, self.settings, strict=True),
            key=lambda pair: {SheetKind.CUSTOMERS: 0, SheetKind.KEYPOINTS: 1}.get(pair[1]["kind"], 2),
        )
        read = 0
        keypoint_rows = []
        for sheet, setting in ordered:
            kind = setting["kind"]
            if kind == SheetKind.SKIP:
                continue
            mapping = setting["mapping"]
            for number, cells in sheet.rows:
                row = {key: cells[index] for index, key in enumerate(mapping) if key and index < len(cells)}
                if kind == SheetKind.CUSTOMERS:
                    self._guarded(sheet, number, cells, self._customer_row, row)
                else:
                    keypoint_rows.append((sheet, number, cells, row))
                read += 1
                if read % 1000 == 0:
                    self.progress(read)
        self._load_present(self._named_projects(keypoint_rows))
        for sheet, number, cells, row in keypoint_rows:
            self._guarded(sheet, number, cells, self._keypoint_row, row)
        self._stage_projects()
        self.plan.rows_read = read
        self.progress(read)
        return self.plan

    def _named_projects(self, keypoint_rows):
        """Ids of existing projects the key-point rows name (to load only their key points)."""
        wanted = set()
        for _sheet, _number, _cells, row in keypoint_rows:
            customer = values.text(row.get("customer"))
            project = values.text(row.get("project"))
            if customer and project:
                key = self._customer_key_of(customer)
                pk = self.projects.get((key, _lower(project)))
                if pk:
                    wanted.add(pk)
        return wanted

    def _guarded(self, sheet, number, cells, handle, row):
        try:
            handle(row)
        except _RowError as error:
            # Nothing a rejected row planned may reach the plan with a later row.
            self._reset_pending()
            self.plan.rejected.append(Rejected(sheet.name, number, list(cells), error.reasons))

    # Readers -------------------------------------------------------------------------------------------

    def _read(self, row, key, reader, errors, label):
        try:
            return reader(row.get(key))
        except ValueError as error:
            errors.append(_labelled(label, error))
            return None

    def _person(self, raw, errors, label, *, active=False):
        raw = values.text(raw)
        if raw is None:
            return None
        try:
            return self.people.find(raw, active=active)
        except ValueError as error:
            errors.append(_labelled(label, error))
            return None

    def _customer_key_of(self, legal_name):
        return customer_name_key(legal_name)

    # Customer sheet ------------------------------------------------------------------------------------

    def _customer_row(self, row):
        errors = []
        legal_name = values.text(row.get("legal_name"))
        if not legal_name:
            raise _RowError([_("The customer's legal name is missing.")])
        code = normalize_credit_code(values.text(row.get("credit_code")) or "")
        key = customer_name_key(legal_name)
        if code and code in self.customers_by_code and self.customers_by_code[code] != key:
            key = self.customers_by_code[code]  # the same company under another name: the code decides
        owner = self._person(row.get("owner"), errors, _("Sales owner"), active=True)
        customer_key = self._customer(key, legal_name, code, row, owner, errors)
        contact_name = values.text(row.get("contact_name"))
        contact = None
        if contact_name:
            contact = self._contact(customer_key, contact_name, row, errors)
        project_name = values.text(row.get("project_name"))
        project = None
        if project_name:
            project_owner = self._person(row.get("project_owner"), errors, _("Project owner"), active=True)
            project = self._project_from_sheet(customer_key, project_name, row, project_owner or owner, errors)
        if errors:
            raise _RowError(errors)
        self._commit_row(customer_key, contact, project)

    def _customer(self, key, legal_name, code, row, owner, errors):
        if key in self.archived_customers:
            errors.append(_("%(name)s is archived: restore it from the archive first.") % {"name": legal_name})
            return key
        if key in self.customers_by_key or key in self.plan.new_customers or key in self._pending_customers:
            return key
        industry = self._read(row, "industry", self.industry, errors, _("Industry"))
        customer = Customer(
            legal_name=legal_name,
            name_key=key,
            name_pinyin=customer_name_sort_key(legal_name),
            credit_code=code,
            industry=industry or "",
            employee_count=self._read(row, "employee_count", values.whole_number, errors, _("Employees")),
            tier=self._read(row, "tier", self.tier, errors, _("Account tier")) or Tier.NORMAL,
            owner=owner or self.default_owner,
            created_by=self.actor,
        )
        if industry is None and "industry" not in row:
            customer.industry = Industry.OTHER
        elif industry is None:
            errors.append(_labelled(_("Industry"), _("missing.")))
        self._validate(customer, errors, exclude={"owner", "created_by", "archived_by", "name_key", "name_pinyin"})
        self._pending_customers[key] = customer
        return key

    def _contact(self, customer_key, name, row, errors):
        key = (customer_key, _lower(name))
        if key in self.contacts or key in self.plan.new_contacts:
            return key
        phone = values.text(row.get("contact_phone"))
        contact = Contact(
            name=name,
            title=values.text(row.get("contact_title")) or "",
            phone=normalize_phone(phone or ""),
            email=values.text(row.get("contact_email")) or "",
            decision_role=self._read(row, "contact_role", self.role, errors, _("Decision-chain role"))
            or DecisionRole.INFLUENCER,
            stance=Stance.NEUTRAL,
        )
        contact.customer_key = customer_key
        self._validate(contact, errors, exclude={"customer", "archived_by"})
        self._pending_contacts[key] = contact
        return key

    def _project_from_sheet(self, customer_key, name, row, owner, errors):
        key = (customer_key, _lower(name))
        if key in self.archived_projects:
            errors.append(_("The project %(name)s is archived: restore it from the archive first.") % {"name": name})
            return key
        if key in self.projects or key in self.plan.new_projects:
            return key
        low, high = self._read(row, "budget", values.amount_range, errors, _("Budget")) or (None, None)
        source = self._read(row, "source", self.source, errors, _("Source"))
        if source is None and "source" in row:
            errors.append(_labelled(_("Source"), _("missing.")))
        project = Project(
            name=name,
            source=source or Source.OTHER,
            pain_points=values.text(row.get("pain_points")) or "",
            budget_min=low,
            budget_max=high,
            expected_close_date=self._read(row, "expected_close_date", values.date, errors, _("Expected close date")),
            owner=owner or self.default_owner,
            stage=StageNumber.LEAD,
            status=ProjectStatus.OPEN,
        )
        project.customer_key = customer_key
        self._validate(project, errors, exclude={"customer", "owner", "lost_reason", "archived_by"})
        self._pending_projects[key] = project
        return key

    def _commit_row(self, customer_key, contact_key, project_key):
        """A row that passed: what it planned joins the plan (or counts as matched)."""
        for key, customer in self._pending_customers.items():
            self.plan.new_customers.setdefault(key, customer)
        for key, contact in self._pending_contacts.items():
            self.plan.new_contacts.setdefault(key, contact)
        for key, project in self._pending_projects.items():
            self.plan.new_projects.setdefault(key, project)
        self._reset_pending()
        if customer_key in self.customers_by_key:
            self.plan.matched_customers[customer_key] = self.customers_by_key[customer_key]
        if contact_key and contact_key in self.contacts:
            self.plan.matched_contacts[contact_key] = self.contacts[contact_key]
        if project_key and project_key in self.projects:
            self.plan.matched_projects[project_key] = self.projects[project_key]

    _pending_customers: dict
    _pending_contacts: dict
    _pending_projects: dict

    def _reset_pending(self):
        self._pending_customers, self._pending_contacts, self._pending_projects = {}, {}, {}

    # Key-point sheet -------------------------------------------------------------------------------------

    def _keypoint_row(self, row):
        errors = []
        customer_name = values.text(row.get("customer"))
        project_name = values.text(row.get("project"))
        if not customer_name:
            errors.append(_("The customer is missing."))
        if not project_name:
            errors.append(_("The project is missing."))
        if errors:
            raise _RowError(errors)
        customer_key = customer_name_key(customer_name)
        if customer_key in self.archived_customers:
            raise _RowError([_("%(name)s is archived: restore it from the archive first.") % {"name": customer_name}])
        if customer_key not in self.customers_by_key and customer_key not in self.plan.new_customers:
            self._customer(customer_key, customer_name, "", {}, None, errors)
        project_key = (customer_key, _lower(project_name))
        if project_key in self.archived_projects:
            raise _RowError(
                [_("The project %(name)s is archived: restore it from the archive first.") % {"name": project_name}]
            )
        if project_key not in self.projects and project_key not in self.plan.new_projects:
            self._project_from_sheet(customer_key, project_name, {}, self.default_owner, errors)

        keypoint = KeyPoint()
        for name in row:
            if name in ("customer", "project", "author", "our_participants", "customer_participants", "created_at"):
                continue
            reader, label = self._reader(name)
            value = self._read(row, name, reader, errors, label)
            if name == "next_step_owner":
                keypoint.next_step_owner = value
            elif value is not None:
                setattr(keypoint, name, value)
        for required in ("occurred_at", "stage", "summary"):
            label = str(KeyPoint._meta.get_field(required).verbose_name)
            if getattr(keypoint, required) in (None, "") and not any(error.startswith(label) for error in errors):
                errors.append(_labelled(label, _("missing.")))
        author = self._person(row.get("author"), errors, _("Author")) if row.get("author") else self.actor
        keypoint.author = author
        if keypoint.next_step_owner_id is None and author is not None:
            keypoint.next_step_owner = author
        ours = []
        for name in values.names(row.get("our_participants")):
            person = self._person(name, errors, KeyPoint._meta.get_field("our_participants").verbose_name)
            if person is not None:
                ours.append(person.pk)
        if not ours and author is not None:
            ours = [author.pk]
        contact_keys = []
        for shown in values.names(row.get("customer_participants")):
            name, title = _contact_name_and_title(shown)
            key = self._contact(customer_key, name, {"contact_title": title}, errors)
            contact_keys.append(key)
        if keypoint.occurred_at is not None and keypoint.occurred_at > self.now + CLOCK_SLACK:
            errors.append(_("A key point records what has happened: the time cannot be in the future."))
        due, occurred_at = keypoint.next_step_due, keypoint.occurred_at
        if occurred_at and due and due < timezone.localtime(occurred_at).date():
            errors.append(_("The next step cannot be due before the event it follows."))
        if keypoint.stage:
            self._check_stage_fields(keypoint, row, project_key, errors)
        if keypoint.next_step_status == NextStepStatus.DONE:
            keypoint.next_step_done_at = self.now
        created_at = self._read(row, "created_at", values.moment, errors, _("Logged at")) or keypoint.occurred_at
        self._validate(
            keypoint,
            errors,
            exclude={"project", "author", "next_step_owner", "archived_by", "missing_elements", "client_token"},
        )
        if errors:
            self._reset_pending()
            raise _RowError(errors)
        project_id = self.projects.get(project_key)
        identity = (project_id or project_key, _minute(keypoint.occurred_at), keypoint.stage, keypoint.summary.strip())
        if identity in self.present:
            self._reset_pending()
            self.plan.present_keypoints += 1
            self._commit_row(customer_key, None, project_key)
            return
        self.present.add(identity)
        self._commit_row(customer_key, None, project_key)
        for key in contact_keys:
            if key in self.contacts:
                self.plan.matched_contacts[key] = self.contacts[key]
        keypoint.elements_filled, keypoint.elements_total, keypoint.missing_elements = completeness(
            keypoint, contact_keys
        )
        keypoint.is_complete = not keypoint.missing_elements
        self.plan.keypoints.append(PlannedKeyPoint(keypoint, project_key, ours, contact_keys, created_at))

    def _check_stage_fields(self, keypoint, row, project_key, errors):
        stage = get_stage(keypoint.stage)
        # Values under another stage's elements are dropped, as the form drops them.
        for name in _STAGE_FIELDS - set(stage.own_fields):
            setattr(keypoint, name, KeyPoint._meta.get_field(name).get_default())
        if stage.number == StageNumber.CONTRACT and project_key not in self.signed_projects:
            missing = [
                str(KeyPoint._meta.get_field(name).verbose_name)
                for name in CONTRACT_FIELDS
                if getattr(keypoint, name) in (None, "")
            ]
            if missing:
                errors.append(_("A contract-signing key point needs %(fields)s.") % {"fields": join_list(missing)})

    def _reader(self, name):
        if name not in self._readers:
            field = KeyPoint._meta.get_field(name) if name != "created_at" else None
            label = field.verbose_name if field else _("Logged at")
            if name == "stage":
                reader = self.stage
            elif name == "method":
                reader = self.method
            elif name == "next_step_status":
                reader = self.next_status
            elif name == "source_channel":
                reader = self.source
            elif name == "next_step_owner":
                reader = self._owner_reader(label)
            elif field.choices:
                reader = values.Choices(field.choices)
            elif field.get_internal_type() == "BooleanField":
                reader = values.yes_no
            elif field.get_internal_type() == "DecimalField":
                reader = values.amount
            elif field.get_internal_type() == "DateTimeField":
                reader = values.moment
            elif field.get_internal_type() == "DateField":
                reader = values.date
            else:
                reader = _text_or_blank
            self._readers[name] = (reader, label)
        return self._readers[name]

    def _owner_reader(self, label):
        def read(raw):
            raw = values.text(raw)
            return None if raw is None else self.people.find(raw)

        return read

    # Stages of new projects --------------------------------------------------------------------------------

    def _stage_projects(self):
        """Each new project's stage and its moves, from its key points in time order."""
        by_project = defaultdict(list)
        for planned in self.plan.keypoints:
            if planned.project_key in self.plan.new_projects:
                by_project[planned.project_key].append(planned)
        for key, project in self.plan.new_projects.items():
            planned = sorted(by_project.get(key, []), key=lambda item: item.keypoint.occurred_at)
            project.planned_moves = []
            project.first_at = planned[0].keypoint.occurred_at if planned else None
            contract_at = next(
                (
                    item.keypoint.occurred_at
                    for item in planned
                    if item.keypoint.stage == StageNumber.CONTRACT
                    and all(getattr(item.keypoint, name) not in (None, "") for name in CONTRACT_FIELDS)
                ),
                None,
            )
            stage = StageNumber.LEAD
            for item in planned:
                target = item.keypoint.stage
                if target <= stage:
                    continue
                if target >= StageNumber.CONTRACT and (contract_at is None or item.keypoint.occurred_at < contract_at):
                    # Never at or past contract signing before the contract is on record.
                    target = StageNumber.CONTRACT if contract_at is not None else StageNumber.NEGOTIATION
                    if target <= stage:
                        continue
                project.planned_moves.append((stage, target, item.keypoint.occurred_at))
                stage = target
            if contract_at is not None and stage < StageNumber.CONTRACT:
                project.planned_moves.append((stage, StageNumber.CONTRACT, contract_at))
                stage = StageNumber.CONTRACT
            project.stage = stage

    # Shared ------------------------------------------------------------------------------------------------

    def _validate(self, instance, errors, *, exclude):
        try:
            instance.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
        except ValidationError as error:
            for name, messages in error.message_dict.items():
                label = str(instance._meta.get_field(name).verbose_name) if name != "__all__" else ""
                for message in messages:
                    errors.append(_labelled(label, message) if label else message)


_STAGE_FIELDS = {name for stage in STAGES for name in stage.own_fields}


def _labelled(label, problem):
    """A field's problem, as the page language writes a label before its text (它：… / It: …)."""
    return f"{label}{colon()}{problem}"


def _text_or_blank(value):
    return values.text(value) or ""


def _minute(moment):
    return moment.replace(second=0, microsecond=0) if moment else moment


def _contact_name_and_title(shown):
    """A contact as our export shows one: "李工 (技术主管)" or just "李工"."""
    shown = shown.strip()
    if shown.endswith(")") and " (" in shown:
        name, title = shown[:-1].rsplit(" (", 1)
        return name.strip(), title.strip()
    if shown.endswith("）") and "（" in shown:
        name, title = shown[:-1].rsplit("（", 1)
        return name.strip(), title.strip()
    return shown, None
