"""RankedPaginator (salesrecord/paging.py): a page's ids ranked first, then its rows read by id, in order."""

import pytest
from django.core.paginator import Paginator
from django.db.models import F

from customers.models import Project
from salesrecord.paging import RankedPaginator
from tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def projects(rep_customer):
    return [
        ProjectFactory(customer=rep_customer, name=f"商机{n:02d}", budget_min=None, budget_max=(n * 7) % 11)
        for n in range(11)
    ]


@pytest.mark.parametrize("order", [("name",), ("-budget_max", "pk"), ("-doubled", "-pk")])
def test_every_page_holds_the_rows_a_plain_page_holds_in_the_same_order(projects, order):
    rows = Project.objects.annotate(doubled=F("budget_max") * 2).select_related("customer").order_by(*order)

    ranked, plain = RankedPaginator(rows, 5, orphans=1), Paginator(rows, 5, orphans=1)
    assert ranked.num_pages == plain.num_pages == 2  # the eleventh row joins the page before it
    for number in (1, 2):
        assert list(ranked.page(number)) == list(plain.page(number))
        # Each row is read whole, its annotations and related rows with it.
        assert all(row.doubled == row.budget_max * 2 and row.customer for row in ranked.page(number))


def test_a_row_gone_between_the_two_reads_is_left_out(projects, monkeypatch):

    rows = Project.objects.order_by("name")
    paginator = RankedPaginator(rows, 5)
    in_bulk = type(rows).in_bulk

    def gone_first(queryset, ids, **kwargs):
        Project.objects.filter(pk=ids[0]).delete()
        return in_bulk(queryset, ids, **kwargs)

    monkeypatch.setattr(type(rows), "in_bulk", gone_first)
    assert [row.name for row in paginator.page(1)] == ["商机01", "商机02", "商机03", "商机04"]
