"""Every number on the dashboard drills down: its link opens the opportunity list or the ledger with
filters that list exactly the records it counts, and a rep's links never reach beyond their scope."""

import pytest

from customers.models import Project

from .conftest import Q2


def drill_downs(context):
    """(what, count, link) for every linked number on the page."""
    for name in ("pipeline", "conversion", "signed", "ratings", "lost", "obstacles"):
        for row in context[name]["rows"]:
            if row.get("link"):
                yield name, row["count"], row["link"]
    for name in ("pipeline", "signed"):
        yield f"{name} total", context[name]["total"]["count"], context[name]["total"]["link"]
    attention = context["attention"]
    yield "stalled", attention["stalled_count"], attention["stalled_link"]
    yield "overdue", attention["overdue_count"], attention["overdue_link"]
    for row in context["activity"]["rows"]:
        yield "activity total", row["total"], row["link"]
        # The weeks with key points, and one without (the others differ only in their dates).
        empty = [cell for cell in row["cells"] if not cell["count"]][:1]
        for cell in [cell for cell in row["cells"] if cell["count"]] + empty:
            yield "activity", cell["count"], cell["link"]
    for row in context["completeness"]["rows"]:
        yield "completeness", row["total"], row["link"]
        yield "incomplete", row["incomplete"], row["incomplete_link"]
    for row in context["timeliness"]["rows"]:
        yield "timeliness", row["total"], row["link"]
        yield "late", row["late"], row["late_link"]


def listed(client, link):
    """How many rows the list at `link` holds, and its first page's rows."""
    response = client.get(link)
    assert response.status_code == 200, link
    page = response.context["page"]
    if "total" in response.context:
        # The ledger: paged by position, its total counted up to keypoints.paging.COUNT_CAP.
        assert response.context["total"] <= response.context["count_cap"], link
        return response.context["total"], page.object_list
    return page.paginator.count, page.object_list


PARAMS = [{}, {"owner": "rep"}, {"industry": "finance", "source": "referral", "tier": "key"}]


@pytest.mark.parametrize("params", PARAMS, ids=lambda p: ",".join(p) or "unfiltered")
def test_every_number_links_to_a_list_of_exactly_that_many(client_for, users, lead, book, at_now, params):
    params = {key: users[value].pk if key == "owner" else value for key, value in params.items()}
    client = client_for(lead)
    context = client.get("/dashboard/", {**Q2, **params}).context
    checked = 0
    for what, count, link in drill_downs(context):
        for key, value in params.items():
            assert f"{key}={value}" in link, (what, link)
        assert listed(client, link)[0] == count, (what, link)
        checked += 1
    assert checked > 20


def test_a_reps_numbers_and_their_lists_hold_only_their_own_projects(client_for, rep, other_rep, book, at_now):
    client = client_for(rep)
    response = client.get("/dashboard/", Q2)
    html = response.content.decode()
    for name in ("乙一", "乙二", "乙制造有限公司", "竞争对手", "别人的步骤", str(other_rep)):
        assert name not in html
    theirs = set(Project.objects.filter(customer=book["o"]).values_list("pk", flat=True))
    for what, count, link in drill_downs(response.context):
        assert f"author={other_rep.pk}&" not in link + "&", (what, link)
        total, rows = listed(client, link)
        assert total == count, (what, link)
        for item in rows:
            assert getattr(item, "project_id", item.pk) not in theirs, (what, link)


def test_a_reps_figures_count_only_their_scope(client_for, rep, lead, book, at_now):
    context = client_for(rep).get("/dashboard/", Q2).context
    assert [row["count"] for row in context["pipeline"]["rows"]] == [1, 0, 1, 0, 0, 1, 0]
    assert [row["count"] for row in context["conversion"]["rows"]] == [4, 2, 2, 1, 0, 0, 0]
    assert context["signed"]["total"]["amount"] == 500000
    assert (context["attention"]["stalled_count"], context["attention"]["overdue_count"]) == (1, 1)
    assert [row["count"] for row in context["ratings"]["rows"]] == [1, 0, 1, 2]
    assert [(row["obstacle"], row["count"]) for row in context["obstacles"]["rows"]] == [
        ("价格太高", 2),
        ("预算未批", 2),
    ]
    assert [row["count"] for row in context["lost"]["rows"]] == [1, 1]
    # The lead logged on the rep's customer: in the rep's scope, so counted.
    assert {row["author"] for row in context["completeness"]["rows"]} == {rep, lead}
    assert {row["author"] for row in context["timeliness"]["rows"]} == {rep, lead}
    assert sum(row["total"] for row in context["timeliness"]["rows"]) == sum(
        row["total"] for row in context["completeness"]["rows"]
    )
