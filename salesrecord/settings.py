"""SalesRecord settings: one module, configured by environment variables only.

Every variable read here is listed in the README's configuration table.
"""

import datetime
import os
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name, default=""):
    value = os.environ.get(name, "").strip()
    return value or default


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name, default):
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return int(value)


def env_list(name, default=""):
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)
# Set by `make test`: allows the built-in secret key and serves static files without collectstatic.
TESTING = env_bool("SALESRECORD_TESTING", False)
SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY and (DEBUG or TESTING):
    SECRET_KEY = "insecure-development-key-only-for-debug-and-tests"
# Otherwise it stays empty: the web app (wsgi.py) refuses to start, and anything that signs data
# fails loudly, while management commands that need no key (migrations, checks) still run.

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
VAR_DIR = Path(env_str("VAR_DIR", str(BASE_DIR / "var")))

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_filters",
    "django_htmx",
    "axes",
    "simple_history",
    "accounts",
    "customers",
    "keypoints",
    "handovers",
    "reminders",
    "dashboard",
    # Commands for the whole installation (backup, restore): salesrecord/management/commands.
    "salesrecord",
    "audit",
    "archive",
    "imports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Who made a change, for the history of every record (django-simple-history).
    "simple_history.middleware.HistoryRequestMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "salesrecord.urls"
# `make bench` (bench/run.py) serves the app with BENCH on: a floor page to measure every page against
# and each response's count of SQL queries in an X-Queries header (salesrecord/bench.py). Never in production.
BENCH = env_bool("BENCH", False)
if BENCH:
    MIDDLEWARE.insert(0, "salesrecord.bench.QueryCountMiddleware")
# An empty filter filters nothing: its choice reads 全部 / All (model choices: salesrecord.forms).
FILTERS_EMPTY_CHOICE_LABEL = _("All")
FORM_RENDERER = "salesrecord.renderers.WidgetRenderer"
WSGI_APPLICATION = "salesrecord.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "reminders.context_processors.reminders",
                "accounts.context_processors.accounts",
                "customers.context_processors.customers",
                "imports.context_processors.imports",
            ],
        },
    },
]

# SQLite unless DATABASE_URL names another database (postgres://user@host:5432/name).
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 0),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite has no row locks: a transaction that takes the write lock when it begins (IMMEDIATE)
    # serializes stage changes as select_for_update does on PostgreSQL; the others wait their turn.
    DATABASES["default"].setdefault("OPTIONS", {}).update({"transaction_mode": "IMMEDIATE", "timeout": 20})
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # No JIT compilation: the app's queries read a few index entries each, yet a plan whose estimated cost
    # passes PostgreSQL's jit_above_cost is compiled first, which cost seconds on pages that run in
    # milliseconds (the benchmark, bench/README.md). And 16 MB to sort in: the dashboard's weekly activity
    # sorts a quarter's key points, which spilled to disk with the default 4 MB. Set per connection, so
    # no server setting is needed.
    _options = DATABASES["default"].setdefault("OPTIONS", {})
    _options["options"] = f"{_options.get('options', '')} -c jit=off -c work_mem=16MB".strip()
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Sessions live in the database, so any web process can serve any request.
SESSION_ENGINE = "django.contrib.sessions.backends.db"

