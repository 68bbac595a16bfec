"""Stored text is shown as text everywhere: escaped in every page, in the notification centre and in
email; as itself (no markup) in the group-chat robots' markdown; and never a formula in an export.

Every free-text field of every record holds markup (and, for the exports, a formula), saved through
the services; then every page of the app is read as each role.
"""

import csv
import io
import re
from datetime import timedelta

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from customers.models import LostReason
from imports import runs as import_runs
from imports import services as import_services
from keypoints import services
from keypoints.models import LedgerExport
from reminders import delivery, summary
from reminders.messages import compose
from reminders.models import Channel, ChatWebhook, Kind, Platform, Reminder
from salesrecord.spreadsheet import FORMULA_STARTS
from tests.factories import (
    ContactFactory,
    CustomerFactory,
    DecisionStepFactory,
    HandOverFactory,
    KeyPointFactory,
    ProjectFactory,
    ProjectMemberFactory,
)
from tests.imports.files import workbook
from tests.test_bad_input_sweep import ALL_URLS, url_of

pytestmark = pytest.mark.django_db

MARKUP = '<script>xss()</script>"><img src=x onerror=xss()>'
RAW = ("<script>xss()", "<img src=x onerror")
ESCAPED = "&lt;script&gt;xss()&lt;/script&gt;"
# Text fields of a key point, each given the markup (next_step is the shortest: 300 characters).
KEYPOINT_TEXT = [
    "summary",
    "customer_feedback",
    "obstacles",
    "our_response",
    "next_step",
    "first_conversation",
    "need_keywords",
    "lead_rating_basis",
]


def hostile(label):
    return f"{MARKUP}{label}"


def hostile_import(lead):
    """An import whose file name, headers and rejected rows carry markup: the import's pages show it all."""
    header = ["客户全称", hostile("备注")[:60], "销售负责人"]
    data = workbook({hostile("表")[:31].replace("/", " "): [header, [hostile("客户甲"), "x", hostile("负责人")]]})
    job = import_services.import_upload(actor=lead, data=data, filename=hostile("文件") + ".xlsx", language="zh-hans")
    import_services.import_map(
        job=job, actor=lead, kinds=["customers"], mappings=[job.sheets[0]["mapping"]], default_owner=lead
    )
    return import_runs.import_check(job_id=job.pk)


