import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse

BENCH_URLS = pytest.mark.urls("tests.bench.urls")


def test_floor_is_not_served_without_the_bench_setting(client, rep):
    client.force_login(rep)
    with pytest.raises(NoReverseMatch):
        reverse("bench_floor")
    assert client.get("/bench/floor/").status_code == 404


@BENCH_URLS
def test_floor_asks_for_a_login(client):
    response = client.get(reverse("bench_floor"))
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


@BENCH_URLS
def test_floor_renders_the_base_template_with_one_query_of_its_own(client, rep):
    client.force_login(rep)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("bench_floor"))
    assert response.status_code == 200
    assert [template.name for template in response.templates][:2] == ["salesrecord/bench_floor.html", "base.html"]
    assert [query["sql"] for query in captured.captured_queries].count("SELECT 1") == 1


@BENCH_URLS
def test_query_count_header_counts_every_query_of_the_request(client, rep, settings):
    settings.MIDDLEWARE = ["salesrecord.bench.QueryCountMiddleware", *settings.MIDDLEWARE]
    client.force_login(rep)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("bench_floor"))
    assert response.status_code == 200
    assert int(response["X-Queries"]) == len(captured.captured_queries)
    assert any(query["sql"] == "SELECT 1" for query in captured.captured_queries)