AUTH_USER_MODEL = "accounts.User"
# django-axes first: it counts failed logins and refuses a locked-out one before the password is checked.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
# A name, or an address, with LOGIN_FAILURE_LIMIT failed logins in a row is locked out for
# LOGIN_LOCKOUT_MINUTES, even with the right password; a successful login resets its count.
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=env_int("LOGIN_LOCKOUT_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "accounts.views.locked_out"
AXES_VERBOSE = False
# The duplicate-customer check names a customer's owner, also of customers the asker may not read:
# a rep gets DUPLICATE_CHECK_LIMIT answers per DUPLICATE_CHECK_WINDOW_MINUTES (0: no limit), then
# waits for the next window (customers.duplicates).
DUPLICATE_CHECK_LIMIT = env_int("DUPLICATE_CHECK_LIMIT", 30)
DUPLICATE_CHECK_WINDOW_MINUTES = max(1, env_int("DUPLICATE_CHECK_WINDOW_MINUTES", 60))
# A session lasts SESSION_HOURS from login (a working day by default), then the person logs in again.
SESSION_COOKIE_AGE = env_int("SESSION_HOURS", 12) * 3600
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Our date formats first (salesrecord/formats/<locale>/formats.py), Django's for everything else.
FORMAT_MODULE_PATH = ["salesrecord.formats"]
TIME_ZONE = env_str("TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
# Where `make backup` writes the database's backups.
BACKUP_DIR = Path(env_str("BACKUP_DIR", str(VAR_DIR / "backups")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or TESTING
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

WHITENOISE_USE_FINDERS = DEBUG or TESTING

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Content Security Policy: only our own origin; no inline scripts or styles, no plugins, no <base> elsewhere.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "object-src": [CSP.NONE],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.SELF],
}
SECURE_CONTENT_TYPE_NOSNIFF = True
# HTTPS declares that browsers reach the app over TLS only (docker-compose.yml declares it): every cookie
# is sent over TLS only, plain HTTP is redirected (but /healthz, which the container's healthcheck calls
# on plain HTTP), and browsers are told by HSTS to use nothing else for HSTS_SECONDS.
HTTPS = env_bool("HTTPS", False)
SESSION_COOKIE_SECURE = HTTPS  # the messages framework's cookie follows the session cookie's flags
CSRF_COOKIE_SECURE = HTTPS
LANGUAGE_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = HTTPS
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env_int("HSTS_SECONDS", 365 * 24 * 3600) if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
# A reverse proxy terminates TLS: its X-Forwarded-Proto says whether the browser used HTTPS. Only when the
# app cannot be reached but through that proxy, which must set the header itself.
if env_bool("BEHIND_TLS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    # Login lockouts count the visitor's address as the one proxy in front of us saw it.
    AXES_IPWARE_PROXY_COUNT = 1
    AXES_IPWARE_META_PRECEDENCE_ORDER = ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR")

# Celery: Redis when REDIS_URL is set; otherwise a broker kept in files under VAR_DIR,
# so one laptop needs no service at all.
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = {}
else:
    _broker_dir = VAR_DIR / "broker"
    CELERY_BROKER_URL = "filesystem://"
    # kombu's file transport, with each message written whole before a reader can see it.
    CELERY_BROKER_TRANSPORT = "salesrecord.broker:Transport"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        # Its exchange table, which kombu would otherwise write under the current directory.
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
# One queue for everything; a second installation sharing a Redis names its own.
CELERY_TASK_DEFAULT_QUEUE = env_str("CELERY_QUEUE", "celery")
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Beat's schedule: the stall and overdue scans every REMINDER_SCAN_MINUTES, the daily summary at
# DAILY_SUMMARY_AT (HH:MM, local time).
REMINDER_SCAN_MINUTES = float(env_str("REMINDER_SCAN_MINUTES", "60"))
DAILY_SUMMARY_AT = env_str("DAILY_SUMMARY_AT", "18:00")
_summary_hour, _summary_minute = (int(part) for part in DAILY_SUMMARY_AT.split(":"))
CELERY_BEAT_SCHEDULE = {
    "scan-stalls": {"task": "reminders.tasks.scan_stalls", "schedule": REMINDER_SCAN_MINUTES * 60.0},
    "scan-overdue": {"task": "reminders.tasks.scan_overdue", "schedule": REMINDER_SCAN_MINUTES * 60.0},
    "daily-summary": {
        "task": "reminders.tasks.daily_summary",
        "schedule": crontab(hour=_summary_hour, minute=_summary_minute),
    },
    "delete-expired-exports": {"task": "keypoints.tasks.delete_expired_exports", "schedule": 3600.0},
    "delete-stale-import-files": {"task": "imports.tasks.delete_stale_files", "schedule": 3600.0},
}

# A ledger export of at most EXPORT_INLINE_ROWS rows is written within the request; a larger one by a
# background task into a file kept EXPORT_KEEP_HOURS for its owner to download.
EXPORT_INLINE_ROWS = env_int("EXPORT_INLINE_ROWS", 5000)
EXPORT_KEEP_HOURS = max(1, env_int("EXPORT_KEEP_HOURS", 24))

# Spreadsheet import (imports/reading.py): the largest upload, what a workbook may unpack to (a zip bomb
# is refused before it is parsed), and the most rows in a sheet, empty rows counted.
IMPORT_MAX_BYTES = max(1, env_int("IMPORT_MAX_MB", 20)) * 1024 * 1024
IMPORT_MAX_UNPACKED_BYTES = max(1, env_int("IMPORT_MAX_UNPACKED_MB", 200)) * 1024 * 1024
IMPORT_MAX_ROWS = max(1, env_int("IMPORT_MAX_ROWS", 100_000))
# A file of at most IMPORT_INLINE_ROWS rows is checked and imported within the request; a larger one by a
# Celery worker, its progress on the import's page. The preview lists the first rejected rows; the
# downloadable file of rejected rows holds them all.
IMPORT_INLINE_ROWS = env_int("IMPORT_INLINE_ROWS", 2000)
IMPORT_REJECTED_SHOWN = 200
# An uploaded file not imported within IMPORT_KEEP_DAYS, and a file of rejected rows older than that, is
# deleted (hourly, by beat); the import's page then says to upload again.
IMPORT_KEEP_DAYS = max(1, env_int("IMPORT_KEEP_DAYS", 7))

# Mail goes out by SMTP (EMAIL_HOST...); to the console only in development (DEBUG: `make run`) and tests,
# unless EMAIL_BACKEND names another backend.
_email_backend = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG or TESTING
    else "django.core.mail.backends.smtp.EmailBackend",
)
_email_options = {}
if _email_backend.endswith("smtp.EmailBackend"):
    _email_options = {
        "host": env_str("EMAIL_HOST", "localhost"),
        "port": env_int("EMAIL_PORT", 25),
        "username": env_str("EMAIL_HOST_USER"),
        "password": env_str("EMAIL_HOST_PASSWORD"),
        "use_tls": env_bool("EMAIL_USE_TLS", False),
        "use_ssl": env_bool("EMAIL_USE_SSL", False),
        # A mail server that stops answering must not hold a worker forever: the delivery is retried.
        "timeout": env_int("EMAIL_TIMEOUT", 30),
    }
MAILERS = {"default": {"BACKEND": _email_backend, "OPTIONS": _email_options}}
# Where people open the app: links in emails and chat messages start with it.
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "SalesRecord <noreply@localhost>")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler", "stream": "ext://sys.stdout"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
}
