"""WCAG 2.1 AA, checked by axe-core in Chromium: every page of the app, as every role that can open
it, on a phone (375 px) and on a desktop (1280 px).

AUDITS lists the pages, built from the demo data; test_every_route_is_audited fails on a named URL
that is neither audited here nor excluded with a reason, so a new page cannot slip past the audit.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings
from django.test import RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone, translation
from django.views.defaults import server_error

from accounts.models import User
from customers import services as customer_services
from customers.models import Customer, DecisionStep, Project, ProjectMember, ProjectStatus, TeamRole
from imports import runs as import_runs
from imports import services as import_services
from imports import template as import_template
from imports.models import ImportJob, ImportStatus
from keypoints import services
from keypoints.models import ExportStatus, LedgerExport
from keypoints.stages import StageNumber
from reminders.models import ChatWebhook, Platform
from tests.factories import ProjectFactory

from .conftest import PHONE

# axe-core's rules for WCAG 2.0 and 2.1, levels A and AA; a serious or critical finding fails.
AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
    "resultTypes": ["violations"],
}
FAILING_IMPACTS = {"serious", "critical"}
# Each page is loaded once and audited at both widths, the window resized in between (a page's
# markup does not depend on the width; its layout and what is shown do).
WIDTHS = {375: PHONE["viewport"], 1280: {"width": 1280, "height": 900}}

# One demo login per role. rep2 is put on the team of rep1's 华东精密 project below, so that the rep
# opens the demo's richest project too.
LOGINS = {"rep": "rep2", "lead": "lead", "manager": "manager", "admin": "admin"}
EVERYONE = frozenset(LOGINS)
WRITERS = frozenset({"rep", "lead", "admin"})  # the manager reads only: every write answers 403
REASSIGNERS = frozenset({"lead", "admin"})
ADMINS = frozenset({"admin"})
ANONYMOUS = "anonymous"

HUADONG = "华东精密制造股份有限公司"  # rep1's, open, in negotiation, four key points
HANGZHOU = "杭州云栖金融服务有限公司"  # rep2's, put on hold below
HEFEI = "合肥新材能源集团有限公司"  # rep2's, contract signed
CHENGDU = "成都锦程医疗器械有限公司"  # rep2's, lost
# Archived below, so that the archive page lists a record of each kind.
SUZHOU = "苏州恒通物流有限公司"  # rep1's, archived with its contacts, project and key points
BORUN = "上海博润汽车零部件有限公司"  # rep1's: its open project and a contact archived on their own
CHANGZHOU = "常州力拓机械有限公司"  # rep1's: its project's first key point archived on its own

# Named routes that have no page of their own to audit, and why.
NOT_PAGES = {
    "healthz": "JSON for the load balancer",
    "set_language": "POST only; redirects back to the page",
    "accounts:logout": "POST only; redirects to the login page",
    "keypoints:next_step": "POST only; answers with a fragment of the project page",
    "projects:timeline": "htmx fragment: older key points, audited as the project page's ?older= page",
    "projects:member_remove": "POST only; its button sits on the project page, audited there",
    "projects:step_remove": "POST only; its button sits on the project page, audited there",
    "projects:keypoint_create": "GET: the project page's log form (htmx), audited on the page opened (?log=1)",
    "projects:stage_fields": "htmx fragment of the key-point form, audited inside the project page",
    "handovers:person_pick": "GET redirects to the chosen person's hand-over page",
    "notifications:open": "POST only; marks a notification read and redirects",
    "notifications:read_all": "POST only; redirects to the notifications",
    "reminders:webhook_delete": "POST only; its button sits on the reminder settings, audited there",
    "reminders:webhook_test": "POST only; its button sits on the reminder settings, audited there",
    "accounts:user_reactivate": "POST only; its button sits on the person's account page, audited there",
    "accounts:user_unlock": "POST only; its button sits on the person's account page, audited there",
    "archive:restore": "POST only; its button sits on the archive page, audited there",
    "keypoints:export_download": "the export's file; before it is ready, the export's page, audited as such",
    "imports:mapping": "POST only; its form sits on the import's page, audited there",
    "imports:confirm": "POST only; its button sits on the import's page, audited there",
    "imports:rejected": "a workbook of the rejected rows, not a page",
    "imports:template": "the import template, a workbook, not a page",
    "customers:choices": "htmx fragment: the customer search's matches, audited inside the ledger (?customer_q=)",
}
NOT_PAGES_NAMESPACES = {"admin": "Django's own admin site, not the app's templates"}


@dataclass(frozen=True)
class Audit:
    """One page to audit: a named route, how to fill its URL from the demo objects, who opens it."""

    label: str
    route: str
    roles: frozenset
    kwargs: Callable[[Any], dict] = lambda demo: {}
    query: Callable[[Any], dict] = lambda demo: {}
    status: int = 200
    # What to do on the page before the audit (e.g. send a form empty to see its errors).
    action: Callable[[Any], None] | None = None
    raw_query: str = ""

    def url(self, demo):
        url = reverse(self.route, kwargs=self.kwargs(demo))
        query = urlencode(self.query(demo))
        if query or self.raw_query:
            url += "?" + (query or self.raw_query)
        return url


def submit_main_form(page):
    with page.expect_navigation():
        page.locator("main form[method=post] button[type=submit]").first.click()


def submit_with_an_expired_form(page):
    """The form's CSRF cookie is gone (a session that outlived it): the CSRF failure page answers."""
    page.context.clear_cookies(name="csrftoken")
    submit_main_form(page)


