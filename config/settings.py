"""One settings module for every environment.

With no environment variables set it is the embedded default: an SQLite file, Celery tasks run
in-process, a local-memory cache, e-mail printed to the console, debug on. Production sets
DATABASE_URL, REDIS_URL, SECRET_KEY, ALLOWED_HOSTS and DEBUG=0 (see .env.example).
"""

import sys
from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

DEBUG = env.bool("DEBUG", default=True)
SECRET_KEY = env.str("SECRET_KEY", default="local-development-only-not-a-secret")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "simple_history",
    "axes",
    "django_htmx",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_celery_beat",
    "import_export",
    # The rich-text editor of the public tab's pages (its static files; its widget in reports.site_forms).
    "django_prose_editor",
    "mcok",
    "directions",
    "indicators",
    "monitoring",
    "roadmaps",
    "reports",
]

MIDDLEWARE = [
    # Outermost: every answer, the 503 of an outage too, carries the Content-Security-Policy (below);
    # an answer that sets its own (the public tab, reports.open_views) keeps it.
    "csp.middleware.CSPMiddleware",
    # First below it: a database outage in any layer below answers 503 with Retry-After, not 500.
    "mcok.outage.DatabaseUnavailableMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "mcok.site.SiteAddressMiddleware",  # SITE_URL unset: the address the people use (mcok.site)
    "mcok.error_pages.NotFoundPageMiddleware",
    # A published page of the public tab the cache holds is answered here, before the session and
    # the user (reports.open_cache): one read of the cache.
    "reports.open_cache.PublishedPageMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # The second factor: whether this session passed it (django-otp), and the step after the password
    # for the accounts that have one or whose role needs one (mcok.second_factor).
    "django_otp.middleware.OTPMiddleware",
    "mcok.second_factor.SecondFactorMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",  # last, as django-axes asks
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "mcok.context_processors.navigation",
            ],
        },
    }
]

