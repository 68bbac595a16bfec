"""The bad-input sweep: every URL of the app, as every role, with junk in every form field and query parameter.

The URLs come from the URL conf, not a hand list; what a URL's form fields are is read from the forms
the app's pages render (and a valid submission, where one is known, is the base that junk replaces a
part of). Junk is generated (hypothesis): oversized and empty text, NUL and control characters, lone
surrogates and bytes that are not UTF-8, huge and negative numbers, words in number fields, impossible
dates, markup and SQL. Whatever is sent, the answer is a page (a form error) or a 4xx, never a 500,
and a refused submission leaves every saved row as it was.
"""

import re
from datetime import timedelta
from html.parser import HTMLParser
from urllib.parse import urlencode, urlsplit

import pytest
from django.apps import apps
from django.conf import settings as settings_module
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from django.utils import timezone
from hypothesis import Phase, given, settings
from hypothesis import strategies as st

from imports import services as import_services
from imports import template as import_template
from keypoints.models import LedgerExport
from reminders.models import Channel, ChatWebhook, Kind, Platform, Reminder
from tests.factories import (
    ContactFactory,
    DecisionStepFactory,
    KeyPointFactory,
    ProjectFactory,
    ProjectMemberFactory,
    UserFactory,
)
from tests.test_post_matrix import POSTS

pytestmark = pytest.mark.django_db

# The project's own apps: their rows are what a refused submission must leave alone.
APPS = ("accounts", "customers", "keypoints", "reminders", "handovers", "audit", "dashboard", "imports")

# Namespaces that are not ours to sweep (Django's admin has its own tests).
FOREIGN_NAMESPACES = {"admin"}

# The world object each URL with an id takes. A URL added to the app without an entry here fails
# test_every_url_with_an_id_is_in_the_sweep, which says what to add.
OBJECT_FOR = {
    "accounts:user_edit": "person",
    "accounts:user_password": "person",
    "accounts:user_deactivate": "person",
    "accounts:user_reactivate": "person",
    "accounts:user_unlock": "person",
    "customers:detail": "customer",
    "customers:edit": "customer",
    "customers:contact_create": "customer",
    "customers:contact_edit": "contact",
    "projects:create": "customer",
    "projects:detail": "project",
    "projects:edit": "project",
    "projects:member_create": "project",
    "projects:member_edit": "member",
    "projects:member_remove": "member",
    "projects:step_create": "project",
    "projects:step_edit": "step",
    "projects:step_remove": "step",
    "projects:keypoint_create": "project",
    "projects:timeline": "project",
    "projects:stage_fields": "project",
    "projects:advance": "project",
    "projects:stage_change": "project",
    "projects:lost": "project",
    "projects:hold": "project",
    "projects:complete": "project",
    "projects:reopen": "project",
    "projects:review": "project",
    "keypoints:edit": "keypoint",
    "keypoints:next_step": "keypoint",
    "handovers:customer": "customer",
    "handovers:person": "person",
    "notifications:open": "reminder",
    "keypoints:export_status": "export",
    "keypoints:export_download": "export",
    "reminders:webhook_edit": "webhook",
    "reminders:webhook_delete": "webhook",
    "reminders:webhook_test": "webhook",
    "audit:customer": "customer",
    "audit:project": "project",
    "audit:keypoint": "keypoint",
    # The archive's pages name the kind of record, then its id: (kind, world object).
    "imports:detail": "import",
    "imports:mapping": "import",
    "imports:confirm": "import",
    "imports:rejected": "import",
    "archive:archive": ("project", "project"),
    "archive:restore": ("contact", "contact"),
    "archive:delete": ("keypoint", "keypoint"),
}