def submit_unconfirmed(page):
    """Send the delete-for-good form without ticking its box: the page says why, nothing is deleted."""
    page.locator("main input[type=checkbox]").uncheck()
    submit_main_form(page)


def log_in_wrongly(page):
    page.fill("#id_username", "rep1")
    page.fill("#id_password", "not-the-password")
    submit_main_form(page)


def project(name, key="pk"):
    return lambda demo: {key: demo.projects[name].pk}


def customer(name, key="pk"):
    return lambda demo: {key: demo.customers[name].pk}


AUDITS = [
    # Logging in and the account.
    Audit("login", "accounts:login", frozenset({ANONYMOUS})),
    Audit("login, wrong password", "accounts:login", frozenset({ANONYMOUS}), action=log_in_wrongly),
    Audit("password change", "accounts:password_change", EVERYONE),
    Audit("password change, errors", "accounts:password_change", EVERYONE, action=submit_main_form),
    Audit("password changed", "accounts:password_done", EVERYONE),
    # The team's accounts (an admin's).
    Audit("team accounts", "accounts:users", ADMINS),
    Audit("team accounts, filtered", "accounts:users", ADMINS, query=lambda d: {"role": "rep", "active": "yes"}),
    Audit("new account", "accounts:user_create", ADMINS),
    Audit("new account, errors", "accounts:user_create", ADMINS, action=submit_main_form),
    Audit("account", "accounts:user_edit", ADMINS, kwargs=lambda d: {"pk": d.users["rep1"].pk}),
    Audit("account: new password", "accounts:user_password", ADMINS, kwargs=lambda d: {"pk": d.users["rep1"].pk}),
    Audit("account: deactivate", "accounts:user_deactivate", ADMINS, kwargs=lambda d: {"pk": d.users["rep1"].pk}),
    # Customers.
    # A manager's home is the dashboard (audited below): "/" redirects there.
    Audit("home: my day", "home", WRITERS),
    Audit("pipeline board", "pipeline", EVERYONE),
    Audit(
        "pipeline board, filtered", "pipeline", EVERYONE, query=lambda d: {"industry": "manufacturing", "stalled": "on"}
    ),
    Audit("pipeline board, invalid filter", "pipeline", EVERYONE, query=lambda d: {"tier": "x"}, status=400),
    Audit("dashboard", "dashboard", EVERYONE),
    Audit(
        "dashboard, filtered",
        "dashboard",
        EVERYONE,
        query=lambda d: {"period": "this_year", "industry": "manufacturing", "source": "inbound", "tier": "key"},
    ),
    Audit("dashboard, invalid filter", "dashboard", EVERYONE, query=lambda d: {"period": "custom"}, status=400),
    Audit(
        "dashboard export, invalid filter", "dashboard_export", EVERYONE, query=lambda d: {"period": "x"}, status=400
    ),
    Audit("customer list", "customers:list", EVERYONE),
    Audit(
        "customer list, filtered",
        "customers:list",
        EVERYONE,
        query=lambda demo: {"q": "有限", "industry": "manufacturing", "stage": StageNumber.NEGOTIATION},
    ),
    Audit("customer list, invalid filter", "customers:list", EVERYONE, query=lambda d: {"owner": "x"}, status=400),
    Audit("customer: open project", "customers:detail", EVERYONE, kwargs=customer(HUADONG)),
    Audit("customer: signed project", "customers:detail", EVERYONE, kwargs=customer(HEFEI)),
    Audit("customer: lost project", "customers:detail", EVERYONE, kwargs=customer(CHENGDU)),
    Audit("new customer", "customers:create", WRITERS),
    Audit("new customer, errors", "customers:create", WRITERS, action=submit_main_form),
    Audit("edit customer", "customers:edit", WRITERS, kwargs=customer(HUADONG)),
    Audit("new contact", "customers:contact_create", WRITERS, kwargs=customer(HUADONG, "customer_pk")),
    Audit("edit contact", "customers:contact_edit", WRITERS, kwargs=lambda d: {"pk": d.contact.pk}),
    # Projects.
    Audit("opportunity list", "projects:list", EVERYONE),
    Audit(
        "opportunity list, filtered",
        "projects:list",
        EVERYONE,
        query=lambda d: {"stage": StageNumber.NEGOTIATION, "status": ProjectStatus.OPEN, "sort": "customer"},
    ),
    Audit("opportunity list, invalid filter", "projects:list", EVERYONE, query=lambda d: {"stage": "99"}, status=400),
    Audit("project: open", "projects:detail", EVERYONE, kwargs=project(HUADONG)),
    Audit(
        "project: logging a key point", "projects:detail", WRITERS, kwargs=project(HUADONG), query=lambda d: {"log": 1}
    ),
    Audit("project: on hold", "projects:detail", EVERYONE, kwargs=project(HANGZHOU)),
    Audit("project: lost", "projects:detail", EVERYONE, kwargs=project(CHENGDU)),
    Audit("project: signed", "projects:detail", EVERYONE, kwargs=project(HEFEI)),
    Audit("project: in fulfilment", "projects:detail", EVERYONE, kwargs=lambda d: {"pk": d.fulfilment.pk}),
    Audit("project: completed", "projects:detail", EVERYONE, kwargs=lambda d: {"pk": d.completed.pk}),
    Audit("review: signed", "projects:review", EVERYONE, kwargs=project(HEFEI)),
    Audit("review: lost", "projects:review", EVERYONE, kwargs=project(CHENGDU)),
    Audit("review: completed", "projects:review", EVERYONE, kwargs=lambda d: {"pk": d.completed.pk}),
    Audit("review: not yet, open project", "projects:review", EVERYONE, kwargs=project(HUADONG)),
    Audit("new project", "projects:create", WRITERS, kwargs=customer(HUADONG, "customer_pk")),
    Audit("edit project", "projects:edit", WRITERS, kwargs=project(HUADONG)),
    Audit("new team member", "projects:member_create", WRITERS, kwargs=project(HUADONG, "project_pk")),
    Audit("edit team member", "projects:member_edit", WRITERS, kwargs=lambda d: {"pk": d.member.pk}),
    Audit("new decision step", "projects:step_create", WRITERS, kwargs=project(HUADONG, "project_pk")),
    Audit("edit decision step", "projects:step_edit", WRITERS, kwargs=lambda d: {"pk": d.step.pk}),
    Audit("edit key point", "keypoints:edit", WRITERS, kwargs=lambda d: {"pk": d.keypoint.pk}),
    Audit("advance, asks first", "projects:advance", WRITERS, kwargs=project(HUADONG)),
    Audit(
        "project: older key points", "projects:detail", EVERYONE, kwargs=project(HUADONG), query=lambda d: {"older": 2}
    ),
    Audit("go back or skip a stage", "projects:stage_change", WRITERS, kwargs=project(HUADONG)),
    Audit("put on hold", "projects:hold", WRITERS, kwargs=project(HUADONG)),
    Audit("put on hold, errors", "projects:hold", WRITERS, kwargs=project(HUADONG), action=submit_main_form),
    Audit("mark lost", "projects:lost", WRITERS, kwargs=project(HUADONG)),
    Audit("mark lost, paused project", "projects:lost", WRITERS, kwargs=project(HANGZHOU)),
    Audit("complete", "projects:complete", WRITERS, kwargs=lambda d: {"pk": d.fulfilment.pk}),
    Audit("reopen lost", "projects:reopen", REASSIGNERS, kwargs=project(CHENGDU)),
    Audit("reopen completed", "projects:reopen", REASSIGNERS, kwargs=lambda d: {"pk": d.completed.pk}),
    # Reminders.
    Audit("notifications", "notifications:list", EVERYONE),
    Audit("reminder preferences", "notifications:preferences", EVERYONE),
    Audit("stalled and overdue", "reminders:attention", EVERYONE),
    Audit("reminder settings", "reminders:settings", ADMINS),
    Audit("new group robot", "reminders:webhook_create", ADMINS),
    Audit("new group robot, errors", "reminders:webhook_create", ADMINS, action=submit_main_form),
    Audit("edit group robot", "reminders:webhook_edit", ADMINS, kwargs=lambda d: {"pk": d.webhook.pk}),
    # The ledger.
    Audit("ledger", "keypoints:ledger", EVERYONE),
    Audit(
        "ledger, filtered",
        "keypoints:ledger",
        EVERYONE,
        query=lambda d: {"stage": StageNumber.NEGOTIATION, "incomplete": "on", "sort": "occurred"},
    ),
    Audit(
        "ledger, recorded late",
        "keypoints:ledger",
        EVERYONE,
        query=lambda d: {"timeliness": "late", "sort": "-delay"},
    ),
    Audit("ledger, customer searched", "keypoints:ledger", EVERYONE, query=lambda d: {"customer_q": "公司"}),
    Audit("ledger, customer chosen", "keypoints:ledger", EVERYONE, query=customer(HUADONG, "customer")),
    Audit("ledger, invalid filter", "keypoints:ledger", EVERYONE, query=lambda d: {"occurred_from": "x"}, status=400),
    Audit("export, invalid filter", "keypoints:export", EVERYONE, query=lambda d: {"format": "pdf"}, status=400),
    # History.
    Audit("customer history", "audit:customer", EVERYONE, kwargs=customer(HUADONG)),
    Audit("project history", "audit:project", EVERYONE, kwargs=project(HUADONG)),
    Audit("key point history", "audit:keypoint", EVERYONE, kwargs=lambda d: {"pk": d.keypoint.pk}),
    Audit("audit log", "audit:log", ADMINS),
    Audit("audit log, filtered", "audit:log", ADMINS, query=lambda d: {"kind": "project"}),
    Audit("audit log, invalid filter", "audit:log", ADMINS, query=lambda d: {"kind": "robot"}, status=400),
    # Hand-overs.
    Audit("hand over customers", "handovers:bulk", REASSIGNERS),
    Audit(
        "hand over customers, preview",
        "handovers:bulk",
        REASSIGNERS,
        query=lambda d: {"from_user": d.users["rep1"].pk, "to_user": d.users["rep2"].pk},
    ),
    Audit(
        "hand over customers, same person",
        "handovers:bulk",
        REASSIGNERS,
        query=lambda d: {"from_user": d.users["rep1"].pk, "to_user": d.users["rep1"].pk},
        status=400,
    ),
    Audit("hand over a customer", "handovers:customer", REASSIGNERS, kwargs=customer(HUADONG)),
    Audit(
        "hand over a customer, preview",
        "handovers:customer",
        REASSIGNERS,
        kwargs=customer(HUADONG),
        query=lambda d: {"to_user": d.users["rep2"].pk},
    ),
    Audit("someone leaving", "handovers:person", ADMINS, kwargs=lambda d: {"pk": d.users["rep1"].pk}),
    Audit(
        "someone leaving, preview",
        "handovers:person",
        ADMINS,
        kwargs=lambda d: {"pk": d.users["rep1"].pk},
        query=lambda d: {"to_user": d.users["rep2"].pk},
    ),
    # A ledger export prepared in the background: its page while it is prepared, and once ready. Each
    # person sees only their own, so each role opens the one made for them.
    Audit(
        "export: being prepared", "keypoints:export_status", EVERYONE, kwargs=lambda d: {"pk": d.own_export("running")}
    ),
    Audit("export: ready", "keypoints:export_status", EVERYONE, kwargs=lambda d: {"pk": d.own_export("done")}),
    # The spreadsheet import, in each of its states.
    Audit("imports", "imports:list", REASSIGNERS),
    Audit("imports: no file sent", "imports:list", REASSIGNERS, action=submit_main_form),
    *(
        Audit(f"import: {state}", "imports:detail", REASSIGNERS, kwargs=lambda d, state=state: {"pk": d.imports[state]})
        for state in ("mapping", "checking", "checked", "done", "failed")
    ),
    # The archive.
    Audit("archive: customers", "archive:list", REASSIGNERS),
    Audit("archive: key points", "archive:list", REASSIGNERS, query=lambda d: {"kind": "keypoint"}),
    Audit("archive: no such kind", "archive:list", REASSIGNERS, query=lambda d: {"kind": "x"}, status=400),
    Audit(
        "archive a customer",
        "archive:archive",
        REASSIGNERS,
        kwargs=lambda d: {"kind": "customer", **customer(HUADONG)(d)},
    ),
    Audit(
        "archive a project", "archive:archive", REASSIGNERS, kwargs=lambda d: {"kind": "project", **project(HUADONG)(d)}
    ),
    Audit(
        "delete for good", "archive:delete", ADMINS, kwargs=lambda d: {"kind": "project", "pk": d.archived_project.pk}
    ),
    Audit(
        "delete for good, unconfirmed",
        "archive:delete",
        ADMINS,
        kwargs=lambda d: {"kind": "project", "pk": d.archived_project.pk},
        action=submit_unconfirmed,
    ),
    # Error pages.
    Audit("403: manager opens a form", "customers:create", frozenset({"manager"}), status=403),
    Audit("403: rep reopens", "projects:reopen", frozenset({"rep"}), kwargs=project(CHENGDU), status=403),
    Audit("404", "customers:detail", EVERYONE, kwargs=lambda d: {"pk": 999999}, status=404),
    Audit("403: CSRF failure", "customers:create", frozenset({"rep"}), action=submit_with_an_expired_form),
    # More query fields than Django accepts: a SuspiciousOperation, answered with templates/400.html.
    Audit(
        "400 page",
        "customers:list",
        EVERYONE,
        raw_query="&".join(["x=1"] * (settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1)),
        status=400,
    ),
]


