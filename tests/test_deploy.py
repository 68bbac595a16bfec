"""The company deployment as docker-compose.yml configures it: Django's deployment check passes with the
compose file's own defaults, and gunicorn, run as the image runs it, answers with secure cookies, HSTS,
the content security policy and no server software named.

The environment comes from docker-compose.yml itself (its defaults, as compose fills them in), so a
change there is what these tests see.
"""

import http.client
import os
import re
import runpy
import secrets
import socket
import subprocess
import sys
import time
from http.cookies import SimpleCookie
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.urls import reverse

COMPOSE_FILE = Path(settings.BASE_DIR) / "docker-compose.yml"
# The variables compose refuses to start without (`${NAME:?...}`), as an operator gives them.
REQUIRED = {"SECRET_KEY": secrets.token_urlsafe(50), "POSTGRES_PASSWORD": "a-long-password"}
# What the test's own run sets (pytest-playwright sets DJANGO_ALLOW_ASYNC_UNSAFE): none of it may leak
# into the deployment under test.
OWN_RUN_ENV = {
    "DEBUG",
    "SECRET_KEY",
    "SALESRECORD_TESTING",
    "DATABASE_URL",
    "REDIS_URL",
    "VAR_DIR",
    "HTTPS",
    "DJANGO_ALLOW_ASYNC_UNSAFE",
}
VARIABLE = re.compile(r"\$\$|\$\{(?P<name>\w+)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}")


def interpolate(value, given):
    """Compose's `${NAME}`, `${NAME:-default}`, `${NAME-default}`, `${NAME:?error}` and `$$`, with `given`."""

    def substitute(match):
        if match.group(0) == "$$":
            return "$"
        name, op, arg = match.group("name"), match.group("op"), match.group("arg")
        value = given.get(name)
        if op in (":-", ":?") and not value or op in ("-", "?") and value is None:
            if op.endswith("?"):
                raise KeyError(f"{name} is required: {arg}")
            return arg
        return value or ""

    return VARIABLE.sub(substitute, str(value))


def compose_environment(service="web", given=REQUIRED):
    """The environment compose gives one service, from the file's own defaults and the variables `given`."""
    compose = yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))
    environment = compose["services"][service]["environment"]
    return {name: interpolate(value, given) for name, value in environment.items()}


def bare_environment(**env):
    clean = {key: value for key, value in os.environ.items() if key not in OWN_RUN_ENV}
    clean.update(env)
    return clean


def check_deploy(env):
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=settings.BASE_DIR,
        env=bare_environment(**env),
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_compose_file_runs_the_app_with_debug_off_and_https_declared():
    env = compose_environment()
    assert env["DEBUG"] == "false"
    assert env["HTTPS"] == "true"
    assert env["SECRET_KEY"] == REQUIRED["SECRET_KEY"]
    assert env["DATABASE_URL"] == "postgres://salesrecord:a-long-password@postgres:5432/salesrecord"
    with pytest.raises(KeyError, match="SECRET_KEY"):
        compose_environment(given={})


def test_check_deploy_passes_with_the_compose_defaults():
    result = check_deploy(compose_environment())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_every_service_of_the_app_shares_the_web_services_environment():
    web = compose_environment()
    for service in ["migrate", "worker", "beat"]:
        assert compose_environment(service) | {"WEB_CONCURRENCY": web["WEB_CONCURRENCY"]} == web


def test_the_worker_and_exactly_one_beat_run_as_their_own_services_on_redis():
    services = yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))["services"]
    assert services["redis"]["image"].startswith("redis:")
    assert services["worker"]["command"][:4] == ["celery", "-A", "salesrecord", "worker"]
    assert services["beat"]["command"][:4] == ["celery", "-A", "salesrecord", "beat"]
    # The worker schedules nothing itself: a second scheduler would send every periodic task twice.
    assert "--beat" not in services["worker"]["command"] and "-B" not in services["worker"]["command"]
    assert services["beat"].get("deploy", {}).get("replicas", 1) == 1
    for name in ("worker", "beat"):
        assert compose_environment(name)["REDIS_URL"] == "redis://redis:6379/0"
        assert services[name]["depends_on"]["redis"] == {"condition": "service_healthy"}


def test_check_deploy_fails_on_console_mail_and_plain_http():
    """The check the test above relies on does fail on what the compose file used to default to."""
    env = compose_environment() | {
        "HTTPS": "false",
        "EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend",
    }
    result = check_deploy(env)
    assert result.returncode != 0
    for check_id in ["mail.E001", "security.W004", "security.W008", "security.W012", "security.W016"]:
        assert check_id in result.stderr