ROLES = ["admin", "lead", "rep", "other_rep", "manager", "anonymous"]
# Roles that reach the form get more examples than those refused before it (404, 403, the login page).
# Scaled by the hypothesis profile: 1x with the CI one (10 examples), 20x with HYPOTHESIS_PROFILE=deep.
SCALE = max(1, settings.default.max_examples // 10)
EXAMPLES = {
    role: count * SCALE
    for role, count in {"admin": 2, "lead": 2, "rep": 3, "other_rep": 1, "manager": 1, "anonymous": 1}.items()
}
QUERY_EXAMPLES = {
    role: count * SCALE
    for role, count in {"admin": 2, "lead": 1, "rep": 1, "other_rep": 1, "manager": 1, "anonymous": 1}.items()
}

# Query parameters any list or page may read, besides the fields of the forms it renders.
QUERY_PARAMS = [
    "page",
    "sort",
    "o",
    "q",
    "period",
    "format",
    "next",
    "older",
    "after_stage",
    "stage",
    "keypoint",
    "logged",
    "saved",
    "log",
    "to_user",
    "from_user",
    "person",
    "overdue",
    "owner",
    "customer",
    "project",
    "date_from",
    "date_to",
]
# Form fields a post may carry besides those rendered (hidden state, buttons, htmx extras).
POST_PARAMS = ["client_token", "seen_stage", "seen_status", "version", "confirm", "switch_stage", "next", "done"]


# The URLs -----------------------------------------------------------------------------------------


def named_patterns(patterns=None, namespace=""):
    """(view name, route) of every URL pattern of the app, walking includes."""
    if patterns is None:
        patterns = get_resolver().url_patterns
    for entry in patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace in FOREIGN_NAMESPACES:
                continue
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            for name, route in named_patterns(entry.url_patterns, inner):
                yield name, f"{entry.pattern}{route}"
        elif isinstance(entry, URLPattern):
            yield (f"{namespace}{entry.name}" if entry.name else None), str(entry.pattern)


def takes_arguments(route):
    return "<" in route or "(?P" in route


ALL_URLS = sorted({name or f"<unnamed {route}>" for name, route in named_patterns()})


def not_swept(name, route):
    return (
        f"The URL {name!r} ({route}) is not in the bad-input sweep. Add it to OBJECT_FOR in "
        f"tests/test_bad_input_sweep.py as {name!r}: <the world object its id names: one of "
        f"{sorted(WORLD_OBJECTS)}> (add the object to the `world` fixture if it is a new kind)."
    )


def test_every_url_is_named():
    unnamed = [route for name, route in named_patterns() if name is None]
    assert not unnamed, f"Give these URL patterns a name= so that the bad-input sweep can reach them: {unnamed}"


def test_every_url_with_an_id_is_in_the_sweep():
    routes = dict(named_patterns())
    missing = [name for name, route in routes.items() if name and takes_arguments(route) and name not in OBJECT_FOR]
    assert not missing, "\n".join(not_swept(name, routes[name]) for name in missing)
    stale = sorted(set(OBJECT_FOR) - set(routes))
    assert not stale, f"These names in OBJECT_FOR (tests/test_bad_input_sweep.py) are no URL any more: {stale}"


# The world the URLs point into ---------------------------------------------------------------------

WORLD_OBJECTS = {
    "customer", "contact", "project", "member", "step", "keypoint", "person", "reminder", "webhook", "export", "import",
}  # fmt: skip


@pytest.fixture
def world(users, rep_customer):
    rep = users["rep"]
    contact = ContactFactory(customer=rep_customer, name="李工")
    project = ProjectFactory(customer=rep_customer, owner=rep)
    keypoint = KeyPointFactory(project=project)
    person = UserFactory(username="leaver")
    for user in users.values():
        Reminder.objects.create(
            key=f"sweep-{user.pk}",
            kind=Kind.STALL,
            channel=Channel.APP,
            project=project,
            recipient=user,
            stage=project.stage,
            since=timezone.now() - timedelta(days=30),
            days=30,
            threshold=14,
        )
    return {
        "customer": rep_customer,
        "contact": contact,
        "project": project,
        "member": ProjectMemberFactory(project=project),
        "step": DecisionStepFactory(project=project, position=1, contact=contact),
        "keypoint": keypoint,
        "person": person,
        "reminder": Reminder.objects.filter(recipient=rep).first(),
        "webhook": ChatWebhook.objects.create(name="销售群", platform=Platform.WECOM, url="http://127.0.0.1:9/hook"),
        "export": LedgerExport.objects.create(requested_by=rep, format="csv", query="stage=1", language="zh-hans"),
        "import": import_services.import_upload(
            actor=users["lead"], data=import_template.workbook("rep1"), filename="模板.xlsx", language="zh-hans"
        ),
    }


def url_of(name, world):
    route = dict(named_patterns()).get(name, "")
    if takes_arguments(route) and name not in OBJECT_FOR:
        pytest.fail(not_swept(name, route))
    obj = OBJECT_FOR.get(name)
    if isinstance(obj, tuple):
        kind, obj = obj
        return reverse(name, args=[kind, world[obj].pk])
    return reverse(name, args=[world[obj].pk] if obj else [])


@pytest.fixture(autouse=True)
def no_robot_is_called(monkeypatch):
    """A robot's test message goes nowhere: the robot answers as a robot that refused it would."""

    def refuse(request, timeout):
        raise OSError("no network in tests")

    monkeypatch.setattr("reminders.delivery.urllib.request.urlopen", refuse)


# Reading forms off the pages ------------------------------------------------------------------------


class FormFields(HTMLParser):
    """The fields of each form of a page: {(method, action path): {field names}}."""

    def __init__(self, page_path):
        super().__init__()
        self.page_path = page_path
        self.forms = {}
        self.current = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            action = attrs.get("hx-post") or attrs.get("action") or attrs.get("hx-get") or self.page_path
            method = "post" if attrs.get("hx-post") else (attrs.get("method") or "get").lower()
            self.current = self.forms.setdefault((method, urlsplit(action).path or self.page_path), set())
        elif tag in ("input", "select", "textarea", "button") and attrs.get("name"):
            fields = self.current if self.current is not None else self.forms.setdefault(("post", "*"), set())
            fields.add(attrs["name"])
        elif attrs.get("hx-post"):
            # A lone button that posts by itself (htmx), its values in hx-vals.
            fields = self.forms.setdefault(("post", urlsplit(attrs["hx-post"]).path), set())
            fields.update(re.findall(r'"(\w+)"\s*:', attrs.get("hx-vals") or ""))

    def handle_endtag(self, tag):
        if tag == "form":
            self.current = None


def view_name(path):
    try:
        return resolve(path).view_name
    except Exception:
        return None


def fields_on_pages(client, world):
    """{(method, view name): field names}, from every page of the app that answers a GET."""
    found = {}
    # The project page's log form loads when its panel is opened: read it off the page opened (?log=1).
    paths = [url_of(name, world) for name in ALL_URLS] + [url_of("projects:detail", world) + "?log=1"]
    for path in paths:
        response = client.get(path)
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        parser = FormFields(path)
        parser.feed(response.content.decode())
        for (method, action), fields in parser.forms.items():
            target = view_name(action)
            if target:
                found.setdefault((method, target), set()).update(fields - {"csrfmiddlewaretoken"})
    return found


_FIELDS = {}


def page_fields(client, world):
    """The fields read off the pages, once per test session (names do not depend on the data)."""
    if not _FIELDS:
        _FIELDS.update(fields_on_pages(client, world))
    return _FIELDS


def valid_submission(name, world):
    for url_name, _obj, setup, data in POSTS:
        if url_name == name and setup is None:
            return {key: str(value) for key, value in data(world).items()}
    return {}


# Junk ----------------------------------------------------------------------------------------------

XSS = ["<script>alert(1)</script>", '"><img src=x onerror=alert(1)>', "javascript:alert(1)", "{{ 7*7 }}{% debug %}"]
SQL = ["' OR 1=1 --", "1; DROP TABLE customers_customer; --", '" OR ""="', "1 UNION SELECT password FROM accounts_user"]
NUMBERS = ["-1", "0", "-0", "9" * 40, "-" + "9" * 30, "1e309", "NaN", "inf", "1.5", "0x10", "１２３", " 7 ", "1,000"]
DATES = ["2026-13-45", "0000-00-00", "9999-12-31", "1900-01-01", "2026-02-30T25:61", "yesterday", "31/12/2026"]
ODD = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "\x1b[31m",
    "\r\n",
    "\t",
    "=1+1",
    "＝SUM(A1)",
    "\u202egnp.exe",
    "🙂" * 50,
]
HUGE = ["x" * 5000, "y" * 100_000]