@dataclass
class Demo:
    users: dict
    customers: dict
    projects: dict
    contact: Any = None
    member: Any = None
    step: Any = None
    keypoint: Any = None
    fulfilment: Any = None
    completed: Any = None
    webhook: Any = None
    archived_project: Any = None
    exports: dict = None
    imports: dict = None
    # Who is being audited (audit() sets it), for the pages that are each person's own.
    role: str = ""

    def own_export(self, state):
        return self.exports[(LOGINS[self.role], state)].pk


@pytest.fixture
def demo(demo_data):
    """The demo data, with a project of each status and the demo rep on the richest project's team."""
    users = {user.username: user for user in User.objects.all()}
    customers = {customer.legal_name: customer for customer in Customer.objects.all()}
    projects = {project.customer.legal_name: project for project in Project.objects.select_related("customer")}
    rep = users[LOGINS["rep"]]
    member = ProjectMember.objects.create(
        project=projects[HUADONG], user=rep, role=TeamRole.COMMERCIAL_SPECIALIST, responsibility="报价"
    )
    services.project_put_on_hold(
        project=projects[HANGZHOU],
        actor=rep,
        reason="客户预算冻结到下季度。",
        resume_on=timezone.localdate() + timedelta(days=30),
    )
    fulfilment = ProjectFactory(
        customer=customers[HEFEI], owner=rep, name="能耗监测平台二期", stage=StageNumber.FULFILMENT
    )
    completed = ProjectFactory(customer=customers[HEFEI], owner=rep, name="能耗监测试点", stage=StageNumber.AFTER_SALES)
    services.project_complete(project=completed, actor=rep, note="试点验收完成。")
    huadong = projects[HUADONG]
    archived_project = archive_one_of_each_kind(users[LOGINS["lead"]], customers, projects)
    return Demo(
        users=users,
        customers=customers,
        projects=projects,
        contact=huadong.customer.contacts.order_by("pk").first(),
        member=member,
        step=DecisionStep.objects.filter(project=huadong).order_by("position").first(),
        keypoint=huadong.keypoints.order_by("-occurred_at").first(),
        fulfilment=fulfilment,
        completed=completed,
        webhook=ChatWebhook.objects.create(
            name="华东销售群", platform=Platform.DINGTALK, url="https://oapi.dingtalk.com/robot/send?access_token=x"
        ),
        archived_project=archived_project,
        exports=exports_of_each_login(users),
        imports=imports_in_each_state(users[LOGINS["lead"]]),
    )


