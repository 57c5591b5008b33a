"""Settings for partydev, read from the environment (django-environ).

Nothing needs to be set for development: the database defaults to an SQLite file in the
project. Production sets DJANGO_ENV=production: secrets then come only from the environment
(no SECRET_KEY, no start), DEBUG is off, cookies are secure and HSTS is on. The settings pass
``DJANGO_ENV=production python manage.py check --deploy --fail-level WARNING`` (CI runs it).
"""

from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False) if (BASE_DIR / ".env").exists() else None

DJANGO_ENV = env("DJANGO_ENV", default="development")
PRODUCTION = DJANGO_ENV == "production"

if PRODUCTION:
    # No defaults: a missing secret or host list stops the process (ImproperlyConfigured).
    DEBUG = env.bool("DEBUG", default=False)
    SECRET_KEY = env("SECRET_KEY")
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")
else:
    DEBUG = env.bool("DEBUG", default=True)
    SECRET_KEY = env("SECRET_KEY", default="dev-only-insecure-key-change-me")
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "treebeard",
    "import_export",
    "axes",
    "simple_history",
    "csp",
    "partydev",
    "organizations",
    "members",
    "members.quotas",
    "candidates",
    "reports",
    "documents",
    "followup",
    "demo",
]

# What a tree operation (organizations.restructure) carries to the successors, floor by floor, in
# the same transaction: members (collective transfers; quotas stay), candidates (moves, local
# criteria, deciding bodies), follow-up (committee members, assignments, thresholds). Named here
# because the tree's floor may not import the floors above it.
# Each module has ``carry(change)`` and may have ``parts(org)`` (what a split must place).
RESTRUCTURE_CARRIERS = [
    "members.restructure",
    "candidates.restructure",
    "followup.restructure",
]

# The number the register (documents) gave a candidate's issued admission decision, asked by the
# candidates' floor below it when the decision step is entered again (candidates.rules).
ISSUED_DECISION_NUMBER = "documents.services.issued_decision_number"

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "partydev.middleware.NoStoreMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "partydev.middleware.SessionTimeoutMiddleware",
    "partydev.middleware.WorkCalendarMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "partydev.middleware.RefusedAccessAuditMiddleware",
    "partydev.middleware.BadInputMiddleware",
    "axes.middleware.AxesMiddleware",  # last, as django-axes asks
]

ROOT_URLCONF = "partydev.urls"
WSGI_APPLICATION = "partydev.wsgi.application"

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
                "organizations.context_processors.roles",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].setdefault("init_command", "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;")
    DATABASES["default"]["OPTIONS"].setdefault("transaction_mode", "IMMEDIATE")
    # A writer waits this long (seconds) for another's lock, then the request answers 503 "busy"
    # (partydev.middleware.BadInputMiddleware) instead of hanging.
    DATABASES["default"]["OPTIONS"].setdefault("timeout", env.float("SQLITE_BUSY_TIMEOUT", default=2.5))
# The test database: Django's own name (``test_`` + the database's, ``test_partydev`` for
# ``…/partydev``), so that two suites run against two databases of one server do not share one.
DATABASES["default"].setdefault("TEST", {})["NAME"] = env("TEST_DATABASE_NAME", default=None)

# Background tasks report their progress through a connection of their own (partydev/tasks.py):
# on SQLite a file of its own beside the database (a long transaction holds the file's write
# lock); on PostgreSQL a second connection to the same database.
DATABASES["progress"] = {**DATABASES["default"], "OPTIONS": dict(DATABASES["default"].get("OPTIONS", {}))}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    _db_name = str(DATABASES["default"]["NAME"])
    DATABASES["progress"]["NAME"] = (_db_name[:-8] if _db_name.endswith(".sqlite3") else _db_name) + "-progress.sqlite3"
    DATABASES["progress"]["TEST"] = {"NAME": None}
else:
    DATABASES["progress"]["TEST"] = {"MIRROR": "default"}
# The database `migrate` also migrates the progress file for (not a test database).
TASKS_PROGRESS_MIGRATE_WITH = str(DATABASES["default"]["NAME"])

# Read replicas for the report views, only when DATABASE_REPLICA_URL is set (partydev/routers.py).
from partydev.routers import configure as _configure_replica  # noqa: E402

DATABASE_ROUTERS = ["partydev.tasks.ProgressRouter"] + _configure_replica(
    DATABASES, MIDDLEWARE, env("DATABASE_REPLICA_URL", default=""), environ.Env.db_url_config
)

# Background tasks (django-tasks; README "Background tasks"). The database backend by default:
# nothing to install, `make run` starts a worker. TASKS_BACKEND=rq: RQ on Redis (TASKS_REDIS_URL),
# workers started with `python manage.py tasks_worker` on as many machines as needed.
TASKS_BACKEND = env("TASKS_BACKEND", default="database")
INSTALLED_APPS += ["django_tasks", "django_tasks_db"]
if TASKS_BACKEND == "rq":
    INSTALLED_APPS += ["django_rq", "django_tasks_rq"]
    RQ_QUEUES = {
        "default": {
            "URL": env("TASKS_REDIS_URL", default="redis://127.0.0.1:6379/0"),
            "DEFAULT_TIMEOUT": env.int("TASKS_TIMEOUT_SECONDS", default=6 * 60 * 60),
        }
    }
    TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
