"""A hand-built book of deals for the dashboard's figures: every figure in the tests is worked out from
the comments below, to the yuan and to the day.

Now is 30 June 2026, noon in the team's time zone; the period asked for is the second quarter
(1 April – 30 June). Customer A (manufacturing, normal) and B (finance, key) are the rep's; customer
O (manufacturing, normal) is the other rep's.
"""

import datetime
from decimal import Decimal

import pytest
import time_machine

from customers.models import Industry, LostReason, Project, ProjectStatus, Source, Tier
from keypoints.models import KeyPoint, StageChange, StageHistory
from tests.factories import CustomerFactory, KeyPointFactory, ProjectFactory

TZ = datetime.timezone(datetime.timedelta(hours=8))
NOW = datetime.datetime(2026, 6, 30, 12, 0, tzinfo=TZ)
Q2 = {"period": "custom", "date_from": "2026-04-01", "date_to": "2026-06-30"}

OPEN, LOST = ProjectStatus.OPEN, ProjectStatus.LOST
C, A, S, L = StageChange.CREATED, StageChange.ADVANCE, StageChange.SKIP, StageChange.LOST


def at(month, day, hour=9):
    return datetime.datetime(2026, month, day, hour, 0, tzinfo=TZ)


def history(project, *rows, lost_reason=None):
    """rows: (when, kind, to_stage, to_status); the project ends where the last row leaves it, created
    at the first row's time and in its stage since the last change of stage."""
    previous_stage, previous_status, entered = None, "", None
    for when, kind, to_stage, to_status in rows:
        StageHistory.objects.create(
            project=project,
            kind=kind,
            from_stage=previous_stage,
            to_stage=to_stage,
            from_status=previous_status,
            to_status=to_status,
            lost_reason=lost_reason if kind == L else None,
            actor=project.owner,
            at=when,
        )
        if to_stage != previous_stage:
            entered = when
        previous_stage, previous_status = to_stage, to_status
    Project.objects.filter(pk=project.pk).update(
        stage=previous_stage,
        status=previous_status,
        created_at=rows[0][0],
        stage_entered_at=entered,
        lost_reason=lost_reason if previous_status == LOST else None,
    )
    project.refresh_from_db()
    return project


def record(project, when, *, author=None, complete=False, stage=1, **fields):
    """A key point at 10:00 local on that day; complete or not as told."""
    keypoint = KeyPointFactory(
        project=project,
        stage=stage,
        occurred_at=when.replace(hour=10),
        author=author or project.owner,
        lead_rating=fields.pop("lead_rating", ""),
        **fields,
    )
    KeyPoint.objects.filter(pk=keypoint.pk).update(is_complete=complete)
    return keypoint


