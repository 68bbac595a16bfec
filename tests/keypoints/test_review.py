"""The review (复盘) of a finished deal, checked figure by figure on a hand-built project: days in each
stage against the team's median, the decision chain and who was met, obstacles and objections with
our answers, the price path and its concessions, the signed terms or why it was lost; who may open it;
and a query count that does not grow with the number of key points."""

import datetime
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from customers.models import DecisionRole, LostReason, Project, ProjectStatus, Stance
from keypoints import review
from keypoints.models import StageChange, StageHistory
from tests.factories import ContactFactory, DecisionStepFactory, KeyPointFactory, ProjectFactory

from .test_project_page import bulk_keypoints

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
# 09:00 in Shanghai: whole days apart stay whole local dates apart.
T0 = datetime.datetime(2026, 1, 5, 1, 0, tzinfo=datetime.UTC)
OPEN, ON_HOLD, LOST, COMPLETED = ProjectStatus.OPEN, ProjectStatus.ON_HOLD, ProjectStatus.LOST, ProjectStatus.COMPLETED
C, A, H, R, LOSE, DONE = (StageChange.CREATED, StageChange.ADVANCE, StageChange.HOLD, StageChange.REOPEN,
                          StageChange.LOST, StageChange.COMPLETE)  # fmt: skip


def at(days):
    return T0 + datetime.timedelta(days=days)


def history(project, *rows, lost_reason=None, note=""):
    """rows: (days after T0, kind, to_stage, to_status); the project ends where the last row leaves it."""
    previous_stage, previous_status = None, ""
    for days, kind, to_stage, to_status in rows:
        StageHistory.objects.create(
            project=project,
            kind=kind,
            from_stage=previous_stage,
            to_stage=to_stage,
            from_status=previous_status,
            to_status=to_status,
            actor=project.owner,
            at=at(days),
        )
        previous_stage, previous_status = to_stage, to_status
    Project.objects.filter(pk=project.pk).update(
        stage=previous_stage, status=previous_status, lost_reason=lost_reason, status_note=note
    )
    project.refresh_from_db()
    return project


def keypoint(project, days, stage, contacts=(), **fields):
    record = KeyPointFactory(project=project, stage=stage, occurred_at=at(days), **fields)
    record.customer_participants.set(contacts)
    return record


@pytest.fixture
def deal(rep, other_rep, rep_customer):
    """rep's deal, signed and completed: stage by stage 3, 7, 2, 8, 2 and 18 days, on hold 5 days in
    stage 4 (not counted); three offers in negotiation; a decision chain of three steps."""
    rep_customer.contacts.all().delete()
    li = ContactFactory(customer=rep_customer, name="李工", title="技术总监", decision_role=DecisionRole.INFLUENCER,
                        stance=Stance.SUPPORTER)  # fmt: skip
    wang = ContactFactory(customer=rep_customer, name="王总", title="总经理", decision_role=DecisionRole.DECISION_MAKER,
                          stance=Stance.NEUTRAL)  # fmt: skip
    zhao = ContactFactory(customer=rep_customer, name="赵会计", title="会计", decision_role=DecisionRole.USER)
    project = ProjectFactory(customer=rep_customer, owner=rep, name="车间管理系统")
    DecisionStepFactory(project=project, position=1, name="技术评估", contact=li)
    DecisionStepFactory(project=project, position=2, name="总经理审批", contact=wang)
    DecisionStepFactory(project=project, position=3, name="董事会备案", contact=None)

    keypoint(project, 1, 1, [zhao], obstacles="无", our_response="无")
    keypoint(project, 5, 2, [li], obstacles="IT 部人手紧张。", our_response="我方负责接口开发。")
    keypoint(
        project, 11, 3, [li], obstacles="none", objections="价格高于竞品 20%。", objection_response="说明服务差异。"
    )
    keypoint(project, 11.5, 3, [], obstacles=" 无。 ", objections="无", objection_response="")
    offer = {"payment_terms": "预付 30%", "floor_price": Decimal("800000")}
    keypoint(project, 13, 4, [li, wang], obstacles="客户资金紧张。", our_response="无",
             price_before=Decimal("1000000"), price_after=Decimal("900000"), needs_approval=False, **offer)  # fmt: skip
    keypoint(project, 16, 4, [wang], obstacles="无", price_before=Decimal("900000"), price_after=Decimal("850000"),
             needs_approval=False, **offer)  # fmt: skip
    keypoint(project, 24, 4, [wang], obstacles="总经理要求再降价。", our_response="申请特批。",
             price_before=Decimal("850000"), price_after=Decimal("780000"), needs_approval=True, **offer)  # fmt: skip
    keypoint(project, 26, 5, [wang], contract_number="HT-2026-007", signed_amount=Decimal("780000"),
             signing_date=datetime.date(2026, 1, 31), payment_schedule="预付 30%,验收后 70%",
             risks="验收标准模糊")  # fmt: skip
    return history(
        project,
        (0, C, 1, OPEN),
        (3, A, 2, OPEN),
        (10, A, 3, OPEN),
        (12, A, 4, OPEN),
        (15, H, 4, ON_HOLD),
        (20, R, 4, OPEN),
        (25, A, 5, OPEN),
        (27, A, 6, OPEN),
        (45, DONE, 6, COMPLETED),
        note="验收完成。",
    )