def settings_under(monkeypatch, **env):
    """salesrecord/settings.py evaluated afresh in an environment of only `env`."""
    for name in os.environ.keys() - env.keys():
        monkeypatch.delenv(name)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(Path(settings.BASE_DIR) / "salesrecord" / "settings.py"))


def mailer(monkeypatch, **env):
    default = settings_under(monkeypatch, **env)["MAILERS"]["default"]
    return default["BACKEND"].rsplit(".", 2)[1], default["OPTIONS"]


def test_mail_goes_out_by_smtp_with_the_compose_defaults(monkeypatch):
    backend, options = mailer(monkeypatch, **compose_environment())
    assert backend == "smtp"
    assert options == {
        "host": "localhost",
        "port": 25,
        "username": "",
        "password": "",
        "use_tls": False,
        "use_ssl": False,
        "timeout": 30,
    }


def test_mail_settings_come_from_the_environment(monkeypatch):
    env = {"EMAIL_HOST": "smtp.example.com", "EMAIL_PORT": "465", "EMAIL_USE_SSL": "1", "EMAIL_TIMEOUT": "5"}
    backend, options = mailer(monkeypatch, SECRET_KEY="x" * 50, EMAIL_HOST_USER="crm", **env)
    assert backend == "smtp"
    assert (options["host"], options["port"], options["username"], options["use_ssl"]) == (
        "smtp.example.com",
        465,
        "crm",
        True,
    )
    assert options["timeout"] == 5


def test_mail_goes_to_the_console_only_in_development(monkeypatch):
    assert mailer(monkeypatch, DEBUG="1") == ("console", {})
    assert mailer(monkeypatch, SALESRECORD_TESTING="1") == ("console", {})
    assert mailer(monkeypatch, SECRET_KEY="x" * 50)[0] == "smtp"