def junk_text():
    return st.one_of(
        st.sampled_from(XSS + SQL + NUMBERS + DATES + ODD + HUGE),
        st.text(max_size=40),
        st.integers().map(str),
        st.text(alphabet=st.characters(categories=["Cs"]), min_size=1, max_size=3),
        st.binary(min_size=1, max_size=8),
    )


def junk_value():
    return st.one_of(junk_text(), st.lists(junk_text(), min_size=2, max_size=3))


JUNK = junk_value()


KEEP = object()


def submissions(fields, base):
    """Dicts of field -> value: each field either as the valid submission has it (left out when it
    has none), or junk."""
    names = sorted(set(fields) | set(base))
    return st.fixed_dictionaries({name: st.one_of(st.just(KEEP), JUNK) for name in names}).map(
        lambda drawn: {
            name: base[name] if value is KEEP else value
            for name, value in drawn.items()
            if value is not KEEP or name in base
        }
    )


def all_junk(fields, junk):
    """The same junk in every field: the examples tried first, whatever hypothesis generates."""
    return [dict.fromkeys(sorted(fields), value) for value in junk]


def encoded(data):
    """A urlencoded body or query, as a browser might send it or worse: lone surrogates go out as the
    UTF-8 bytes a careless encoder writes, and bytes as they are (often not UTF-8)."""
    pairs = []
    for name, value in data.items():
        for item in value if isinstance(value, list) else [value]:
            pairs.append((name, item))
    return urlencode(pairs, encoding="utf-8", errors="surrogatepass")


