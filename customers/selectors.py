"""Reads beyond scope + filter: the customer list's rows and the open deals shown on them."""

from collections import defaultdict
from decimal import Decimal

from django.db.models import Case, F, IntegerField, Max, Min, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce, NullIf

from keypoints.stages import StageNumber

from .models import Project, ProjectStatus, Tier
from .validators import customer_name_sort_key

# Key points are read here by their field names only: customers sits below keypoints. This is
# keypoints.models.NextStepStatus.OPEN (tests/customers/test_customer_list.py checks it).
OPEN_NEXT_STEP = "open"
# Deals still in the pipeline: open or paused, not lost or completed (Project.is_active_deal).
ACTIVE_DEAL_STATUSES = (ProjectStatus.OPEN, ProjectStatus.ON_HOLD)
TIER_RANK = {Tier.STRATEGIC: 1, Tier.KEY: 2, Tier.NORMAL: 3}


def customer_rows(customers):
    """Customers with what their list sorts by: latest activity, tier rank, owner name.

    Latest activity is the newest key point on any of the customer's projects or, with none, the
    customer's own last change (which is its creation until it is edited).
    """
    # Each live project's newest key point is kept on it (last_keypoint_at, keypoints/activity.py): the
    # customer's is the newest of a few project rows.
    newest_keypoint = (
        Project.objects.filter(customer=OuterRef("pk"))
        .order_by()
        .values("customer")
        .annotate(at=Max("last_keypoint_at"))
        .values("at")
    )
    return customers.select_related("owner").annotate(
        last_keypoint_at=Subquery(newest_keypoint),
        activity_at=Coalesce(F("last_keypoint_at"), F("updated_at")),
        tier_rank=Case(
            *(When(tier=tier, then=Value(rank)) for tier, rank in TIER_RANK.items()),
            default=Value(len(TIER_RANK) + 1),
            output_field=IntegerField(),
        ),
        owner_name=Coalesce(NullIf(F("owner__display_name"), Value("")), F("owner__username")),
    )


class OpenDeals:
    """A customer's deals in the pipeline, as its row in the list sums them up."""

    def __init__(self, deals, today):
        self.deals = deals
        self.count = len(deals)
        counts = defaultdict(int)
        for deal in deals:
            counts[deal.stage] += 1
        self.stages = [(StageNumber(stage).label, count) for stage, count in sorted(counts.items())]
        values = [deal.value for deal in deals if deal.value is not None]
        self.value = sum(values, Decimal(0)) if values else None
        dues = [deal.next_step_due for deal in deals if deal.next_step_due is not None]
        self.next_step_due = min(dues) if dues else None
        self.next_step_overdue = self.next_step_due is not None and self.next_step_due < today


def attach_open_deals(customers, today):
    """Sets `open_deals` (OpenDeals) on each customer, in one query whatever their number."""
    by_customer = defaultdict(list)
    deals = (
        Project.objects.filter(customer__in=[customer.pk for customer in customers], status__in=ACTIVE_DEAL_STATUSES)
        .annotate(
            next_step_due=Min("keypoints__next_step_due", filter=Q(keypoints__next_step_status=OPEN_NEXT_STEP)),
            # Once signed, a deal is worth its signed amount; before, the top of its budget.
            value=Coalesce("signed_amount", "budget_max", "budget_min"),
        )
        .order_by("stage", "pk")
    )
    for deal in deals:
        by_customer[deal.customer_id].append(deal)
    for customer in customers:
        customer.open_deals = OpenDeals(by_customer[customer.pk], today)
    return customers


# How many customers a search-as-you-type choice offers at once: type more to narrow it.
CUSTOMER_CHOICES_SHOWN = 20


def customers_matching(customers, text):
    """Customers whose legal name holds `text`, or, typed in Latin letters, whose name's pinyin does
    (“beijing” finds 北京…): the customer choice of the ledger's filter bar."""
    text = text.strip()
    condition = Q(legal_name__icontains=text)
    key = customer_name_sort_key(text)
    if key and text.isascii():
        condition |= Q(name_pinyin__contains=key)
    return customers.filter(condition)
