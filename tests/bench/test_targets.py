"""The bench's verdict against issue 11's targets (bench/run.py): what it names as over, and its exit."""

import pytest

from bench import run


def page(p95):
    return {"requests": 10, "p50_ms": p95 / 2, "p95_ms": p95, "rps": 1.0, "queries_range": [4, 4]}


def results(**p95s):
    pages = {run.FLOOR: page(20)}
    for name, p95 in p95s.items():
        pages[name.replace("_", " ")] = page(p95)
    return {"scale": 1, "pages": pages}


def test_a_page_may_take_three_times_the_floor_and_the_ledger_dashboard_and_board_five():
    assert run.page_target(run.FLOOR) is None
    assert run.page_target("home") == 3
    assert run.page_target("project page, longest") == 3
    assert run.page_target("export, one customer, CSV") == 3
    assert run.page_target("ledger, deep page (row 270000)") == 5
    assert run.page_target("ledger, first page") == 5
    assert run.page_target("dashboard") == 5
    assert run.page_target("board (pipeline)") == 5


def test_pages_on_their_line_are_within_and_just_over_it_are_named():
    assert run.misses(results(home=60, dashboard=100)) == []
    over = run.misses(results(home=61, dashboard=101))
    assert over == [
        "home: p95 61 ms, 3.05× the floor (at most 3×)",
        "dashboard: p95 101 ms, 5.05× the floor (at most 5×)",
    ]


def test_a_page_with_no_answer_is_over():
    found = results(home=30)
    found["pages"]["home"]["p95_ms"] = None
    assert run.misses(found) == ["home: no answer"]


def test_scans_and_exports_are_held_to_their_seconds_and_memory():
    found = results(home=30)
    found["scans"] = {
        "open projects": 15000,
        "stalled_projects": {"seconds": 2.0, "queries": 2, "found": 1},
        "overdue_events": {"seconds": 2.01, "queries": 2, "found": 1},
    }
    found["exports"] = {
        "csv": {"seconds": 15.0, "bytes": 1, "peak_mb": 250.0},
        "xlsx": {"seconds": 45.5, "bytes": 1, "peak_mb": 251.0},
    }
    assert run.misses(found) == [
        "overdue_events: 2.01 s (at most 2 s)",
        "export xlsx: 45.5 s (at most 45 s)",
        "export xlsx: peak 251.0 MiB (at most 250)",
    ]


@pytest.mark.parametrize(("p95", "printed"), [(60, "Every target met."), (61, "Over target:")])
def test_the_report_says_whether_every_target_is_met(p95, printed):
    lines = []
    run.report(results(home=p95), lines.append)
    assert any(line.strip() == printed for line in lines)
    assert any(line.startswith("home") and line.endswith("3×" + ("" if p95 == 60 else " over")) for line in lines)


def with_queries(found, **ranges):
    for name, queries in ranges.items():
        found["pages"][name.replace("_", " ")]["queries_range"] = queries
    return found


def test_queries_per_page_are_compared_with_another_scale_by_page_not_by_its_row():
    full = results(home=30, dashboard=60)
    full["pages"]["ledger, deep page (row 270000)"] = page(50)
    tenth = results(home=30, dashboard=60)
    tenth["scale"] = 0.1
    tenth["pages"]["ledger, deep page (row 27000)"] = page(50)
    assert run.query_differences(full, [tenth]) == []

    with_queries(tenth, dashboard=[19, 21])
    tenth["pages"]["ledger, deep page (row 27000)"]["queries_range"] = [11, 12]
    assert run.query_differences(full, [tenth]) == [
        "dashboard: 4 queries at scale 1, 19-21 at scale 0.1",
        "ledger, deep page: 4 queries at scale 1, 11-12 at scale 0.1",
    ]


def test_a_difference_in_queries_is_over_target():
    found = results(home=30)
    found["query_differences"] = ["home: 2-12 queries at scale 1, 2-13 at scale 0.1"]
    assert run.misses(found) == ["home: 2-12 queries at scale 1, 2-13 at scale 0.1"]