# What saved data looks like -------------------------------------------------------------------------


def saved_rows():
    """Every row of the app's tables (when someone last logged in aside: the sweep logs each role in)."""
    state = {}
    for app in APPS:
        for model in apps.get_app_config(app).get_models():
            columns = [field.attname for field in model._meta.concrete_fields if field.name != "last_login"]
            state[model._meta.label] = list(map(repr, model.objects.order_by("pk").values_list(*columns)))
    return state


REDIRECTS = (301, 302, 303)
# A failing example is reported as generated: shrinking one through many requests takes minutes.
NO_SHRINKING = [Phase.explicit, Phase.generate]

# The health check answers how the services are (503 when one is down), whatever it is sent.
DELIBERATE = {"healthz": {503}}


# Markup that an escaped page shows only as &lt;...: a form shown again with what was sent, a filter
# bar, an error message must never carry it as it came.
REFLECTABLE = XSS[:2]


def assert_answers(name, response, what, sent):
    status = response.status_code
    assert status < 500 or status in DELIBERATE.get(name, ()), f"{what} answered {status}"
    if status in REDIRECTS:
        # Wherever a "next" says: the answer never sends the browser to another site.
        assert urlsplit(response["Location"]).netloc in ("", "testserver"), f"{what} sent to {response['Location']}"
    elif "html" in response.get("Content-Type", "") and not response.streaming:
        content = response.content.decode(errors="replace")
        for markup in REFLECTABLE:
            if markup in repr(sent):
                assert markup not in content, f"{what} shows {markup!r} unescaped"


class Session:
    """One role's session, logged in once. Each example runs in a transaction that is rolled back,
    so a logout or a password change in it is undone, and the cookie is put back before the next."""

    def __init__(self, client, users, role):
        self.client = client
        client.logout()
        if role != "anonymous":
            client.force_login(users[role])
        self.cookie = client.cookies.get(settings_module.SESSION_COOKIE_NAME)

    def restore(self):
        if self.cookie is None:
            self.client.cookies.pop(settings_module.SESSION_COOKIE_NAME, None)
        else:
            self.client.cookies[settings_module.SESSION_COOKIE_NAME] = self.cookie.value


# The sweeps -----------------------------------------------------------------------------------------