elif TASKS_BACKEND == "database":
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
else:
    from django.core.exceptions import ImproperlyConfigured  # noqa: E402

    raise ImproperlyConfigured(f"TASKS_BACKEND must be 'database' or 'rq', not {TASKS_BACKEND!r}")
# A running task's worker beats this often; silent this long, it is taken for dead (reaper).
TASKS_HEARTBEAT_SECONDS = env.float("TASKS_HEARTBEAT_SECONDS", default=1)
TASKS_DEAD_AFTER_SECONDS = env.float("TASKS_DEAD_AFTER_SECONDS", default=60)
TASKS_REAP_SECONDS = env.float("TASKS_REAP_SECONDS", default=30)
TASKS_KEEP_DAYS = env.int("TASKS_KEEP_DAYS", default=7)
# Uploads above this size are read and written by a worker; smaller ones inline. Exports of more
# rows than this go to a worker.
TASKS_UPLOAD_INLINE_MAX_BYTES = env.int("TASKS_UPLOAD_INLINE_MAX_BYTES", default=150 * 1024)
TASKS_EXPORT_INLINE_MAX_ROWS = env.int("TASKS_EXPORT_INLINE_MAX_ROWS", default=3000)
TASKS_EXPORT_INLINE_MAX_ORGS = env.int("TASKS_EXPORT_INLINE_MAX_ORGS", default=300)
# What `manage.py enqueue NAME` queues (README "Scheduling"): dotted paths of background tasks.
TASKS_SCHEDULED = {
    "digests": ["candidates.tasks.send_digests"],
    "nightly": ["candidates.tasks.rebuild_facts", "partydev.upload_tasks.purge_uploads"],
}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/accounts/login/"

LANGUAGE_CODE = "vi"
# Vietnamese only: nothing is translated into English, so it is not offered.
LANGUAGES = [("vi", "Tiếng Việt")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True
FORMAT_MODULE_PATH = ["partydev.formats"]

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
MEDIA_URL = "/media/"

EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="partydev@localhost")
# Sections other apps add to the e-mailed digest (candidates' ``send_digests``), as dotted
# callables taking the user: the floors above add to it without the candidates app importing them.
DIGEST_SECTIONS = ["followup.digests.followup_digest_for"]

# Spreadsheet uploads: .xlsx only, capped (see partydev/spreadsheets.py).
UPLOAD_MAX_BYTES = env.int("UPLOAD_MAX_BYTES", default=5 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = UPLOAD_MAX_BYTES + 1024 * 1024
# Answers "this number cannot be used here" an import may give one user in an hour before it
# refuses their files (partydev/uploads.py); uploads never committed are deleted after this long.
IMPORT_REFUSED_IDENTIFIERS_PER_HOUR = env.int("IMPORT_REFUSED_IDENTIFIERS_PER_HOUR", default=20)
UPLOAD_KEEP_UNCOMMITTED_HOURS = env.int("UPLOAD_KEEP_UNCOMMITTED_HOURS", default=24)

# Breakdowns by a sensitive attribute (ethnicity, religion) shown to a role that may not read it
# hide the groups of fewer people than this (organizations.privacy.suppress_small_groups).
SMALL_GROUP_MINIMUM = env.int("SMALL_GROUP_MINIMUM", default=5)

IMPORT_EXPORT_USE_TRANSACTIONS = True
IMPORT_EXPORT_SKIP_ADMIN_LOG = False

# --- Security: login, sessions, headers (the hardening issue; README "Security and operations")

# django-axes checks the lockout first, before ModelBackend computes a password hash.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=0.25)  # hours: 15 minutes
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]  # each on its own: per username, per IP
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_CLIENT_IP_CALLABLE = "partydev.audit.client_ip"
AXES_VERBOSE = False
AXES_DISABLE_ACCESS_LOG = True  # successful logins are in partydev.audit.AuditEvent already
# Reverse proxies in front of the app, each appending to X-Forwarded-For (0: none; trust nothing).
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)

# Idle timeout: no request for this long ends the session. Absolute: so long after login, too.
SESSION_IDLE_TIMEOUT = env.int("SESSION_IDLE_TIMEOUT", default=30 * 60)
SESSION_ABSOLUTE_TIMEOUT = env.int("SESSION_ABSOLUTE_TIMEOUT", default=10 * 60 * 60)
SESSION_COOKIE_AGE = SESSION_ABSOLUTE_TIMEOUT
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"

X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# Content Security Policy (django-csp): our own files only; no inline script, no inline style.
from csp.constants import NONE, SELF  # noqa: E402

CONTENT_SECURITY_POLICY: dict[str, dict[str, list[str] | bool]] = {  # a directive: its sources, or True (a flag)
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    },
}

SILENCED_SYSTEM_CHECKS = []
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # the load balancer probes over plain HTTP
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=365 * 24 * 60 * 60)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
    if not SECURE_HSTS_PRELOAD:
        # Preloading is a months-long commitment of the whole domain: the domain owner's call.
        SILENCED_SYSTEM_CHECKS.append("security.W021")
    if env.bool("TRUST_X_FORWARDED_PROTO", default=False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    CONTENT_SECURITY_POLICY["DIRECTIVES"]["upgrade-insecure-requests"] = True

# Server errors (5xx) go to stderr whatever DEBUG is: the process manager keeps the log.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"stderr": {"class": "logging.StreamHandler"}},
    "loggers": {"django.request": {"handlers": ["stderr"], "level": "ERROR", "propagate": True}},
}