@pytest.fixture
def book(rep, other_rep, lead):
    with time_machine.travel(NOW, tick=False):
        price = LostReason.objects.create(name="测试：价格", name_en="Test: price")
        budget = LostReason.objects.create(name="测试：预算", name_en="Test: budget")
        a = CustomerFactory(owner=rep, legal_name="甲制造有限公司", industry=Industry.MANUFACTURING, tier=Tier.NORMAL)
        b = CustomerFactory(owner=rep, legal_name="甲金融有限公司", industry=Industry.FINANCE, tier=Tier.KEY)
        o = CustomerFactory(owner=other_rep, legal_name="乙制造有限公司", industry=Industry.MANUFACTURING)

        # The projects; their histories (below) are written after their key points, as the stages they
        # reach later would refuse a record without a contract.
        p1 = ProjectFactory(customer=a, name="甲一", budget_min=None, budget_max=Decimal("1000000"))
        p2 = ProjectFactory(customer=a, name="甲二")
        p3 = ProjectFactory(customer=a, name="甲三", budget_min=Decimal("200000"), budget_max=None)
        p4 = ProjectFactory(customer=b, name="甲四", source=Source.REFERRAL)
        p5 = ProjectFactory(customer=b, name="甲五")
        q1 = ProjectFactory(customer=o, name="乙一")
        q2 = ProjectFactory(customer=o, name="乙二")
        # Key points. Weeks start on Monday: 6 Apr, 13 Apr, 27 Apr, 1 Jun, 8 Jun, 15 Jun.
        record(p1, at(4, 11), lead_rating="B", obstacles="价格太高")  # week of 6 Apr
        record(p1, at(4, 12), lead_rating="A", obstacles="无", complete=True)  # week of 6 Apr; P1 is rated A
        record(
            p1,
            at(6, 20),
            stage=3,
            obstacles=" 价格太高 ",
            complete=True,
            next_step="发报价",
            next_step_due=at(6, 25).date(),
        )  # week of 15 Jun; an overdue next step
        record(p2, at(5, 2), lead_rating="C", obstacles="预算未批", next_step_due=at(5, 10).date())  # lost: not overdue
        record(p4, datetime.datetime(2026, 1, 16, 9, tzinfo=TZ), lead_rating="A", obstacles="价格太高")  # before
        record(p4, at(6, 10), stage=6, author=lead, obstacles="None", complete=True)  # week of 8 Jun
        record(p5, at(6, 6), obstacles="预算未批", complete=True)  # week of 1 Jun; unrated
        record(
            q1, at(4, 16), author=other_rep, lead_rating="A", obstacles="价格太高", next_step="别人的步骤",
            next_step_due=at(6, 1).date(),
        )  # fmt: skip
        record(q2, at(6, 13), author=other_rep, obstacles="竞争对手")
        # P1: 4 days in stage 1, 6 in stage 2, in stage 3 since 20 April; worth its budget's top, 1,000,000.
        p1 = history(
            p1,
            (at(4, 10), C, 1, OPEN), (at(4, 14), A, 2, OPEN), (at(4, 20), A, 3, OPEN),
        )  # fmt: skip
        # P2: 2 days in stage 1, skipped to 4 for 17 days, lost for price on 20 May.
        p2 = history(
            p2,
            (at(5, 1), C, 1, OPEN), (at(5, 3), S, 4, OPEN), (at(5, 20), L, 4, LOST),
            lost_reason=price,
        )  # fmt: skip
        # P3: in stage 1 since 10 May, no key point: stalled (limit 14 days); worth 200,000 (budget's bottom).
        p3 = history(
            p3,
            (at(5, 10), C, 1, OPEN),
        )
        # P4: created in January (before the period), signed 500,000 on 20 May, in fulfilment since 21 May.
        p4 = history(
            p4,
            (datetime.datetime(2026, 1, 15, 9, tzinfo=TZ), C, 1, OPEN), (at(2, 1), A, 2, OPEN), (at(3, 1), A, 3, OPEN),
            (at(4, 1), A, 4, OPEN), (at(5, 1), A, 5, OPEN), (at(5, 21), A, 6, OPEN),
        )  # fmt: skip
        # P5: 5 days in stage 1, lost for budget on 10 June.
        p5 = history(p5, (at(6, 5), C, 1, OPEN), (at(6, 10), L, 1, LOST), lost_reason=budget)
        # The other rep's. Q1: 10 days in stage 1, 10 in 2, skipped to 5 for 20, in fulfilment since 25 May
        # with no key point there: stalled (limit 30 days); signed 900,000 on 25 May.
        q1 = history(
            q1,
            (at(4, 15), C, 1, OPEN), (at(4, 25), A, 2, OPEN), (at(5, 5), S, 5, OPEN), (at(5, 25), A, 6, OPEN),
        )  # fmt: skip
        # Q2: 3 days in stage 1, lost for price on 15 June.
        q2 = history(q2, (at(6, 12), C, 1, OPEN), (at(6, 15), L, 1, LOST), lost_reason=price)

        # The outcomes (set last: saving a key point re-reads them from the contract records).
        Project.objects.filter(pk=p4.pk).update(signed_amount=Decimal("500000"), signed_on=datetime.date(2026, 5, 20))
        Project.objects.filter(pk=q1.pk).update(signed_amount=Decimal("900000"), signed_on=datetime.date(2026, 5, 25))
    return {
        "p1": p1, "p2": p2, "p3": p3, "p4": p4, "p5": p5, "q1": q1, "q2": q2, "price": price, "budget": budget,
        "a": a, "b": b, "o": o,
    }  # fmt: skip


@pytest.fixture
def at_now():
    with time_machine.travel(NOW, tick=False):
        yield