@pytest.fixture
def world(users, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    rep = users["rep"]
    rep.display_name = hostile("rep")
    rep.save(update_fields=["display_name"])
    customer = CustomerFactory(owner=rep, legal_name=hostile("客户"))
    contact = ContactFactory(customer=customer, name=hostile("联系人")[:64], title="<b>CTO</b>")
    project = ProjectFactory(
        customer=customer, owner=rep, name=hostile("项目"), pain_points=hostile("痛点"), status_note=""
    )
    long_ago = timezone.now() - timedelta(days=60)
    keypoint = KeyPointFactory(
        project=project,
        occurred_at=long_ago,
        next_step_due=timezone.localdate() - timedelta(days=10),
        **{name: hostile(name) for name in KEYPOINT_TEXT},
    )
    lost = ProjectFactory(customer=customer, owner=rep, name=hostile("丢单项目"))
    KeyPointFactory(project=lost, summary=hostile("lost summary"))
    services.project_mark_lost(
        project=lost, actor=rep, lost_reason=LostReason.objects.first(), note=hostile("丢单说明")
    )
    HandOverFactory(customer=customer, note=hostile("交接说明"))
    for user in users.values():
        for kind, extra in ((Kind.STALL, {}), (Kind.OVERDUE, {"keypoint": keypoint})):
            Reminder.objects.create(
                key=f"escape-{kind}-{user.pk}",
                kind=kind,
                channel=Channel.APP,
                project=project,
                recipient=user,
                stage=project.stage,
                since=long_ago,
                days=60,
                threshold=14,
                **extra,
            )
    return {
        "customer": customer,
        "contact": contact,
        "project": project,
        "lost": lost,
        "member": ProjectMemberFactory(project=project, responsibility=hostile("职责")),
        "step": DecisionStepFactory(project=project, position=1, contact=contact, name=hostile("审批")[:100]),
        "keypoint": keypoint,
        "person": rep,
        "reminder": Reminder.objects.filter(recipient=rep).first(),
        "webhook": ChatWebhook.objects.create(name=hostile("群"), platform=Platform.WECOM, url="http://127.0.0.1:9/h"),
        # A failed export's reason shows on its page and in the notification centre.
        "export": LedgerExport.objects.create(
            requested_by=rep,
            format="csv",
            language="zh-hans",
            status="failed",
            error=hostile("原因"),
            finished_at=timezone.now(),
        ),
        "import": hostile_import(users["lead"]),
    }


def pages(world):
    """Every page of the app that takes no id or one of the world's records, and the lost project's."""
    for name in ALL_URLS:
        yield url_of(name, world)
    for name in ("projects:detail", "projects:review", "audit:project"):
        yield reverse(name, args=[world["lost"].pk])
    yield reverse("projects:detail", args=[world["project"].pk]) + "?log=1"


def assert_escaped(content, where):
    for raw in RAW:
        assert raw not in content, f"{where} shows {raw!r} unescaped"


@pytest.mark.parametrize("role", ["admin", "lead", "rep", "manager"])
def test_every_page_shows_stored_markup_escaped(client_for, users, world, role):
    client = client_for(users[role])
    shown = 0
    for path in pages(world):
        response = client.get(path)
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        content = response.content.decode()
        assert_escaped(content, f"{path} as {role}")
        shown += ESCAPED in content
    # The pages that show the records do show them (the test would prove nothing otherwise).
    assert shown >= 10


@pytest.mark.parametrize(
    "path",
    [
        "/customers/",
        "/projects/",
        "/keypoints/",
        "/pipeline/",
        "/reminders/stalled/",
        "/notifications/",
    ],
)
def test_the_lists_name_the_records_escaped(client_for, rep, world, path):
    content = client_for(rep).get(path).content.decode()
    assert ESCAPED in content
    assert_escaped(content, path)


def test_the_project_page_the_review_and_the_history_show_every_text_escaped(client_for, lead, world):
    client = client_for(lead)
    detail = client.get(reverse("projects:detail", args=[world["project"].pk])).content.decode()
    for label in ("项目", "痛点", "职责", "summary", "next_step", "obstacles"):
        assert escape(hostile(label)) in detail, label
    review = client.get(reverse("projects:review", args=[world["lost"].pk])).content.decode()
    assert "丢单说明" in review and ESCAPED in review
    assert_escaped(detail + review, "the project page and the review")


def reminders_of(world):
    return Reminder.objects.filter(recipient=world["person"]).select_related("project__customer", "keypoint")


def test_email_html_escapes_the_names_and_the_text_part_carries_them_as_text(world):
    for reminder in reminders_of(world):
        message = compose(reminder, "zh-hans")
        email = delivery.email_message(message, to="rep@example.com", language="zh-hans")
        html = email.alternatives[0].content
        assert ESCAPED in html
        assert_escaped(html, f"the {reminder.kind} email's HTML")
        assert MARKUP in email.body


def markdown_outside_our_link(text, url):
    """The message without the one link we put in it, and without our own emphasis, heading and quotes."""
    text = text.replace(f"[{url}]({url})", "")
    return re.sub(r"^(\*\*|#### |> )|\*\*$", "", text, flags=re.MULTILINE)


# Markdown that a name could make: a link or image, an HTML tag or autolink, emphasis, code.
UNESCAPED_MARKDOWN = re.compile(r"(?<!\\)[\[\]<>*_`]")


@pytest.mark.parametrize("platform", [Platform.WECOM, Platform.DINGTALK])
def test_a_name_cannot_make_markdown_in_a_chat_message(world, platform):
    world["project"].name = "[领奖](http://evil.example)**急**_x_ `c` <font color=red>!</font>\n# 标题"
    world["project"].save(update_fields=["name"])
    robot = ChatWebhook(name="群", platform=platform, url="https://chat.example/hook")
    messages = [compose(reminder, "zh-hans") for reminder in reminders_of(world)]
    messages.append(summary.compose(summary.facts(timezone.localdate()), "zh-hans"))
    for message in messages:
        message.url = message.url or "https://sales.example/"
        _url, body = delivery.chat_request(robot, message)
        text = body["markdown"].get("content") or body["markdown"]["text"]
        assert "http://evil.example" not in re.findall(r"(?<!\\)\]\(([^)]*)\)", text)
        assert not UNESCAPED_MARKDOWN.search(markdown_outside_our_link(text, message.url)), text
        assert "\n# 标题" not in text


def test_feishu_text_carries_the_names_as_plain_text(world):
    robot = ChatWebhook(name="群", platform=Platform.FEISHU, url="https://chat.example/hook")
    for reminder in reminders_of(world):
        _url, body = delivery.chat_request(robot, compose(reminder, "zh-hans"))
        assert hostile("项目") in body["content"]["text"]


# Exports -------------------------------------------------------------------------------------------

FORMULAS = ["=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(A1)", "＝1+1", "＋1", "－1", "＠A1", "\t=1", "\r=1"]


@pytest.fixture
def formulas(users):
    rep = users["rep"]
    rep.display_name = '=HYPERLINK("http://evil")'
    rep.save(update_fields=["display_name"])
    customer = CustomerFactory(owner=rep, legal_name="=客户()")
    ContactFactory(customer=customer, name="@联系人")
    project = ProjectFactory(customer=customer, owner=rep, name="+项目")
    for index, formula in enumerate(FORMULAS):
        KeyPointFactory(
            project=project,
            occurred_at=timezone.now() - timedelta(days=index + 1),
            **dict.fromkeys(KEYPOINT_TEXT, formula),
        )
    return project


def test_no_cell_of_the_ledger_csv_starts_like_a_formula(client_for, lead, formulas):
    response = client_for(lead).get(reverse("keypoints:export"), {"format": "csv"})
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    cells = [cell for row in csv.reader(io.StringIO(body, newline="")) for cell in row]
    assert not [cell for cell in cells if cell.startswith(FORMULA_STARTS)]
    assert "'＝1+1" in cells and "'=客户()" in cells


def xlsx_cells(response):
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    return [cell for sheet in book for row in sheet.iter_rows() for cell in row if cell.value is not None]


def assert_text_not_formulas(cells):
    assert not [cell.coordinate for cell in cells if cell.data_type == "f"]
    risky = [
        cell for cell in cells if isinstance(cell.value, str) and cell.value.lstrip("\n").startswith(FORMULA_STARTS)
    ]
    assert risky and all(cell.quotePrefix and not cell.value.startswith("'") for cell in risky)


def test_every_ledger_xlsx_cell_holds_the_text_itself_and_no_formula(client_for, lead, formulas):
    cells = xlsx_cells(client_for(lead).get(reverse("keypoints:export"), {"format": "xlsx"}))
    assert_text_not_formulas(cells)
    assert {"=cmd|' /C calc'!A0", "＝1+1", "@SUM(A1)", "=客户()", "+项目"} <= {cell.value for cell in cells}


def test_every_dashboard_xlsx_cell_holds_the_text_itself_and_no_formula(client_for, lead, formulas):
    cells = xlsx_cells(client_for(lead).get(reverse("dashboard_export")))
    assert_text_not_formulas(cells)
    assert "=cmd|' /C calc'!A0" in {cell.value for cell in cells}