# Database: PostgreSQL through psycopg 3 when DATABASE_URL is set, else an SQLite file.
# The embedded default serves several people at once (a school's autosave beside its submit, the
# in-process tasks beside the page): readers do not wait for a writer (WAL), a writer waits its turn
# for up to 20 s instead of failing with «database is locked», and a transaction takes the write lock
# when it begins (IMMEDIATE), so two of them never deadlock upgrading a read lock to a write.
SQLITE_OPTIONS = {
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
}
DATABASES = {"default": env.db_url("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
elif DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(SQLITE_OPTIONS)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="")
# The cache may live in a Redis of its own (evicting, memory-bounded), apart from the broker's.
REDIS_CACHE_URL = env.str("REDIS_CACHE_URL", default="") or REDIS_URL

if REDIS_CACHE_URL:
    CACHES = {
        "default": {
            "BACKEND": "mcok.cache.RedisCache",
            "LOCATION": REDIS_CACHE_URL,
            "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="mcok"),
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

AUTH_USER_MODEL = "mcok.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Passwords people set (the password change and reset pages, the admin): Django's validators, whose
# messages Django itself has in Russian. The demo's accounts keep «demo»: load_demo stores its hash
# directly (mcok.demo), past the validators (tests/mcok/test_password_validators.py).
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
# The second factor (TOTP with recovery codes, mcok.second_factor). With OTP_REQUIRED on, administrators,
# coordinators, operators and heads of a department set one up before any other page; everyone else
# may. Off on the embedded default, on in docker-compose; the demo's accounts never need one.
OTP_REQUIRED = env.bool("OTP_REQUIRED", default=False)
OTP_TOTP_ISSUER = "МСОКО-портал"
OTP_RECOVERY_CODES = 10
LOGIN_REDIRECT_URL = "mcok:home"
LOGOUT_REDIRECT_URL = "login"

# Schools of one municipality often share one address: lock out by username and address together,
# for a while, and forget the failures after a successful login. Password spraying (many usernames
# from one address) locks the address itself at a much higher count (mcok.security.AxesHandler).
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_ADDRESS_FAILURE_LIMIT = env.int("AXES_ADDRESS_FAILURE_LIMIT", default=50)
AXES_HANDLER = "mcok.security.AxesHandler"
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_CLIENT_IP_CALLABLE = "mcok.security.client_ip"
AXES_USERNAME_CALLABLE = "mcok.security.axes_username"  # cut to the column's 255 characters
# How many reverse proxies in front of gunicorn append to X-Forwarded-For (docker-compose behind nginx: 1).
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)

LANGUAGE_CODE = "ru"
LANGUAGES = [("ru", _("Russian"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env.str("TIME_ZONE", default="Europe/Moscow")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(BASE_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
DOCUMENT_MAX_BYTES = env.int("DOCUMENT_MAX_BYTES", default=20 * 1024 * 1024)
# Address of the portal as users reach it, for the links in letters and the embed code. Unset (the
# embedded default, on any port): the address of the request, remembered for the letters of tasks
# (mcok.site).
SITE_URL = env.str("SITE_URL", default="")
# Days before a collection's deadline when the reminder goes to those who have not answered.
MONITORING_REMIND_DAYS_BEFORE = env.int("MONITORING_REMIND_DAYS_BEFORE", default=3)

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="mcok@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Celery: Redis as broker when REDIS_URL is set; otherwise tasks run in-process.
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or "cache+memory://"
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
# Without a broker, long work (a report's file, a recompute, an evaluation) runs after the commit in a
# background thread of the web process, and its page polls the work's row as it does with a worker
# (mcok.doorbell). The tests and the management commands other than runserver (load_demo, imports)
# keep it synchronous, in the caller, unless TASKS_IN_BACKGROUND_THREAD says otherwise.
_COMMAND = sys.argv[1] if len(sys.argv) > 1 and Path(sys.argv[0]).name == "manage.py" else ""
TASKS_IN_BACKGROUND_THREAD = env.bool(
    "TASKS_IN_BACKGROUND_THREAD",
    default=CELERY_TASK_ALWAYS_EAGER and "pytest" not in sys.modules and _COMMAND in ("", "runserver"),
)
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True  # every task is idempotent; a killed worker's task runs again
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 30 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 25 * 60
CELERY_RESULT_EXPIRES = timedelta(days=1)
# Nothing waits on a task's result: the work and its progress are rows (RecomputeRequest, ReportJob,
# Evaluation.computed_at). Without results, sending a task never touches the result backend, whose
# failure while Redis is down is a RuntimeError rather than the broker error the senders expect.
CELERY_TASK_IGNORE_RESULT = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# Beat runs exactly the PERIODIC_TASKS each app declares in its tasks.py, no more and no fewer
# (tests/roadmaps/test_periodic_tasks.py compares them): a periodic task is declared where it lives.
CELERY_BEAT_SCHEDULE = {
    # Every night at 01:10: the periods of the current and the next year exist before anyone needs them.
    "periods-ensure": {"task": "mcok.tasks.periods_ensure", "schedule": crontab(hour=1, minute=10)},
    # Every minute: recompute requests whose doorbell was lost (the broker was down at commit).
    "indicator-values-recompute-pending": {
        "task": "indicators.tasks.indicator_values_recompute_pending",
        "schedule": 60.0,
    },
    # Every hour: collections open and close on their dates; reminders that fall due are sent once.
    "campaigns-advance": {"task": "monitoring.tasks.campaigns_advance", "schedule": crontab(minute=5)},
    # Every morning at 07:30: one letter per roadmap event instance that has become overdue.
    "roadmap-overdue-remind": {
        "task": "roadmaps.tasks.overdue_remind",
        "schedule": crontab(hour=7, minute=30),
    },
    # Every morning at 08:00: from the 20th, the project groups without a meeting this month, once each.
    "project-group-meeting-remind": {
        "task": "roadmaps.tasks.meeting_remind",
        "schedule": crontab(hour=8, minute=0),
    },
    # Every morning at 07:45: one letter per instruction that has become overdue.
    "instruction-overdue-remind": {
        "task": "roadmaps.tasks.instruction_overdue_remind",
        "schedule": crontab(hour=7, minute=45),
    },
    # Every minute: report files whose doorbell was lost (the broker was down when they were asked for).
    "report-jobs-requeue": {"task": "reports.tasks.report_jobs_requeue", "schedule": 60.0},
    # Every five minutes: open evaluations scored since their indices were computed (a lost doorbell).
    "evaluations-compute-stale": {"task": "directions.tasks.evaluations_compute_stale", "schedule": 300.0},
}

REST_FRAMEWORK = {
    # Token first: an API client without credentials gets 401 with `WWW-Authenticate: Token`.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "mcok.tokens.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # JSON nested past Python's stack is a 400, not a 500 (mcok.params.JSONParser).
    "DEFAULT_PARSER_CLASSES": [
        "mcok.params.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "mcok.pagination.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "mcok.api.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "МСОКО-портал API",
    "DESCRIPTION": "Программный интерфейс муниципальной системы управления качеством образования.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Several models have a `state`: each choice set gets its own name in the schema.
    "ENUM_NAME_OVERRIDES": {
        "CampaignStateEnum": "monitoring.models.Campaign.State",
        "OccurrenceStateEnum": "roadmaps.models.Occurrence.State",
        "RecommendationStateEnum": "roadmaps.models.Recommendation.State",
        "CycleComponentStateEnum": "directions.models.CycleComponent.State",
    },
}

# API tokens: a regional system asks POST /api/token/ again before this many hours have passed.
API_TOKEN_LIFETIME_HOURS = env.int("API_TOKEN_LIFETIME_HOURS", default=12)

# django-simple-history: who made a change comes from the request, or from the service that made it.
SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
        # WeasyPrint logs every layout step of every PDF at INFO.
        "weasyprint": {"level": "WARNING"},
        "weasyprint.progress": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

# Production: everything below is on whenever DEBUG is off, so `check --deploy` is clean.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# Content-Security-Policy of every page of the portal (django-csp): scripts and styles from the
# portal's own static files only, no inline script, no inline style but the one of the API's
# documentation page (Swagger UI's <style>, allowed by its hash; tests/test_csp.py recomputes it), no
# framing. The public tab sets its own, stricter policy and its embedding rules (reports.open_views).
CSP_SWAGGER_UI_STYLE = "'sha256-MMpT0iDxyjALd9PdfepImGX3DBfJPXZ4IlDWdPAgtn0='"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", CSP_SWAGGER_UI_STYLE],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=8 * 60 * 60)
if not DEBUG:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