def test_https_turns_on_secure_cookies_redirect_and_hsts(monkeypatch):
    plain = settings_under(monkeypatch, DEBUG="1")
    secure = settings_under(monkeypatch, DEBUG="1", HTTPS="1", HSTS_SECONDS="3600")
    flags = ["SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "LANGUAGE_COOKIE_SECURE", "SECURE_SSL_REDIRECT"]
    assert [plain[flag] for flag in flags] == [False] * 4
    assert [secure[flag] for flag in flags] == [True] * 4
    assert (plain["SECURE_HSTS_SECONDS"], secure["SECURE_HSTS_SECONDS"]) == (0, 3600)
    # Trusting X-Forwarded-Proto is a separate declaration: only a proxy may set it.
    assert "SECURE_PROXY_SSL_HEADER" not in secure
    proxied = settings_under(monkeypatch, DEBUG="1", BEHIND_TLS_PROXY="1")
    assert proxied["SECURE_PROXY_SSL_HEADER"] == ("HTTP_X_FORWARDED_PROTO", "https")


# gunicorn, started as the image starts it, with the compose file's environment.


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    def __init__(self, port):
        self.port = port

    def request(self, method, path, headers=None, body=None):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            connection.request(method, path, body=body, headers={"Host": f"127.0.0.1:{self.port}", **(headers or {})})
            response = connection.getresponse()
            response.body = response.read().decode()
            return response
        finally:
            connection.close()

    def https(self, method, path, headers=None, body=None):
        """A request as the TLS proxy in front of the app forwards it."""
        return self.request(method, path, {"X-Forwarded-Proto": "https", **(headers or {})}, body)


def cookies(response):
    jar = SimpleCookie()
    for name, value in response.getheaders():
        if name.lower() == "set-cookie":
            jar.load(value)
    return jar


@pytest.fixture(scope="module")
def gunicorn(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("deploy")
    env = bare_environment(
        **compose_environment()
        | {
            # The compose services' database and Redis are not here: a SQLite file and the file broker.
            "DATABASE_URL": f"sqlite:///{tmp / 'db.sqlite3'}",
            "REDIS_URL": "",
            "VAR_DIR": str(tmp / "var"),
            # Serves static files from static/ (the image runs collectstatic when it is built instead).
            "SALESRECORD_TESTING": "1",
            "DJANGO_SETTINGS_MODULE": "salesrecord.settings",
        }
    )
    base = settings.BASE_DIR
    prepare = (
        "import django; django.setup(); from django.core.management import call_command; "
        "call_command('migrate', verbosity=0); from accounts.models import User; "
        "User.objects.create_superuser('boss', 'b@x.cn', 'deploy-test-password')"
    )
    subprocess.run([sys.executable, "-c", prepare], cwd=base, env=env, check=True, timeout=300)
    port = free_port()
    # The Dockerfile's CMD, on a free local port.
    command = [sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py", "salesrecord.wsgi"]
    process = subprocess.Popen(
        [*command, "--bind", f"127.0.0.1:{port}", "--workers", "1"],
        cwd=base,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=open(tmp / "gunicorn.log", "w"),  # noqa: SIM115
    )
    server = Server(port)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                server.request("GET", "/healthz")
                break
            except OSError:
                assert process.poll() is None, (tmp / "gunicorn.log").read_text()
                assert time.monotonic() < deadline, "gunicorn did not start"
                time.sleep(0.2)
        yield server
    finally:
        process.terminate()
        process.wait(timeout=30)


def log_in(server):
    """Logs the superuser in over HTTPS; returns the headers of a logged-in form post and the login's response."""
    login = server.https("GET", reverse("accounts:login"))
    csrf = cookies(login)["csrftoken"].value
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login.body).group(1)
    response = server.https(
        "POST",
        reverse("accounts:login"),
        {
            "Cookie": f"csrftoken={csrf}",
            "Origin": f"https://127.0.0.1:{server.port}",
            "Content-Type": "application/x-www-form-urlencoded",
        },
        f"username=boss&password=deploy-test-password&csrfmiddlewaretoken={token}",
    )
    assert response.status == 302, response.body
    jar = cookies(response)
    csrf = jar["csrftoken"].value if "csrftoken" in jar else csrf  # logging in rotates the token
    headers = {
        "Cookie": f"csrftoken={csrf}; sessionid={jar['sessionid'].value}",
        "Origin": f"https://127.0.0.1:{server.port}",
        "X-CSRFToken": csrf,
        "Content-Type": "application/x-www-form-urlencoded",
    }
    return headers, response


def test_gunicorn_names_no_server_software(gunicorn):
    response = gunicorn.https("GET", "/healthz")
    assert response.getheader("Server") == ""
    assert all("gunicorn" not in value.lower() for _, value in response.getheaders())


def test_plain_http_is_redirected_to_https_but_the_healthcheck(gunicorn):
    response = gunicorn.request("GET", "/accounts/login/?next=/customers/")
    assert response.status == 301
    assert response.getheader("Location") == f"https://127.0.0.1:{gunicorn.port}/accounts/login/?next=/customers/"
    # The container's healthcheck calls http://localhost:8000/healthz on plain HTTP.
    assert gunicorn.request("GET", "/healthz", {"Host": "localhost"}).status in (200, 503)


def test_https_responses_carry_hsts_for_a_year(gunicorn):
    response = gunicorn.https("GET", reverse("accounts:login"))
    assert response.status == 200
    assert response.getheader("Strict-Transport-Security") == "max-age=31536000; includeSubDomains; preload"
    assert response.getheader("X-Content-Type-Options") == "nosniff"


def test_the_content_security_policy_allows_no_inline_script_no_plugins_and_no_foreign_base(gunicorn):
    response = gunicorn.https("GET", reverse("accounts:login"))
    policy = dict(part.strip().split(" ", 1) for part in response.getheader("Content-Security-Policy").split(";"))
    assert policy["default-src"] == "'self'"
    assert policy["object-src"] == "'none'"
    assert policy["base-uri"] == "'self'"
    assert policy["frame-ancestors"] == "'none'"
    assert re.fullmatch(r"'self' 'nonce-[\w+/=-]+'", policy["script-src"])
    assert "unsafe-inline" not in response.getheader("Content-Security-Policy")
    # Every script on the page is a file of our own.
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", response.body, re.S)
    assert scripts and all('src="/static/' in attributes and not code.strip() for attributes, code in scripts)


def test_csrf_session_messages_and_language_cookies_are_sent_over_https_only(gunicorn):
    csrf_response = gunicorn.https("GET", reverse("accounts:login"))
    assert cookies(csrf_response)["csrftoken"]["secure"] is True
    logged_in, login_response = log_in(gunicorn)
    session = cookies(login_response)["sessionid"]
    assert session["secure"] is True and session["httponly"] is True
    # A message waiting for the next page rides in the messages framework's cookie.
    read_all = gunicorn.https("POST", reverse("notifications:read_all"), logged_in, "")
    assert read_all.status == 302, read_all.body
    message = cookies(read_all)["messages"]
    assert message.value and message["secure"] is True and message["httponly"] is True
    language = gunicorn.https("POST", reverse("set_language"), logged_in, "language=en&next=/")
    assert cookies(language)["django_language"]["secure"] is True