def imports_in_each_state(lead):
    """The import template uploaded five times, left in each state an import's page shows: columns to
    confirm, being checked, checked (with a rejected row), imported, failed."""
    data = import_template.workbook("nobody-here")  # its rows name an owner who does not exist: rejected
    made = {}
    for state in ("mapping", "checking", "checked", "done", "failed"):
        job = import_services.import_upload(actor=lead, data=data, filename="模板.xlsx", language="zh-hans")
        made[state] = job.pk
        if state in ("checked", "done"):
            kinds = [sheet["kind"] for sheet in job.sheets]
            mappings = [sheet["mapping"] for sheet in job.sheets]
            import_services.import_map(job=job, actor=lead, kinds=kinds, mappings=mappings, default_owner=lead)
            import_runs.import_check(job_id=job.pk)
        if state == "done":
            import_services.import_confirm(job=ImportJob.objects.get(pk=job.pk), actor=lead)
            import_runs.import_run(job_id=job.pk)
    ImportJob.objects.filter(pk=made["checking"]).update(status=ImportStatus.CHECKING, rows_done=2)
    ImportJob.objects.filter(pk=made["failed"]).update(status=ImportStatus.FAILED, error="文件在导入时出错。")
    return made


def exports_of_each_login(users):
    """For each demo login, a ledger export being prepared and one ready to download."""
    now = timezone.now()
    made = {}
    for login in LOGINS.values():
        person = users[login]
        made[(login, "running")] = LedgerExport.objects.create(
            requested_by=person, format="xlsx", query="stage=3", language="zh-hans", status=ExportStatus.RUNNING,
            rows_total=6000, rows_written=2000, progressed_at=now,
        )  # fmt: skip
        made[(login, "done")] = LedgerExport.objects.create(
            requested_by=person, format="csv", language="zh-hans", status=ExportStatus.DONE, rows_total=6000,
            rows_written=6000, file=f"ledger-{person.pk}.csv", finished_at=now, expires_at=now + timedelta(hours=24),
        )  # fmt: skip
    return made