def form_fields(client, users, world, method, name=None):
    """The fields of the forms that send `method` to the URL `name` (to any URL, when no name)."""
    if not _FIELDS:
        client.force_login(users["admin"])
    found = page_fields(client, world)
    return {field for (m, target), names in found.items() if m == method and name in (None, target) for field in names}


def answers(client, method, path):
    with transaction.atomic():
        status = getattr(client, method)(path).status_code
        transaction.set_rollback(True)
    return status != 405


def post_sweep(client, session, *, name, path, role, fields, base, examples, before):
    @settings(max_examples=examples, phases=NO_SHRINKING)
    @given(data=submissions(fields, base), htmx=st.booleans())
    def post_junk(data, htmx):
        post_once(client, session, name=name, path=path, role=role, data=data, before=before, htmx=htmx)

    post_junk()


def post_once(client, session, *, name, path, role, data, before, htmx=False):
    """One post, as a form sends it or as htmx does (whose answers are parts of pages, and whose
    successful writes may answer 200)."""
    session.restore()
    what = f"POST {path} as {role}{' (htmx)' if htmx else ''} with {data!r:.2000}"
    with transaction.atomic():
        response = client.post(
            path, encoded(data), content_type="application/x-www-form-urlencoded", headers=HTMX if htmx else None
        )
        assert_answers(name, response, what, data)
        refused = response.status_code >= 400 or (response.status_code not in REDIRECTS and not htmx)
        if refused:
            assert saved_rows() == before, f"{what} answered {response.status_code}, yet changed"
        transaction.set_rollback(True)


def query_sweep(client, session, *, name, path, role, params, examples):
    @settings(max_examples=examples, phases=NO_SHRINKING)
    @given(query=submissions(params, {}), htmx=st.booleans())
    def get_junk(query, htmx):
        session.restore()
        with transaction.atomic():
            response = client.get(f"{path}?{encoded(query)}", headers=HTMX if htmx else None)
            what = f"GET {path} as {role}{' (htmx)' if htmx else ''} with {query!r:.2000}"
            assert_answers(name, response, what, query)
            transaction.set_rollback(True)

    get_junk()


HTMX = {"HX-Request": "true"}


# Buttons that take a post elsewhere (the form shown again for another stage, not saved); the
# generated posts press them now and then.
SWITCHES = {"switch_stage"}

# Each value in every field at once, as the admin (who reaches every form), before the generated ones.
EVERY_FIELD = ["<script>alert(1)</script>", "\x00", "9" * 40, "x" * 5000]


@pytest.mark.parametrize("name", ALL_URLS)
def test_junk_sent_to_any_url_as_any_role_is_never_a_500_and_a_refusal_changes_nothing(client, users, world, name):
    path = url_of(name, world)
    base = valid_submission(name, world)
    fields = form_fields(client, users, world, "post", name)
    filters = form_fields(client, users, world, "get", name)
    # Any filter's name, in any URL's query: an export reads the filters of the list it exports.
    params = set(QUERY_PARAMS) | form_fields(client, users, world, "get")
    # Where no form posts, one junk post per role shows that posting there is harmless; where no
    # filter form is, one junk query per role covers the parameters any page may read.
    examples = EXAMPLES if fields or base else dict.fromkeys(ROLES, 1)
    query_examples = QUERY_EXAMPLES if filters else dict.fromkeys(ROLES, 1)
    fields |= set(POST_PARAMS)
    before = saved_rows()
    # Whether the view takes the method does not depend on who asks (the admin gets past the login).
    Session(client, users, "admin")
    posts, gets = answers(client, "post", path), answers(client, "get", path)
    for role in ROLES:
        session = Session(client, users, role)
        if posts:
            if role == "admin" and examples is EXAMPLES:
                for data in all_junk(fields - set(POST_PARAMS) - SWITCHES | set(base), EVERY_FIELD):
                    post_once(client, session, name=name, path=path, role=role, data=data, before=before)
            post_sweep(
                client,
                session,
                name=name,
                path=path,
                role=role,
                fields=fields,
                base=base,
                examples=examples[role],
                before=before,
            )
        if gets:
            query_sweep(client, session, name=name, path=path, role=role, params=params, examples=query_examples[role])
