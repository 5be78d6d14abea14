"""cxowner settings: one module, driven by environment variables.

Every value can be set from the environment; a bad value stops the process at start-up
rather than misbehaving later. The defaults run a development copy on SQLite with an
embedded Celery broker; production sets DEBUG=false, SECRET_KEY, ALLOWED_HOSTS,
DATABASE_URL and REDIS_URL (see docker-compose.yml).
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from cxowner.env import TESTING, envbool, envfloat, envint, envlist
from cxowner.settings_api import API_JSON_MAX_BYTES, API_JSON_MAX_DEPTH, REST_FRAMEWORK, SPECTACULAR_SETTINGS
from cxowner.settings_sso import *  # noqa: F403  (single sign-on's settings are settings of this module too)
from cxowner.settings_sso import SSO_RECHECK_SECONDS

BASE_DIR = Path(__file__).resolve().parent.parent

# The REST API's and single sign-on's settings are written in settings_api.py and settings_sso.py
# and are settings of this module too; the environment helpers (and TESTING) are in env.py.
__all__ = ["API_JSON_MAX_BYTES", "API_JSON_MAX_DEPTH", "REST_FRAMEWORK", "SPECTACULAR_SETTINGS"]

DEBUG = envbool("DEBUG", False)
# Behind TLS (the production default): secure cookies, HSTS and the HTTPS redirect.
HTTPS = envbool("HTTPS", not DEBUG and not TESTING)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not (DEBUG or TESTING):
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is false")
    SECRET_KEY = "django-insecure-development-only-key-not-for-production-use"

ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    # First: it makes `runserver` serve ASGI, the pages and their live sockets in one process
    # (`make run`); production serves the sockets from daphne beside gunicorn (docker-compose.yml).
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "django_htmx",
    "channels",
    "axes",
    "cxowner.orgs",
    "cxowner.sso",
    "journeys",
    "ownership",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "cxowner.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Changes made during the request are recorded as the logged-in user's (the history).
    "cxowner.orgs.change_context.ChangeContextMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "cxowner.middleware.LockConflictMiddleware",
    # Last: it answers log-ins django-axes refused with the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "cxowner.urls"
WSGI_APPLICATION = "cxowner.wsgi.application"
# The live sockets (/ws/o/<org>/live/, docs/live.md); the HTTP pages stay on gunicorn in production.
ASGI_APPLICATION = "cxowner.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'cxowner.sqlite3'}"),
        # Persistent connections: measured 135 -> 785 requests/s on PostgreSQL.
        conn_max_age=envint("CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The web server, the worker and beat share one SQLite file: wait for locks instead of
    # failing at once, and take the write lock at the start of a transaction.
    DATABASES["default"]["OPTIONS"] = {"timeout": 20, "transaction_mode": "IMMEDIATE"}
    DATABASES["default"]["CONN_MAX_AGE"] = 0
else:
    # No request waits on a row lock longer than this: past it the request answers 409 "try
    # again" (cxowner/orgs/locks.py) instead of piling up behind a long transaction.
    DATABASE_LOCK_TIMEOUT_MS = envint("DATABASE_LOCK_TIMEOUT_MS", 5000)
    # PostgreSQL's default cost of a random page read (4, four sequential reads) is made for
    # spinning disks; with the data on SSD or in memory it makes the planner scan a whole table
    # and hash-join it rather than read a matrix's cells from their index (EXPLAIN ANALYZE of the
    # matrix's cells: 8-12 ms with 4, 1.3 ms with 1.1, the value PostgreSQL's docs suggest for SSDs).
    DATABASE_RANDOM_PAGE_COST = envfloat("DATABASE_RANDOM_PAGE_COST", 1.1)
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = (
        f"-c lock_timeout={DATABASE_LOCK_TIMEOUT_MS} -c random_page_cost={DATABASE_RANDOM_PAGE_COST}"
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
# Password guessing (django-axes, cxowner/login.py): this many failures for one username from one
# address pause that pair's log-in (429) for the window; other people are never locked out.
LOGIN_MAX_FAILURES = envint("LOGIN_MAX_FAILURES", 5)
LOGIN_LOCKOUT_SECONDS = envint("LOGIN_LOCKOUT_SECONDS", 900)
# Behind a reverse proxy, the header it appends the client's address to (Django's META name, e.g.
# HTTP_X_FORWARDED_FOR) and how many trusted proxies append to it; empty: REMOTE_ADDR is the client.
TRUSTED_PROXY_HEADER = os.environ.get("TRUSTED_PROXY_HEADER", "")
TRUSTED_PROXY_COUNT = envint("TRUSTED_PROXY_COUNT", 1)
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # Stops password log-ins of members of an "SSO only" organization before ModelBackend is asked.
    "cxowner.sso.password.SsoOnlyGate",
    "django.contrib.auth.backends.ModelBackend",
    # Each organization's OpenID Connect provider (cxowner/sso/backend.py, mozilla-django-oidc).
    "cxowner.sso.backend.OrganizationOIDCBackend",
    # The sessions of people an organization's SAML provider signed in (cxowner/sso/saml.py).
    "cxowner.sso.saml.OrganizationSamlBackend",
]
AXES_ENABLED = envbool("AXES_ENABLED", True)
AXES_HANDLER = "axes.handlers.cache.AxesCacheHandler"
AXES_FAILURE_LIMIT = LOGIN_MAX_FAILURES
AXES_COOLOFF_TIME = timedelta(seconds=LOGIN_LOCKOUT_SECONDS)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# An attempt during the pause is refused without being counted: counting it (axes' default) made
# the right password restart the pause, and a person who kept trying stayed locked out.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_CLIENT_IP_CALLABLE = "cxowner.login.client_address"
AXES_LOCKOUT_CALLABLE = "cxowner.login.locked_out"
AXES_VERBOSE = False
# Password-reset e-mails: at most this many per client address and per e-mail address per window.
PASSWORD_RESET_PER_ADDRESS = envint("PASSWORD_RESET_PER_ADDRESS", 5)
PASSWORD_RESET_PER_EMAIL = envint("PASSWORD_RESET_PER_EMAIL", 3)
PASSWORD_RESET_WINDOW_SECONDS = envint("PASSWORD_RESET_WINDOW_SECONDS", 3600)
# Members join by invitation only (cxowner/orgs/invitations.py); a link works once, this many days.
INVITATION_EXPIRY_DAYS = envint("INVITATION_EXPIRY_DAYS", 7)
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if not (DEBUG or TESTING)
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# Redis when REDIS_URL is set; otherwise everything runs without a server.
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    # A database cache is shared by the web server and the worker, so locks taken with
    # cache.add() hold across processes (a local-memory cache would not).
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "cxowner_cache",
        }
    }

# What every open page hears of (docs/live.md). With Redis, changes are sent to the channel layer
# as they commit, from the web server and the worker alike. Without it the layer lives in the web
# process, which the worker cannot reach: the web process relays the change feed instead, reading
# it every LIVE_RELAY_SECONDS (cxowner/orgs/live_relay.py).
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            # capacity: a page that reads nothing keeps at most this many messages waiting; past
            # it, messages to it are dropped (it catches up from the feed) and the others go on.
            "CONFIG": {"hosts": [REDIS_URL], "capacity": envint("LIVE_CAPACITY", 200), "expiry": 60},
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer", "CONFIG": {"capacity": 200}}}
LIVE_RELAY = envbool("LIVE_RELAY", not REDIS_URL)
# Where pages open their socket when it is not their own address (ws[s]://host:port); empty: the
# page's own host, where the proxy (or runserver) serves /ws/.
LIVE_SOCKET_ORIGIN = os.environ.get("LIVE_SOCKET_ORIGIN", "").rstrip("/")
LIVE_RELAY_SECONDS = envfloat("LIVE_RELAY_SECONDS", 0.25)
# A page that missed more changes than this reloads what it shows instead of replaying them.
LIVE_CATCH_UP_MAX = envint("LIVE_CATCH_UP_MAX", 100)
# How long the live feed keeps a change: a page away longer reloads what it shows.
LIVE_FEED_KEEP_HOURS = envint("LIVE_FEED_KEEP_HOURS", 24)
# How often an open socket checks that its session is still valid and its user still a member.
LIVE_SESSION_CHECK_SECONDS = envfloat("LIVE_SESSION_CHECK_SECONDS", 30)

CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", REDIS_URL or "filesystem://localhost//")
if CELERY_BROKER_URL.startswith("filesystem://"):
    QUEUE_DIR = VAR_DIR / "celery" / "queue"
    CONTROL_DIR = VAR_DIR / "celery" / "control"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(QUEUE_DIR),
        "data_folder_out": str(QUEUE_DIR),
        "control_folder": str(CONTROL_DIR),
    }
    # The filesystem broker needs its folders before the first message is written.
    QUEUE_DIR.mkdir(parents=True, exist_ok=True)
    CONTROL_DIR.mkdir(parents=True, exist_ok=True)
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        # Above the audit's and the import's time limits (AUDIT_TIME_LIMIT_SECONDS and
        # MATRIX_IMPORT_TIME_LIMIT_SECONDS), so an unacknowledged task is not redelivered while
        # it still runs.
        "visibility_timeout": envint("CELERY_VISIBILITY_TIMEOUT", 3600),
        # How often a worker looks for messages a dead worker left unacknowledged (every
        # interval × throttle seconds); the worker tests shorten it with the visibility timeout.
        "unacked_restore_interval": envint("CELERY_UNACKED_RESTORE_INTERVAL", 10),
        "unacked_restore_throttle": envint("CELERY_UNACKED_RESTORE_THROTTLE", 10),
    }
CELERY_TASK_ALWAYS_EAGER = envbool("CELERY_TASK_ALWAYS_EAGER", TESTING)
# The worker's CPU priority below the web server's (a nice value, 0–19; cxowner/celery.py): audits,
# import jobs and reports are throughput work, a cell edit is someone waiting. On a busy machine the
# scheduler then gives the cores to requests first; on an idle one the worker still gets them all.
WORKER_NICE = envint("WORKER_NICE", 10)
if not 0 <= WORKER_NICE <= 19:
    raise ImproperlyConfigured(f"WORKER_NICE must be between 0 and 19, not {WORKER_NICE}")
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# A separate queue name lets test runs (and several copies on one Redis) keep their tasks apart.
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("CELERY_TASK_DEFAULT_QUEUE", "celery")
# Static beat entries; each organization's audit schedule is a PeriodicTask (ownership/automation/schedules.py).
CELERY_BEAT_SCHEDULE = {
    "audit-schedules-ensure": {"task": "ownership.tasks.audit_schedules_ensure_task", "schedule": 3600.0},
    "audit-runs-resume": {"task": "ownership.tasks.audit_runs_resume_task", "schedule": 300.0},
    "accepted-risks-reopen": {"task": "ownership.tasks.accepted_risks_reopen_task", "schedule": 3600.0},
    # Monthly report mails (ownership/reports/mail.py): each goes out once a month, in the first hour due.
    "report-mails-due": {"task": "ownership.tasks.report_mails_due_task", "schedule": 3600.0},
    "review-campaign-reminders": {"task": "ownership.tasks.campaign_reminders_task", "schedule": 3600.0},
    # Inbox items for gaps due soon or overdue, each once per gap and due date (ownership/inbox/).
    "inbox-daily": {"task": "ownership.tasks.inbox_daily_task", "schedule": 3600.0},
    # Jobs whose worker died or ran out of time are marked failed, with the reason (ownership/tasks.py).
    "jobs-sweep": {"task": "ownership.tasks.jobs_sweep_task", "schedule": 300.0},
    # The live feed's old changes (cxowner/orgs/live.py).
    "live-feed-prune": {"task": "ownership.tasks.live_feed_prune_task", "schedule": 3600.0},
    # Members an "SSO only" organization's provider no longer accepts leave (docs/sso-scim.md).
    "sso-members-recheck": {"task": "ownership.tasks.sso_members_recheck_task", "schedule": float(SSO_RECHECK_SECONDS)},
}

# Background audits (ownership/gaps/tasks.py, ownership/automation/schedules.py).
# The schedule an organization gets until its admins change it: cron fields, in UTC.
AUDIT_SCHEDULE_DEFAULT = os.environ.get("AUDIT_SCHEDULE_DEFAULT", "0 2 * * *")
if len(AUDIT_SCHEDULE_DEFAULT.split()) != 5:
    raise ImproperlyConfigured(f"AUDIT_SCHEDULE_DEFAULT must have five cron fields, not {AUDIT_SCHEDULE_DEFAULT!r}")
# Audit after matrix edits; off in unit tests so only the tests about it pay for audits.
AUDIT_ON_CHANGE = envbool("AUDIT_ON_CHANGE", not TESTING)
# Edits within this many seconds of the first one share one audit.
AUDIT_DEBOUNCE_SECONDS = envint("AUDIT_DEBOUNCE_SECONDS", 30)
# An audit finding its organization's lock held tries again, backing off up to this many times.
AUDIT_LOCK_RETRIES = envint("AUDIT_LOCK_RETRIES", 12)
AUDIT_LOCK_RETRY_MAX_SECONDS = envint("AUDIT_LOCK_RETRY_MAX_SECONDS", 60)
# A run still pending this long after it was requested is sent to the workers again.
AUDIT_RESUME_AFTER_SECONDS = envint("AUDIT_RESUME_AFTER_SECONDS", 900)
# An audit is stopped (and its run marked failed, nothing written) after this long; below the
# broker's visibility timeout. A run still not done this long after it was requested is marked
# failed by the sweep: its worker died or ran out of memory every time.
AUDIT_TIME_LIMIT_SECONDS = envint("AUDIT_TIME_LIMIT_SECONDS", 1800)
AUDIT_RUN_EXPIRE_SECONDS = envint("AUDIT_RUN_EXPIRE_SECONDS", 4 * 3600)
# Test-only: hold a finished audit this long before it commits, so a test can kill the worker
# mid-audit (tests/test_worker.py). Always 0 outside those tests.
AUDIT_TEST_DELAY_SECONDS = envint("AUDIT_TEST_DELAY_SECONDS", 0)

# Notifications (ownership/automation/notifications.py).
WEBHOOK_TIMEOUT_SECONDS = envint("WEBHOOK_TIMEOUT_SECONDS", 5)
# Hosts webhooks may reach although they resolve to a private or loopback address (on-premises
# receivers); every other host must be public (ownership/models/webhook_targets.py).
WEBHOOK_ALLOWED_HOSTS = envlist("WEBHOOK_ALLOWED_HOSTS", [])
WEBHOOK_MAX_ATTEMPTS = envint("WEBHOOK_MAX_ATTEMPTS", 5)
# Attempt n waits base × 2**(n-1) seconds after the previous one (capped at one hour).
WEBHOOK_RETRY_BACKOFF_SECONDS = envint("WEBHOOK_RETRY_BACKOFF_SECONDS", 30)
# Digest e-mails list at most this many gaps of each kind; the rest is counted.
NOTIFICATION_DIGEST_MAX_GAPS = envint("NOTIFICATION_DIGEST_MAX_GAPS", 50)

MATRIX_UPLOAD_MAX_BYTES = envint("MATRIX_UPLOAD_MAX_BYTES", 10 * 1024 * 1024)
# Bounds on a matrix file, checked while it is read (ownership/imports/matrixfile/sheet.py): the first
# one crossed refuses the file with a 400 naming it, before the file is built into rows.
MATRIX_MAX_ROWS = envint("MATRIX_MAX_ROWS", 200_000)
MATRIX_MAX_COLUMNS = envint("MATRIX_MAX_COLUMNS", 500)
MATRIX_XLSX_MAX_PART_BYTES = envint("MATRIX_XLSX_MAX_PART_BYTES", 128 * 1024 * 1024)
MATRIX_XLSX_MAX_EXPANSION = envint("MATRIX_XLSX_MAX_EXPANSION", 100)
# Reading a file in a web request stops well before gunicorn's 30 s timeout kills the worker (the
# refusal must win that race); the worker's import jobs and the command line may read longer.
MATRIX_PARSE_MAX_SECONDS = envint("MATRIX_PARSE_MAX_SECONDS", 10)
MATRIX_WORKER_PARSE_MAX_SECONDS = envint("MATRIX_WORKER_PARSE_MAX_SECONDS", 300)
# Imports of more rows than this run on the worker, with progress (ownership/imports/jobs.py).
MATRIX_IMPORT_WORKER_ROWS = envint("MATRIX_IMPORT_WORKER_ROWS", 5000)
# A worker's import is stopped (and its job marked failed, nothing imported) after this long;
# below the broker's visibility timeout.
MATRIX_IMPORT_TIME_LIMIT_SECONDS = envint("MATRIX_IMPORT_TIME_LIMIT_SECONDS", 1800)
# A job still pending this long after it was made is sent to the workers again (jobs_sweep_task).
MATRIX_IMPORT_RESEND_AFTER_SECONDS = envint("MATRIX_IMPORT_RESEND_AFTER_SECONDS", 600)
DATA_UPLOAD_MAX_MEMORY_SIZE = MATRIX_UPLOAD_MAX_BYTES + 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = MATRIX_UPLOAD_MAX_BYTES + 1024 * 1024

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "cxowner@localhost")

# Security headers and cookies; `manage.py check --deploy` passes with them. Cookies are secure behind TLS.
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_SSL_REDIRECT = HTTPS
SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 31536000 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if HTTPS else None
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

# Every record goes to one console handler, on the root logger. Django's own "django" logger
# carries a console handler of its own in development (and mail_admins, unused: no ADMINS); left
# in place, each 403/404 line would print twice, so it only propagates here.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        # WeasyPrint (the report's PDF) logs each rendering step, and each CSS property only a
        # browser knows (print-color-adjust): its errors are what an operator needs.
        "weasyprint": {"level": "ERROR"},
        "fontTools": {"level": "WARNING"},
        # pysaml2's schema library says at every start that it has loaded its schemas.
        "xmlschema": {"level": "WARNING"},
    },
}
