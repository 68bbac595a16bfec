"""Two people advance one project at the same moment on SQLite, as `make run` serves it: one wins.

SQLite has no row locks; its transactions take the write lock when they begin (IMMEDIATE, see
settings), so the second request waits, then finds the project changed and is refused (409). With
deferred transactions the loser fails with "database is locked" (500) instead. The race needs real
threads in one server over one database file, so the test runs the threaded development server on its
own SQLite file, whatever database this test run uses (CI's is PostgreSQL), and talks to it over HTTP.
"""

import datetime
import html.parser
import http.client
import http.cookiejar
import json
import os
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest
from django.conf import settings

from tests.factories import PASSWORD

# Each round races two requests on a fresh project. One round may happen not to overlap; several
# rounds make sure some do (without IMMEDIATE about half of them end in a 500).
ROUNDS = 8
# What this test run was given; the server gets a bare `make run` environment instead.
OWN_ENV = {"DATABASE_URL", "REDIS_URL", "SALESRECORD_TESTING", "DJANGO_SETTINGS_MODULE", "DATABASE_CONN_MAX_AGE"}

SETUP = f"""
import json
from keypoints import services
from tests.factories import CustomerFactory, ProjectFactory, UserFactory
rep = UserFactory(username="rep1")
customer = CustomerFactory(owner=rep)
drafts = [ProjectFactory.build(customer=customer) for _ in range({ROUNDS})]
print(json.dumps([services.project_create(project=draft, actor=rep).pk for draft in drafts]))
"""


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class DevServer:
    def __init__(self, tmp_path):
        self.db_path = tmp_path / "db.sqlite3"
        self.log_path = tmp_path / "runserver.log"
        self.env = {key: value for key, value in os.environ.items() if key not in OWN_ENV}
        self.env.update(
            DATABASE_URL=f"sqlite:///{self.db_path}", DEBUG="1", SECRET_KEY="race-test", VAR_DIR=str(tmp_path / "var")
        )
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = None

    def manage(self, *args):
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=settings.BASE_DIR,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        return result.stdout

    def start(self):
        # Threaded by default; --noreload keeps it one process, so terminating it ends it.
        with open(self.log_path, "w") as log:
            self.process = subprocess.Popen(
                [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{self.port}"],
                cwd=settings.BASE_DIR,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            assert self.process.poll() is None, f"runserver exited:\n{self.log()}"
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=2):
                    return
            except urllib.error.HTTPError:
                # Serving: a 503 means only that no reminder scan has run against this fresh database.
                return
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.1)
        pytest.fail(f"runserver did not answer within 30 s:\n{self.log()}")

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def log(self):
        return self.log_path.read_text(errors="replace")[-4000:]

    def query(self, sql, *params):
        with sqlite3.connect(self.db_path) as db:
            return db.execute(sql, params).fetchall()


@pytest.fixture
def dev_server(tmp_path):
    server = DevServer(tmp_path)
    server.manage("migrate", "--no-input")
    server.project_pks = json.loads(server.manage("shell", "-c", SETUP).strip().splitlines()[-1])
    try:
        server.start()
        yield server
    finally:
        server.stop()


class FormFields(html.parser.HTMLParser):
    """The named inputs of the form posting to `action` (of the only form, when action is None)."""

    def __init__(self, action=None):
        super().__init__()
        self.action, self.inside, self.fields = action, False, {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.inside = self.action is None or attrs.get("action") == self.action
        elif tag == "input" and self.inside and attrs.get("name"):
            self.fields[attrs["name"]] = attrs.get("value") or ""

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False


class Browser:
    """One person's session: cookies kept, redirects not followed."""

    class _NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    def __init__(self, host, port):
        self.host, self.port = host, port
        self.url = f"http://{host}:{port}"
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies), self._NoRedirect)

    def form(self, path, action=None):
        with self.opener.open(self.url + path, timeout=30) as response:
            parser = FormFields(action)
            parser.feed(response.read().decode())
        return parser.fields

    def post(self, path, fields):
        try:
            with self.opener.open(
                self.url + path, data=urllib.parse.urlencode(fields).encode(), timeout=30
            ) as response:
                return response.status
        except urllib.error.HTTPError as error:
            return error.code

    def log_in(self, username, password):
        fields = self.form("/accounts/login/")
        status = self.post("/accounts/login/", {**fields, "username": username, "password": password})
        assert status == 302, f"login answered {status}"

    def post_at_once(self, path, fields, times=2):
        """The same form sent from several tabs at the same moment: connections open, then all send."""
        return self.post_each_at_once([(path, fields)] * times)

    def post_each_at_once(self, posts):
        """Several forms, each (path, fields), sent from as many tabs at the same moment."""
        cookie = "; ".join(f"{cookie.name}={cookie.value}" for cookie in self.cookies)
        headers = {"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"}
        barrier = threading.Barrier(len(posts))
        statuses = []

        def send(path, fields):
            connection = http.client.HTTPConnection(self.host, self.port, timeout=30)
            try:
                connection.connect()
                barrier.wait(timeout=10)
                connection.request("POST", path, body=urllib.parse.urlencode(fields), headers=headers)
                statuses.append(connection.getresponse().status)
            finally:
                connection.close()

        threads = [threading.Thread(target=send, args=post) for post in posts]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        return sorted(statuses)


