"""The load `make bench` drives (bench/run.py starts it): each role logs in and walks the main pages.

Read from the environment, written by bench/run.py:
- BENCH_PAGES: a JSON file {"pages": {name: path}, "password": ...};
- BENCH_QUERIES: where to write each page's SQL queries per request (the app's X-Queries header) and
  each page's HTTP statuses, when the run stops.

Each simulated person (one per role: admin, lead, manager, rep) visits every page in turn, starting
at a different one, so that every page is measured as often as every other, under the same load.
"""

import json
import os
import random
import re
from collections import Counter, defaultdict

from locust import HttpUser, between, events, task

CONFIG = json.loads(open(os.environ["BENCH_PAGES"], encoding="utf-8").read())  # noqa: SIM115
PAGES = list(CONFIG["pages"].items())
QUERIES = defaultdict(list)
STATUSES = defaultdict(Counter)


@events.request.add_listener
def count_queries(request_type, name, response, exception, **kwargs):
    if response is None:
        return
    STATUSES[name][str(response.status_code)] += 1
    queries = response.headers.get("X-Queries")
    if queries is not None:
        QUERIES[name].append(int(queries))


@events.quitting.add_listener
def write_counts(environment, **kwargs):
    with open(os.environ["BENCH_QUERIES"], "w", encoding="utf-8") as out:
        json.dump({"queries": QUERIES, "statuses": STATUSES}, out)


class Person(HttpUser):
    abstract = True
    username = ""
    wait_time = between(0.2, 1.0)

    def on_start(self):
        login = self.client.get("/accounts/login/", name="login form")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login.text)
        response = self.client.post(
            "/accounts/login/",
            {
                "username": self.username,
                "password": CONFIG["password"],
                "csrfmiddlewaretoken": token.group(1) if token else "",
            },
            name="login",
            allow_redirects=False,
        )
        if response.status_code != 302:
            raise RuntimeError(f"{self.username} could not log in: {response.status_code}")
        self.position = random.randrange(len(PAGES))

    @task
    def next_page(self):
        name, path = PAGES[self.position % len(PAGES)]
        self.position += 1
        with self.client.get(path, name=name, catch_response=True) as response:
            # Reading a streamed export to its end is part of what it costs.
            if response.status_code != 200:
                response.failure(f"{response.status_code}")


class Admin(Person):
    username = "bench-admin"


class Lead(Person):
    username = "bench-lead"


class Manager(Person):
    username = "bench-manager"


class Rep(Person):
    username = "bench-rep00"