def archive_one_of_each_kind(lead, customers, projects):
    """Archive a customer (with all under it), and a project, a contact and a key point on their own;
    returns the project archived on its own."""
    services.customer_archive(customer=customers[SUZHOU], actor=lead)
    borun = customers[BORUN]
    open_project = borun.projects.get(status=ProjectStatus.OPEN)
    services.project_archive(project=open_project, actor=lead)
    customer_services.contact_archive(contact=borun.contacts.order_by("pk").first(), actor=lead)
    first = projects[CHANGZHOU].keypoints.order_by("occurred_at", "pk").first()
    services.keypoint_archive(keypoint=first, actor=lead)
    return open_project


def axe_findings(page, axe, where):
    """The serious and critical violations on the page, one line each."""
    # Content in a closed <details> (the key-point form, "more" menus, the stage history) counts too.
    page.evaluate("document.querySelectorAll('details').forEach(function (d) { d.open = true; })")
    # axe-core is put into each document once, not once per width: the script is large.
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(axe.axe_script)
    results = page.evaluate("options => axe.run(document, options)", AXE_OPTIONS)
    findings = []
    for violation in results["violations"]:
        if violation["impact"] not in FAILING_IMPACTS:
            continue
        targets = "; ".join(" ".join(node["target"]) for node in violation["nodes"][:8])
        more = len(violation["nodes"]) - 8
        if more > 0:
            targets += f"; and {more} more"
        findings.append(f"{where}: {violation['id']} ({violation['impact']}) at {targets} - {violation['help']}")
    return findings


