"""The load `make bench` drives (bench/run.py starts it): each role logs in and walks the main pages.

Read from the environment, written by bench/run.py:
- BENCH_PAGES: a JSON file {"pages": {name: path}, "users": [username, ...], "password": ...};
- BENCH_QUERIES: where to write, when the run stops, each page's SQL queries per request (the app's
  X-Queries header), HTTP statuses, response times and failures, and how long the run lasted. Locust's
  own CSV is rewritten only every second or two, so it misses the requests of the run's last moments:
  bench/run.py reads this file instead;
- BENCH_SECONDS: how long the run lasts at least. It goes on past that until every page has
  answered 200 at least once (locust's --run-time, set by bench/run.py, caps it), so that a short run on
  a busy machine, where the logins take most of it, still measures every page.

Each simulated person is logged in as every role (admin, lead, manager, rep) and visits every page
in turn as one role, then as the next, starting at a different place: every page is measured as
often as every other, as every role, under the same load. As many people as gunicorn has workers
keeps requests from queueing behind each other, so that latency is the page's own.
"""

import json
import os
import random
import re
import time
from collections import Counter, defaultdict
from pathlib import Path

import gevent
from locust import HttpUser, between, events, task
from locust.clients import HttpSession

CONFIG = json.loads(Path(os.environ["BENCH_PAGES"]).read_text(encoding="utf-8"))
PAGES = list(CONFIG["pages"].items())
# Answers a page may give besides 200: the manager lands on the dashboard.
ANSWERS = {"home": (200, 302)}
QUERIES = defaultdict(list)
STATUSES = defaultdict(Counter)
TIMES = defaultdict(list)
FAILURES = Counter()
RUN = {}


@events.request.add_listener
def count_queries(request_type, name, response_time, response, exception, **kwargs):
    TIMES[name].append(response_time)
    if exception is not None:
        FAILURES[name] += 1
    if response is None:
        return
    STATUSES[name][str(response.status_code)] += 1
    queries = response.headers.get("X-Queries")
    if queries is not None:
        QUERIES[name].append(int(queries))


@events.test_start.add_listener
def stop_once_every_page_is_answered(environment, **kwargs):
    seconds = float(os.environ["BENCH_SECONDS"])
    started = RUN["started"] = time.monotonic()

    def watch():
        while time.monotonic() - started < seconds or not every_page_answered():
            gevent.sleep(0.5)
        environment.runner.quit()

    gevent.spawn(watch)


def every_page_answered():
    """Every page has answered 200 at least once (a manager's home, a redirect, is not enough)."""
    return all(STATUSES[name]["200"] for name in CONFIG["pages"])


@events.quitting.add_listener
def write_counts(environment, **kwargs):
    with open(os.environ["BENCH_QUERIES"], "w", encoding="utf-8") as out:
        json.dump(
            {
                "queries": QUERIES,
                "statuses": STATUSES,
                "times_ms": TIMES,
                "failures": FAILURES,
                "seconds": time.monotonic() - RUN.get("started", time.monotonic()),
            },
            out,
        )


class Person(HttpUser):
    """Logged in as every role at once (a session each): walks every page as one role, then the next."""

    wait_time = between(0.1, 0.5)

    def on_start(self):
        self.sessions = []
        for username in CONFIG["users"]:
            session = (
                self.client
                if not self.sessions
                else HttpSession(base_url=self.host, request_event=self.environment.events.request, user=self)
            )
            log_in(session, username)
            self.sessions.append(session)
        self.position = random.randrange(len(PAGES) * len(self.sessions))

    @task
    def next_page(self):
        name, path = PAGES[self.position % len(PAGES)]
        session = self.sessions[self.position // len(PAGES) % len(self.sessions)]
        self.position += 1
        # Each page as the server answers it: a manager's home is a redirect to the dashboard, which is
        # measured as the dashboard, not a second time as home.
        with session.get(path, name=name, catch_response=True, allow_redirects=False) as response:
            if response.status_code not in ANSWERS.get(name, (200,)):
                response.failure(f"{response.status_code}")


def log_in(session, username):
    login = session.get("/accounts/login/", name="login form")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login.text)
    response = session.post(
        "/accounts/login/",
        {"username": username, "password": CONFIG["password"], "csrfmiddlewaretoken": token.group(1) if token else ""},
        name="login",
        allow_redirects=False,
    )
    if response.status_code != 302:
        raise RuntimeError(f"{username} could not log in: {response.status_code}")