@pytest.fixture
def team(deal, rep, other_rep):
    """The rest of the team's deals: another rep's (they count in the median too) and a lost one."""
    return [
        # Stage 1 for 5 days, stage 2 for 4, now in stage 3 (unfinished: not in stage 3's median).
        history(ProjectFactory(owner=other_rep), (0, C, 1, OPEN), (5, A, 2, OPEN), (9, A, 3, OPEN)),
        # Stage 1 for 1 day, stage 2 for 2, then lost there.
        history(ProjectFactory(owner=rep), (0, C, 1, OPEN), (1, A, 2, OPEN), (3, LOSE, 2, LOST)),
    ]


def review_page(client, project):
    return client.get(reverse("projects:review", args=[project.pk]), **EN)


def text_of(html):
    """The page's words, tags dropped and white space folded."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


# The figures -----------------------------------------------------------------------------------------


def test_days_in_each_stage_against_the_teams_median(client_for, rep, deal, team):
    response = review_page(client_for(rep), deal)
    rows = {row.stage.number: row for row in response.context["review"].stages}

    # Stage 4: 3 days, then 5 on hold (not counted), then 5 more.
    assert {number: round(row.days, 6) for number, row in rows.items()} == {1: 3, 2: 7, 3: 2, 4: 8, 5: 2, 6: 18}
    assert all(row.finished for row in rows.values())
    # Finished stays: stage 1 {3, 5, 1}, stage 2 {7, 4, 2}; the rest only this deal's.
    assert {number: row.median for number, row in rows.items()} == {1: 3, 2: 4, 3: 2, 4: 8, 5: 2, 6: 18}
    assert {number: row.team_count for number, row in rows.items()} == {1: 3, 2: 3, 3: 1, 4: 1, 5: 1, 6: 1}
    assert rows[1].comparison == "about the team's median"
    assert rows[2].comparison == "3 days longer than the team's median"
    # The bars: the longest figure (18 days) is the full width; 7 days is 38.9%, drawn as 40.
    assert (rows[6].bar, rows[2].bar, rows[2].median_bar) == (100, 40, 25)
    assert "3 days longer than the team&#x27;s median" in response.content.decode()


def test_a_deal_slower_or_faster_than_the_team_says_so_in_days(rep, other_rep):
    slow = history(ProjectFactory(owner=rep), (0, C, 1, OPEN), (9, LOSE, 1, LOST))
    history(ProjectFactory(owner=other_rep), (0, C, 1, OPEN), (1, A, 2, OPEN))
    history(ProjectFactory(owner=other_rep), (0, C, 1, OPEN), (2, A, 2, OPEN))
    fast = history(ProjectFactory(owner=other_rep), (0, C, 1, OPEN), (1.5, LOSE, 1, LOST))
    # Stage 1 stays 9, 1, 2, 1.5: the median is 1.75, shown 1.8.
    with translation.override("en"):
        assert review.stage_rows(slow)[0].comparison == "7 days longer than the team's median"
        assert review.stage_rows(fast)[0].comparison == "about the team's median"
        assert review.stage_rows(fast)[0].median == 1.75


def test_the_deals_dates_and_total_days(client_for, rep, deal):
    response = review_page(client_for(rep), deal)
    result = response.context["review"]

    assert result.outcome == "completed"
    assert (result.started_on, result.closed_on, result.total_days) == (
        datetime.date(2026, 1, 5),
        datetime.date(2026, 2, 19),
        45,
    )
    text = text_of(response.content.decode())
    assert "Completed · signed for ¥780,000" in text
    assert "Signed on 31 Jan 2026" in text
    assert "Completed on 19 Feb 2026" in text
    assert "45 days from creation to closing" in text


def test_the_decision_chain_in_order_with_whom_each_step_met(client_for, rep, deal):
    result = review_page(client_for(rep), deal).context["review"]

    chain = [(link.step.name, link.contact and link.contact.name) for link in result.chain]
    assert chain == [("技术评估", "李工"), ("总经理审批", "王总"), ("董事会备案", None)]
    met = [[record.occurred_at for record in link.met] for link in result.chain]
    assert met == [[at(5), at(11), at(13)], [at(13), at(16), at(24), at(26)], []]
    # Met, but holding no step of the chain.
    assert [(link.contact.name, [record.occurred_at for record in link.met]) for link in result.others_met] == [
        ("赵会计", [at(1)])
    ]


def test_the_chain_on_the_page_names_role_stance_and_meetings(client_for, rep, deal):
    text = text_of(review_page(client_for(rep), deal).content.decode())

    assert "技术评估 · 李工 (技术总监) · Influencer · Supporter" in text
    assert "总经理审批 · 王总 (总经理) · Decision-maker · Neutral" in text
    assert "董事会备案 · no contact named" in text
    assert "29 Jan 2026 · Business negotiation · Phone" in text


def test_obstacles_and_objections_in_order_placeholders_skipped(client_for, rep, deal):
    result = review_page(client_for(rep), deal).context["review"]

    assert [(remark.keypoint.occurred_at, remark.kind, remark.text, remark.response) for remark in result.remarks] == [
        (at(5), "obstacle", "IT 部人手紧张。", "我方负责接口开发。"),
        (at(11), "objection", "价格高于竞品 20%。", "说明服务差异。"),
        # The answer "无" is no answer.
        (at(13), "obstacle", "客户资金紧张。", ""),
        (at(24), "obstacle", "总经理要求再降价。", "申请特批。"),
    ]


def test_a_response_left_as_a_placeholder_reads_as_none_recorded(client_for, rep, deal):
    html = review_page(client_for(rep), deal).content.decode()
    responses = re.findall(r'data-testid="remark-response">([^<]*)<', html)
    assert responses == ["我方负责接口开发。", "说明服务差异。", "No response recorded.", "申请特批。"]


@pytest.mark.parametrize(
    ("text", "placeholder"),
    [("无", True), (" 无。", True), ("暂无", True), ("None", True), ("n/a", True), ("", True), ("—", True),
     ("无法按期交付", False), ("客户无预算", False), ("no budget", False)],
)  # fmt: skip
def test_what_counts_as_nothing_said(text, placeholder):
    assert review.is_placeholder(text) is placeholder


def test_the_price_path_with_each_concession_and_the_total(client_for, rep, deal):
    response = review_page(client_for(rep), deal)
    result = response.context["review"]

    steps = [
        (step.keypoint.price_before, step.keypoint.price_after, step.concession, step.concession_percent)
        for step in result.prices
    ]
    assert steps == [
        (Decimal("1000000"), Decimal("900000"), Decimal("100000"), Decimal("10.0")),
        (Decimal("900000"), Decimal("850000"), Decimal("50000"), Decimal("5.6")),
        (Decimal("850000"), Decimal("780000"), Decimal("70000"), Decimal("8.2")),
    ]
    assert [step.below_floor for step in result.prices] == [False, False, True]
    assert [step.keypoint.needs_approval for step in result.prices] == [False, False, True]
    assert (result.total_concession, result.total_concession_percent) == (Decimal("220000"), Decimal("22.0"))
    text = text_of(response.content.decode())
    assert "¥100,000 (10%)" in text and "¥50,000 (5.6%)" in text and "¥70,000 (8.2%)" in text
    assert "below the floor price" in text
    assert (
        "Total concession ¥220,000 (22%): from the first price asked, ¥1,000,000, to the last agreed, ¥780,000." in text
    )


def test_the_price_path_reads_in_wan_in_chinese(client_for, rep, deal):
    client = client_for(rep)
    html = client.get(reverse("projects:review", args=[deal.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "10万元 (10%)" in text_of(html) and "22万元" in text_of(html)


def test_the_signed_terms_come_from_the_contract_key_point(client_for, rep, deal):
    response = review_page(client_for(rep), deal)
    assert response.context["review"].contract.contract_number == "HT-2026-007"
    text = text_of(response.content.decode())
    for fact in ("HT-2026-007", "¥780,000", "31 Jan 2026", "预付 30%,验收后 70%", "验收标准模糊", "验收完成。"):
        assert fact in text


def test_a_lost_deal_shows_its_reason_and_note(client_for, rep, rep_customer):
    reason, _ = LostReason.objects.get_or_create(
        name="价格高于竞品", defaults={"name_en": "Price above the competition"}
    )
    project = ProjectFactory(customer=rep_customer, owner=rep)
    keypoint(project, 1, 1)
    history(project, (0, C, 1, OPEN), (4, A, 2, OPEN), (10, LOSE, 2, LOST), lost_reason=reason, note="竞品便宜 20%")

    response = review_page(client_for(rep), project)
    assert response.context["review"].outcome == "lost"
    assert response.context["review"].total_days == 10
    text = text_of(response.content.decode())
    assert "Lost · Price above the competition" in text
    assert "Lost on 15 Jan 2026" in text
    assert "Why it was lost" in text and "竞品便宜 20%" in text
    assert 'data-testid="review-terms"' not in response.content.decode()


def test_all_key_points_oldest_first(client_for, rep, deal):
    result = review_page(client_for(rep), deal).context["review"]
    assert [record.occurred_at for record in result.keypoints] == [
        at(days) for days in (1, 5, 11, 11.5, 13, 16, 24, 26)
    ]


# Who opens it, and when ------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["rep", "lead", "admin", "manager"])
def test_whoever_sees_the_project_reads_its_review(client_for, users, deal, role):
    response = review_page(client_for(users[role]), deal)
    assert response.status_code == 200
    assert 'data-testid="review-header"' in response.content.decode()


def test_another_rep_gets_404(client_for, other_rep, deal):
    assert review_page(client_for(other_rep), deal).status_code == 404


def test_a_team_member_reads_the_review(client_for, other_rep, deal):
    deal.members.create(user=other_rep, role="technical_consultant")
    assert review_page(client_for(other_rep), deal).status_code == 200


def test_an_unknown_project_is_404(client_for, lead):
    assert client_for(lead).get("/projects/999999/review/").status_code == 404


def test_the_manager_sees_no_write_control(client_for, manager, deal):
    html = review_page(client_for(manager), deal).content.decode()
    assert "<form" not in html.split('id="main"')[1].split("</main>")[0]


def test_an_open_deal_says_when_its_review_opens(client_for, rep, project):
    KeyPointFactory(project=project)
    response = review_page(client_for(rep), project)

    assert response.status_code == 200
    assert "review" not in response.context
    text = text_of(response.content.decode())
    assert "The review opens once the deal is signed, completed or lost." in text
    assert "This project is Open, in Lead acquisition." in text
    assert f'href="/projects/{project.pk}/"' in response.content.decode()


def test_an_open_deal_of_another_rep_is_still_404(client_for, rep, other_project):
    assert review_page(client_for(rep), other_project).status_code == 404


def test_a_deal_on_hold_is_not_reviewable_until_signed(client_for, rep, project):
    history(project, (0, C, 1, OPEN), (2, H, 1, ON_HOLD))
    assert "review" not in review_page(client_for(rep), project).context


def test_post_is_refused(client_for, rep, deal):
    assert client_for(rep).post(reverse("projects:review", args=[deal.pk])).status_code == 405


# The way in -----------------------------------------------------------------------------------------


def test_the_project_page_links_to_the_review_only_when_reviewable(client_for, manager, deal, project):
    client = client_for(manager)
    link = f'href="{reverse("projects:review", args=[deal.pk])}"'
    assert link in client.get(reverse("projects:detail", args=[deal.pk])).content.decode()
    html = client.get(reverse("projects:detail", args=[project.pk])).content.decode()
    assert 'data-testid="review-link"' not in html


def test_the_opportunity_list_links_reviewable_rows(client_for, lead, deal, project):
    html = client_for(lead).get(reverse("projects:list"), **EN).content.decode()
    assert html.count('data-testid="review-link"') == 1
    assert f'href="{reverse("projects:review", args=[deal.pk])}"' in html


def test_print_button_is_left_to_app_js(client_for, rep, deal):
    html = review_page(client_for(rep), deal).content.decode()
    button = re.search(r"<button[^>]*data-print[^>]*>", html).group(0)
    assert "hidden" in button and "onclick" not in button
    assert 'href="/static/css/print.css" media="print"' in html


# Queries ---------------------------------------------------------------------------------------------


def test_queries_do_not_grow_with_key_points(client_for, rep, deal, team, django_assert_max_num_queries):
    client = client_for(rep)
    deal.keypoints.all().delete()
    bulk_keypoints(deal, rep, 5)
    for index, record in enumerate(deal.keypoints.all()):
        record.customer_participants.set(deal.customer.contacts.all()[: index % 3 + 1])
    with django_assert_max_num_queries(12) as few:
        small = review_page(client, deal)
    assert len(small.context["review"].keypoints) == 5
    bulk_keypoints(deal, rep, 55)
    for record in deal.keypoints.filter(customer_participants=None):
        record.customer_participants.set(deal.customer.contacts.all())
    with django_assert_max_num_queries(len(few.captured_queries)):
        large = review_page(client, deal)
    assert len(large.context["review"].keypoints) == 60
    assert len(large.context["review"].chain[0].met) == 60


def test_now_is_not_the_deals_end(rep, deal):
    """A finished deal's figures do not change with the clock."""
    later = timezone.now() + datetime.timedelta(days=400)
    assert [row.days for row in review.stage_rows(deal, now=later)] == [row.days for row in review.stage_rows(deal)]