def audit(page, demo, role, audits):
    """Audit each page at both widths; returns (findings, pages that answered an unexpected status)."""
    axe = Axe()
    findings, wrong_status = [], []
    widths = list(WIDTHS)
    for entry in audits:
        demo.role = role
        url = entry.url(demo)
        response = page.goto(url)
        if entry.action is not None:
            entry.action(page)
        elif response.status != entry.status:
            wrong_status.append(f"{entry.label} ({url}): {response.status}, expected {entry.status}")
            continue
        # Start at the width the previous page ended with: one resize per page.
        for width in widths:
            page.set_viewport_size(WIDTHS[width])
            findings += axe_findings(page, axe, f"{entry.label} [{url[:80]}] as {role} at {width}px")
        widths.reverse()
    return findings, wrong_status


def report(findings, wrong_status):
    lines = []
    if wrong_status:
        lines += ["Pages that did not answer as expected:", *wrong_status]
    if findings:
        lines += [f"{len(findings)} serious or critical WCAG 2.1 AA violations:", *findings]
    return "\n".join(lines)


# Each role's pages are audited in this many parts, every part a test of its own: the parts run on
# parallel workers instead of one role's long audit holding up the end of the suite.
PARTS = 3


@pytest.mark.e2e
@pytest.mark.parametrize("part", range(1, PARTS + 1))
@pytest.mark.parametrize("role", sorted(LOGINS))
def test_every_page_meets_wcag_21_aa(new_context, live_server, demo, login, role, part):
    page = new_context(base_url=live_server.url, viewport=WIDTHS[1280]).new_page()
    login(page, LOGINS[role])
    audits = [entry for entry in AUDITS if role in entry.roles][part - 1 :: PARTS]
    findings, wrong_status = audit(page, demo, role, audits)
    assert not (findings or wrong_status), report(findings, wrong_status)