def test_two_advances_at_once_through_the_dev_server_end_in_one_change(dev_server):
    browser = Browser("127.0.0.1", dev_server.port)
    browser.log_in("rep1", PASSWORD)
    outcomes = []
    for pk in dev_server.project_pks:
        advance = f"/projects/{pk}/stage/advance/"
        # The project page's button asks first; two tabs both confirm what that page showed.
        shown = browser.form(advance, action=advance)
        assert (shown["seen_stage"], shown["seen_status"], shown["confirm"]) == ("1", "open", "1")
        outcomes.append(browser.post_at_once(advance, shown))
    assert outcomes == [[302, 409]] * ROUNDS, dev_server.log()
    for pk in dev_server.project_pks:
        assert dev_server.query("SELECT stage, status FROM customers_project WHERE id = ?", pk) == [(2, "open")]
        history = dev_server.query(
            "SELECT kind, from_stage, to_stage FROM keypoints_stagehistory WHERE project_id = ? ORDER BY at, id", pk
        )
        assert history == [("created", None, 1), ("advance", 1, 2)]


def test_advancing_losing_and_holding_at_once_through_the_dev_server_end_in_one_change(dev_server):
    browser = Browser("127.0.0.1", dev_server.port)
    browser.log_in("rep1", PASSWORD)
    lost_reason = dev_server.query("SELECT id FROM customers_lostreason WHERE is_active ORDER BY position, id")[0][0]
    resume_on = (datetime.date.today() + datetime.timedelta(days=30)).isoformat()
    typed = {
        "advance": {"confirm": "1"},
        "lost": {"lost_reason": lost_reason, "note": "竞品"},
        "hold": {"reason": "等预算", "resume_on": resume_on},
    }
    pairs = [("advance", "lost"), ("lost", "hold"), ("hold", "advance")]
    outcomes = []
    for round_, pk in enumerate(dev_server.project_pks):
        posts = []
        for action in pairs[round_ % len(pairs)]:
            path = f"/projects/{pk}/stage/{action}/"
            # Each tab opens the form (the advance confirmation, the lost or hold page) and sends what it showed.
            fields = browser.form(path, action=path if action == "advance" else None)
            shown = {key: fields[key] for key in ("csrfmiddlewaretoken", "seen_stage", "seen_status")}
            assert (shown["seen_stage"], shown["seen_status"]) == ("1", "open")
            posts.append((path, {**shown, **typed[action]}))
        outcomes.append(browser.post_each_at_once(posts))
    assert outcomes == [[302, 409]] * ROUNDS, dev_server.log()
    for pk in dev_server.project_pks:
        rows = dev_server.query(
            "SELECT kind, from_stage, from_status, to_stage, to_status FROM keypoints_stagehistory"
            " WHERE project_id = ? AND kind != 'created'",
            pk,
        )
        assert len(rows) == 1, rows
        kind, from_stage, from_status, to_stage, to_status = rows[0]
        assert (from_stage, from_status) == (1, "open")
        # The one change that landed is the project's state: the history replays to it.
        assert dev_server.query("SELECT stage, status FROM customers_project WHERE id = ?", pk) == [
            (to_stage, to_status)
        ]
        assert (kind, to_stage, to_status) in {("advance", 2, "open"), ("lost", 1, "lost"), ("hold", 1, "on_hold")}
