"""The ledger's pages by position: every row once, in the list's order, whichever way one pages and
whatever the sort; bad page links refused in the filter bar; a total that stops counting."""

from datetime import timedelta

import pytest
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone

from keypoints import paging, selectors
from keypoints import views as keypoint_views
from keypoints.filters import KeyPointFilter
from keypoints.permissions import visible_keypoints
from tests.factories import CustomerFactory, KeyPointFactory, ProjectFactory

pytestmark = pytest.mark.django_db

SORTS = sorted(KeyPointFilter.sort_values())


@pytest.fixture
def small_pages(monkeypatch):
    monkeypatch.setattr(keypoint_views, "LEDGER_PAGE_SIZE", 3)


@pytest.fixture
def crowded(project, other_project):
    """Eleven key points on few distinct values: several share a time, a stage, a due date, a customer."""
    now = timezone.now().replace(microsecond=123456)
    same_time = now - timedelta(days=3)
    other_customer = ProjectFactory(customer=CustomerFactory(legal_name="阿尔法公司"))
    rows = []
    for index in range(11):
        rows.append(
            KeyPointFactory(
                project=(project, other_project, other_customer)[index % 3],
                stage=1 + index % 2,
                occurred_at=same_time if index < 6 else now - timedelta(days=index),
                next_step_due=timezone.localdate() + timedelta(days=index % 3),
            )
        )
    return rows


def get(client, **params):
    return client.get(reverse("keypoints:ledger"), params)


def ids(response):
    return [keypoint.pk for keypoint in response.context["page"].object_list]


def walk(client, sort):
    """Every page from the first by the next links, then back by the previous ones."""
    forward = [get(client, sort=sort)]
    while forward[-1].context["page"].has_next:
        forward.append(get(client, sort=sort, after=forward[-1].context["page"].next_cursor))
    backward = [forward[-1]]
    while backward[-1].context["page"].has_previous:
        backward.append(get(client, sort=sort, before=backward[-1].context["page"].previous_cursor))
    return forward, backward[::-1]


@pytest.mark.parametrize("sort", SORTS)
def test_paging_shows_every_row_once_in_the_lists_order_both_ways(client_for, lead, crowded, small_pages, sort):
    client = client_for(lead)
    rows = selectors.ledger_rows(visible_keypoints(lead))
    with_offsets = KeyPointFilter(QueryDict(f"sort={sort}"), queryset=rows, user=lead).qs
    expected = list(with_offsets.values_list("pk", flat=True))
    forward, backward = walk(client, sort)
    assert len(forward) == 4
    assert [pk for response in forward for pk in ids(response)] == expected
    assert [ids(response) for response in backward] == [ids(response) for response in forward]
    assert backward[0].context["page"].is_first


def test_the_first_page_has_no_way_back_and_the_last_no_way_on(client_for, lead, crowded, small_pages):
    client = client_for(lead)
    html = get(client).content.decode()
    assert 'data-testid="next-page"' in html and 'rel="next"' in html
    assert 'data-testid="previous-page"' not in html and 'data-testid="first-page"' not in html
    assert "较新" in html and "较早" in html
    forward, _backward = walk(client, "-occurred")
    last = forward[-1].content.decode()
    assert 'data-testid="next-page"' not in last
    assert 'data-testid="previous-page"' in last and 'data-testid="first-page"' in last


def test_page_links_keep_the_filters_and_the_sort(client_for, lead, crowded, small_pages):
    page = get(client_for(lead), stage="1", sort="due").context["page"]
    html = get(client_for(lead), stage="1", sort="due").content.decode()
    assert f'href="?stage=1&amp;sort=due&amp;after={page.next_cursor}"' in html


def test_a_row_archived_since_its_link_was_made_does_not_break_the_next_page(client_for, lead, crowded, small_pages):
    client = client_for(lead)
    first = get(client).context["page"]
    first.object_list[-1].archived_at = timezone.now()
    first.object_list[-1].save()
    response = get(client, after=first.next_cursor)
    assert response.status_code == 200
    assert len(ids(response)) == 3 and not set(ids(response)) & {keypoint.pk for keypoint in first.object_list}


@pytest.mark.parametrize(
    ("sort", "cursor"),
    [
        ("-occurred", "x"),
        ("-occurred", "12~"),
        ("-occurred", "~12"),
        ("-occurred", "1~2~3"),
        ("-occurred", "123456789012345678~1"),
        ("-occurred", "1.5~1"),
        ("-occurred", "1~1234567890123456789"),
        ("stage", "1~2"),
        ("due", "2026-13-01~1~1"),
        ("due", "99999~1~1"),
        ("delay", "-123456789012345678~1~1"),
        ("customer", "a\x00b~1~1"),
        ("customer", "a" * 201 + "~1~1"),
    ],
)
@pytest.mark.parametrize("direction", ["after", "before"])
def test_a_bad_page_link_is_refused_in_the_filter_bar(client_for, lead, crowded, sort, cursor, direction):
    response = get(client_for(lead), sort=sort, **{direction: cursor})
    assert response.status_code == 400
    assert response.context["page"] is None
    html = response.content.decode()
    assert 'data-testid="filter-errors"' in html
    assert "翻页链接无效" in html


def test_both_directions_at_once_are_refused(client_for, lead, crowded, small_pages):
    page = get(client_for(lead)).context["page"]
    response = get(client_for(lead), after=page.next_cursor, before=page.next_cursor)
    assert response.status_code == 400


def test_a_customer_name_with_the_separator_pages_by_it(client_for, lead, project, small_pages):
    for name in ("甲~乙", "甲~乙~丙", "丁"):
        KeyPointFactory(project=ProjectFactory(customer=CustomerFactory(legal_name=name)))
        KeyPointFactory(project=ProjectFactory(customer=CustomerFactory(legal_name=f"{name}公司")))
    forward, _backward = walk(client_for(lead), "customer")
    assert len([pk for response in forward for pk in ids(response)]) == 6


def test_the_total_is_exact_up_to_the_cap_and_says_so_beyond(client_for, lead, crowded, monkeypatch):
    client = client_for(lead)
    assert "共 11 条关键点" in get(client).content.decode()
    monkeypatch.setattr(paging, "COUNT_CAP", 10)
    html = get(client).content.decode()
    assert "超过 10 条关键点" in html
    monkeypatch.setattr(paging, "COUNT_CAP", 11)
    assert "共 11 条关键点" in get(client).content.decode()


def test_a_deep_page_takes_as_many_queries_as_the_first(client_for, rep, project, django_assert_max_num_queries):
    for index in range(120):
        KeyPointFactory(project=project, occurred_at=timezone.now() - timedelta(hours=index))
    client = client_for(rep)
    first = get(client).context["page"]
    second = get(client, after=first.next_cursor).context["page"]
    with django_assert_max_num_queries(12) as few:
        get(client)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = get(client, after=second.next_cursor)
    assert len(ids(response)) == 20