@pytest.mark.e2e
def test_pages_before_logging_in_meet_wcag_21_aa(new_context, live_server, demo):
    page = new_context(base_url=live_server.url, viewport=WIDTHS[1280]).new_page()
    findings, wrong_status = audit(page, demo, ANONYMOUS, [entry for entry in AUDITS if ANONYMOUS in entry.roles])
    # The server error page has no route: rendered as Django's server_error renders it, in each language.
    for language in ("zh-hans", "en"):
        with translation.override(language):
            html = server_error(RequestFactory().get("/")).content.decode()
        page.goto("/accounts/login/")  # its stylesheets load from the live server
        page.set_content(html)
        for width, viewport in WIDTHS.items():
            page.set_viewport_size(viewport)
            findings += axe_findings(page, Axe(), f"500 page ({language}) as {ANONYMOUS} at {width}px")
    assert not (findings or wrong_status), report(findings, wrong_status)


def route_names(patterns, namespace=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from route_names(entry.url_patterns, inner)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}{entry.name}"


def test_every_route_is_audited():
    """A named URL is audited above or listed in NOT_PAGES with its reason: a new page cannot go unchecked."""
    names = {
        name for name in route_names(get_resolver().url_patterns) if name.split(":")[0] not in NOT_PAGES_NAMESPACES
    }
    audited = {entry.route for entry in AUDITS}
    assert names - audited - set(NOT_PAGES) == set(), "routes neither audited nor excluded with a reason"
    assert audited - names == set(), "audited routes that no longer exist"
    assert set(NOT_PAGES) - names == set(), "excluded routes that no longer exist"
    assert audited & set(NOT_PAGES) == set(), "routes both audited and excluded"


def test_every_role_and_the_anonymous_visitor_have_pages_to_audit():
    roles = set().union(*(entry.roles for entry in AUDITS))
    assert roles == set(LOGINS) | {ANONYMOUS}


@pytest.mark.e2e
def test_the_audit_reports_a_page_that_fails_it(new_context):
    """The audit can fail: a page with an unlabelled field and grey-on-white text is reported, at both
    widths, and the second run on the same document (axe-core put in once) finds what the first did."""
    page = new_context(viewport=WIDTHS[1280]).new_page()
    page.set_content(
        '<html lang="zh-Hans"><title>t</title><main><input type="text">'
        '<p style="color:#ccc;background:#fff">客户名称</p></main></html>'
    )
    axe = Axe()
    findings = {}
    for width, viewport in WIDTHS.items():
        page.set_viewport_size(viewport)
        findings[width] = axe_findings(page, axe, f"at {width}px")
    for width, found in findings.items():
        assert any("label (critical)" in line for line in found), found
        assert any("color-contrast (serious)" in line for line in found), found
        assert all(line.startswith(f"at {width}px") for line in found)
